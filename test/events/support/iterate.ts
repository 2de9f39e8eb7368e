import type { Subscription } from '../../../src/events/types.js';

/** Reads exactly `n` events, failing if they do not arrive within `timeoutMs`. */
export async function take<T>(sub: Subscription<T>, n: number, timeoutMs = 5000): Promise<T[]> {
  const out: T[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < n) {
    const left = deadline - Date.now();
    const r = await withTimeout(sub.next(), left, () => `only ${out.length} of ${n} events within ${timeoutMs} ms`);
    if (r.done) throw new Error(`stream ended after ${out.length} of ${n} events`);
    out.push(r.value);
  }
  return out;
}

/** Resolves with the next result if it arrives within `ms`, else with 'pending' (the next() stays pending). */
export async function nextWithin<T>(sub: Subscription<T>, ms: number): Promise<IteratorResult<T, undefined> | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'pending'>((resolve) => (timer = setTimeout(() => resolve('pending'), ms)));
  try {
    return await Promise.race([sub.next(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function withTimeout<T>(p: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what())), Math.max(0, ms))));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until `cond()` holds, polling on the event loop, up to `timeoutMs`. */
export async function waitFor(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

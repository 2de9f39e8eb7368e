/**
 * An AbortSignal that fires when any parent signal aborts or when `ms` pass,
 * whichever comes first, remembering which. Listeners on the parents are
 * removed by `dispose()` (long-lived parents such as a connection's lifetime
 * signal must not collect one listener per request).
 */
export class Deadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly startedAt = performance.now();
  private readonly unlink: Array<() => void> = [];
  /** True when the time ran out (as opposed to a parent aborting). */
  timedOut = false;

  constructor(
    readonly ms: number,
    parents: ReadonlyArray<AbortSignal | undefined>,
  ) {
    for (const p of parents) {
      if (!p) continue;
      if (p.aborted) {
        this.controller.abort(p.reason);
        break;
      }
      const onAbort = () => this.controller.abort(p.reason);
      p.addEventListener('abort', onAbort, { once: true });
      this.unlink.push(() => p.removeEventListener('abort', onAbort));
    }
    if (!this.controller.signal.aborted && Number.isFinite(ms)) {
      this.timer = setTimeout(() => {
        this.timedOut = true;
        this.controller.abort(new DeadlineExceeded(ms));
      }, Math.max(0, ms));
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  remainingMs(): number {
    return this.ms - (performance.now() - this.startedAt);
  }

  /** Stops the timer; the signal no longer fires on timeout (parents still abort it until `dispose`). */
  stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  dispose(): void {
    this.stopTimer();
    for (const u of this.unlink.splice(0)) u();
  }
}

export class DeadlineExceeded extends Error {
  constructor(readonly ms: number) {
    super(`timed out after ${formatDuration(ms)}`);
    this.name = 'DeadlineExceeded';
  }
}

/** "30s", "1.5s", "250ms". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  return Number.isInteger(s) ? `${s}s` : `${s.toFixed(1)}s`;
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Settles like `p`, or rejects with the signal's reason when it aborts first (`p` keeps running). */
export function raceSignal<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

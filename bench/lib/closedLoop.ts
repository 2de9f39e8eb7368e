import { SampleBuffer, summarize, type Summary } from './stats.js';

/**
 * A closed-loop load generator (what autocannon does, without its HTTP
 * client so either side can bring its own): `concurrency` workers each run
 * `task` back to back until `durationMs` has passed; each task's latency is
 * recorded. autocannon is not a dependency, and the peer's "request" is a
 * fan-out of several HTTP calls, which autocannon cannot express.
 */
export interface LoopResult {
  requests: number;
  errors: number;
  firstError: string | undefined;
  seconds: number;
  perSecond: number;
  latency: Summary;
}

export async function closedLoop(opts: { concurrency: number; durationMs: number; maxRequests?: number; task: (i: number) => Promise<void> }): Promise<LoopResult> {
  const samples = new SampleBuffer();
  let next = 0;
  let errors = 0;
  let firstError: string | undefined;
  const t0 = performance.now();
  const end = t0 + opts.durationMs;
  const limit = opts.maxRequests ?? Infinity;
  const worker = async (): Promise<void> => {
    while (performance.now() < end && next < limit) {
      const i = next++;
      const s = performance.now();
      try {
        await opts.task(i);
        samples.push(performance.now() - s);
      } catch (e) {
        errors++;
        firstError ??= e instanceof Error ? e.message : String(e);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  return { requests: samples.length, errors, firstError, seconds, perSecond: samples.length / seconds, latency: summarize(samples.values()) };
}

/**
 * Exponential backoff with jitter and a quiet-period reset, with the
 * semantics of client-go's `wait.NewExponentialBackoffManager(800ms, 30s,
 * 2m, 2.0, 1.0)` that reflectors use:
 *
 * - the base delay starts at `initialMs` and doubles (`factor`) on every
 *   `next()`, capped at `maxMs`;
 * - the returned delay is the base plus up to `jitter` times the base
 *   (client-go `wait.Jitter`): with jitter 1.0 a base of 800 ms yields a delay
 *   in [800, 1600) ms and the capped base of 30 s a delay in [30, 60) s, so a
 *   fleet of reflectors that failed together does not retry together;
 * - when more than `resetAfterMs` passed since the previous `next()`, the base
 *   starts over at `initialMs` (a failure after a quiet period is treated as
 *   a new incident).
 *
 * Hand-written rather than taken from a library because the reset-after-quiet
 * rule and client-go's jitter shape are the point, and the class is a few
 * lines.
 */
export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  factor?: number;
  jitter?: number;
  resetAfterMs?: number;
  /** Source of randomness in [0, 1); Math.random by default. */
  random?: () => number;
  /** Clock in ms; Date.now by default. */
  now?: () => number;
}

export const DEFAULT_BACKOFF = Object.freeze({ initialMs: 800, maxMs: 30_000, factor: 2, jitter: 1, resetAfterMs: 120_000 });

export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly jitter: number;
  private readonly resetAfterMs: number;
  private readonly random: () => number;
  private readonly now: () => number;
  private baseMs: number;
  private lastAt: number | undefined;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? DEFAULT_BACKOFF.initialMs;
    this.maxMs = options.maxMs ?? DEFAULT_BACKOFF.maxMs;
    this.factor = options.factor ?? DEFAULT_BACKOFF.factor;
    this.jitter = options.jitter ?? DEFAULT_BACKOFF.jitter;
    this.resetAfterMs = options.resetAfterMs ?? DEFAULT_BACKOFF.resetAfterMs;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.baseMs = this.initialMs;
  }

  /** The delay to wait before the next attempt; advances the sequence. */
  next(): number {
    const now = this.now();
    if (this.lastAt !== undefined && now - this.lastAt > this.resetAfterMs) this.baseMs = this.initialMs;
    this.lastAt = now;
    const base = this.baseMs;
    this.baseMs = Math.min(this.baseMs * this.factor, this.maxMs);
    return Math.round(base + (this.jitter > 0 ? this.random() * this.jitter * base : 0));
  }

  /** Starts the sequence over (after a success that proves the incident is over). */
  reset(): void {
    this.baseMs = this.initialMs;
    this.lastAt = undefined;
  }
}

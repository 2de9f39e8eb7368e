/**
 * A token bucket (client-go's flowcontrol semantics: `qps` tokens per second,
 * at most `burst` stored). Waiters are served in arrival order: each `take`
 * reserves the next token and sleeps until it is due, so a burst of callers
 * is spread at exactly 1/qps.
 *
 * Hand-written (about 40 lines) because no rate-limiting library is among
 * the project's dependencies and this needs an abortable async wait.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly qps: number,
    readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(qps > 0) || !(burst >= 1)) throw new RangeError('TokenBucket needs qps > 0 and burst >= 1');
    this.tokens = burst;
    this.last = now();
  }

  /**
   * Resolves when a token is available. Rejects with `signal.reason` if the
   * signal aborts first; the reserved token is then given back.
   */
  take(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const waitMs = this.reserve();
    if (waitMs <= 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        this.tokens += 1;
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, waitMs);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Reserves the next token; returns in how many ms it is due (0 = now). */
  private reserve(): number {
    this.refill();
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.qps) * 1000;
  }

  /** Tokens available now (negative while callers are waiting). */
  available(): number {
    this.refill();
    return this.tokens;
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.qps);
    this.last = t;
  }
}

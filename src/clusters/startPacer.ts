/**
 * Starts queued jobs at most one per `intervalMs` tick. Used for clusters'
 * first probes: a burst of new clusters (start-up with hundreds of entries,
 * scripted adds) would otherwise open hundreds of TLS handshakes in one
 * event-loop turn. A single pump timer (rather than one precomputed delay per
 * job) keeps the pace even when the process was not scheduled for a while:
 * late ticks never release a crowd at once. A job arriving while nothing is
 * queued and the last start is older than one interval runs at once.
 */
export class StartPacer {
  private readonly queue: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private lastStart = Number.NEGATIVE_INFINITY;

  constructor(private readonly intervalMs: number) {}

  enqueue(job: () => void): void {
    const now = performance.now();
    if (this.queue.length === 0 && now - this.lastStart >= this.intervalMs) {
      this.lastStart = now;
      job();
      return;
    }
    this.queue.push(job);
    if (!this.timer) {
      this.timer = setInterval(() => this.pump(), this.intervalMs);
      this.timer.unref();
    }
  }

  /** Drops every queued job. */
  clear(): void {
    this.queue.length = 0;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private pump(): void {
    const job = this.queue.shift();
    if (job) {
      this.lastStart = performance.now();
      job();
    }
    if (this.queue.length === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}

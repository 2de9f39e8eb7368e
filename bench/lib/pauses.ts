import { PerformanceObserver, constants, monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** What held this process's main thread over a window: GC pauses and event-loop delay. */
export interface PauseReport {
  /** Garbage collections in the window, all kinds. */
  gcs: number;
  /** Of those, full (mark-compact) collections. */
  majorGcs: number;
  gcTotalMs: number;
  gcMaxMs: number;
  /** The longest major collection pause, ms (0 when none). */
  majorGcMaxMs: number;
  /** Event-loop delay (how late a 10 ms timer fired), ms. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** The longest gap between two ticks of a 10 ms interval timer, and when it ended (ms after the window began). */
  longestStallMs: number;
  longestStallAtMs: number;
}

/**
 * Watches GC pauses (perf_hooks 'gc' entries) and event-loop delay in this
 * process; `take(reset)` reports the window since the last reset.
 */
export class PauseMonitor {
  private gcs = 0;
  private majorGcs = 0;
  private gcTotalMs = 0;
  private gcMaxMs = 0;
  private majorGcMaxMs = 0;
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private readonly observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      this.gcs++;
      this.gcTotalMs += e.duration;
      this.gcMaxMs = Math.max(this.gcMaxMs, e.duration);
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        this.majorGcs++;
        this.majorGcMaxMs = Math.max(this.majorGcMaxMs, e.duration);
      }
    }
  });

  private windowStart = performance.now();
  private lastTick = performance.now();
  private longestStallMs = 0;
  private longestStallAtMs = 0;

  constructor() {
    this.observer.observe({ entryTypes: ['gc'] });
    this.loop.enable();
    setInterval(() => {
      const now = performance.now();
      const gap = now - this.lastTick - 10;
      this.lastTick = now;
      if (gap > this.longestStallMs) {
        this.longestStallMs = gap;
        this.longestStallAtMs = now - this.windowStart;
      }
    }, 10).unref();
  }

  take(reset: boolean): PauseReport {
    const report: PauseReport = {
      gcs: this.gcs,
      majorGcs: this.majorGcs,
      gcTotalMs: this.gcTotalMs,
      gcMaxMs: this.gcMaxMs,
      majorGcMaxMs: this.majorGcMaxMs,
      loopDelayP99Ms: this.loop.count ? this.loop.percentile(99) / 1e6 : 0,
      loopDelayMaxMs: this.loop.count ? this.loop.max / 1e6 : 0,
      longestStallMs: this.longestStallMs,
      longestStallAtMs: this.longestStallAtMs,
    };
    if (reset) {
      this.gcs = this.majorGcs = 0;
      this.gcTotalMs = this.gcMaxMs = this.majorGcMaxMs = 0;
      this.loop.reset();
      this.windowStart = performance.now();
      this.longestStallMs = 0;
      this.longestStallAtMs = 0;
    }
    return report;
  }
}

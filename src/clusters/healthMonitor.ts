import type { ProbeResult } from './connection.js';

export interface HealthTiming {
  /** Between probes while healthy (default 15 s). */
  intervalMs: number;
  /** First retry after a failure, doubling up to `maxBackoffMs` (defaults 1 s, 30 s). */
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** After a 401 (or unusable credentials): retried slowly, doubling up to `maxAuthBackoffMs` (defaults 10 s, 120 s). */
  authBackoffMs: number;
  maxAuthBackoffMs: number;
  /** An early probe requested by a failing request waits at least this long after the last probe (default 1 s). */
  minGapMs: number;
}

export const DEFAULT_HEALTH_TIMING: HealthTiming = {
  intervalMs: 15_000,
  initialBackoffMs: 1_000,
  maxBackoffMs: 30_000,
  authBackoffMs: 10_000,
  maxAuthBackoffMs: 120_000,
  minGapMs: 1_000,
};

/**
 * Probes one cluster on a schedule: at once on start, then every
 * `intervalMs` while healthy, with doubling backoff (±20 % jitter) while
 * failing, and slowly after an authentication failure (a wrong token is not
 * fixed by asking again, so there is no tight retry loop). At most one probe
 * is in flight; `nudge()` asks for an early one after a failed request.
 * Timers are unref'd; `stop()` cancels them.
 */
export class HealthMonitor {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;
  private failures = 0;
  private lastKind: 'ok' | 'failed' | 'auth' | undefined;
  private lastProbeAt = 0;
  private nextAt = 0;

  constructor(
    private readonly probe: () => Promise<ProbeResult>,
    private readonly onResult: (r: ProbeResult) => void,
    private readonly timing: HealthTiming = DEFAULT_HEALTH_TIMING,
  ) {}

  /** Schedules the first probe, after `delayMs` (the registry paces bursts of new clusters). */
  start(delayMs = 0): void {
    this.schedule(delayMs);
  }

  /** Probe soon (a request just failed, or succeeded while the cluster looked unreachable). No effect while auth is failing. */
  nudge(): void {
    if (this.stopped || this.running || this.lastKind === 'auth') return;
    const at = Math.max(Date.now(), this.lastProbeAt + this.timing.minGapMs);
    if (at < this.nextAt) this.schedule(at - Date.now());
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.nextAt = Date.now() + delayMs;
    this.timer = setTimeout(() => void this.run(), delayMs);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    this.timer = undefined;
    if (this.stopped || this.running) return;
    this.running = true;
    this.lastProbeAt = Date.now();
    let result: ProbeResult;
    try {
      result = await this.probe();
    } catch (e) {
      result = { ok: false, kind: 'transport', reason: e instanceof Error ? e.message : String(e) };
    }
    this.running = false;
    if (this.stopped) return;
    this.onResult(result);
    if (result.ok) {
      this.failures = 0;
      this.lastKind = 'ok';
      this.schedule(jitter(this.timing.intervalMs, 0.1));
      return;
    }
    const auth = result.kind === 'auth' || result.kind === 'config';
    if ((this.lastKind === 'auth') !== auth) this.failures = 0;
    this.lastKind = auth ? 'auth' : 'failed';
    const base = auth ? this.timing.authBackoffMs : this.timing.initialBackoffMs;
    const cap = auth ? this.timing.maxAuthBackoffMs : this.timing.maxBackoffMs;
    const delay = Math.min(cap, base * 2 ** this.failures);
    this.failures++;
    this.schedule(jitter(delay, 0.2));
  }
}

function jitter(ms: number, fraction: number): number {
  return Math.round(ms * (1 - fraction + Math.random() * 2 * fraction));
}

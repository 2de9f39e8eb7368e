import { setMaxListeners } from 'node:events';
import type { ClusterSpec } from '../config/clusterSpecSchema.js';
import type { InClusterSettings } from '../config/clusterMaterial.js';
import { logger, type Logger } from '../util/logger.js';
import { deriveLastError, deriveStatus, syncProgress, type ClusterStatus, type Reachability, type SyncReport } from './clusterStatus.js';
import { ClusterConnection, type ProbeResult, type RequestOutcome } from './connection.js';
import { HealthMonitor, type HealthTiming } from './healthMonitor.js';
import type { ClusterHandle, ClusterInfo } from './types.js';

export interface ManagedClusterOptions {
  spec: ClusterSpec;
  source: 'config' | 'runtime';
  clusterFilesDir: string;
  inCluster?: InClusterSettings;
  env?: NodeJS.ProcessEnv;
  health: HealthTiming;
  /**
   * Set when the entry's material check failed: the cluster starts
   * UNREACHABLE with this reason, and `recheck` runs before each probe until
   * it passes (a file fixed later is picked up).
   */
  materialError?: string;
  recheck?: () => string | undefined;
  /** Called after every change of status or lastError (not after close). */
  onStatusChange: (cluster: ManagedCluster) => void;
}

const SETTLED: ReadonlySet<ClusterStatus> = new Set(['READY', 'DEGRADED', 'UNREACHABLE']);

/**
 * One registered cluster: its connection, health monitor and status. The
 * status is derived (deriveStatus) from the last probe and the sync layer's
 * last report; every change of status or lastError is reported once.
 */
export class ManagedCluster implements ClusterHandle {
  readonly id: string;
  readonly spec: ClusterSpec;
  readonly client: ClusterConnection;
  readonly source: 'config' | 'runtime';
  readonly addedAt = new Date().toISOString();
  private readonly lifetime = new AbortController();
  private readonly health: HealthMonitor;
  private readonly log: Logger;
  private readonly opts: ManagedClusterOptions;
  private materialError: string | undefined;
  private reach: Reachability;
  private sync: SyncReport | undefined;
  private status: ClusterStatus;
  private lastError: string | undefined;
  private statusChangedAt = this.addedAt;
  private waiters = new Set<() => void>();
  /** gitVersion of the last successful probe (kept while unreachable). */
  private lastVersion: string | undefined;

  constructor(opts: ManagedClusterOptions) {
    // Every reflector of the cluster (one per kind) listens to this signal: more than Node's default 10.
    setMaxListeners(0, this.lifetime.signal);
    this.opts = opts;
    this.spec = opts.spec;
    this.id = opts.spec.clusterId;
    this.source = opts.source;
    this.log = logger('cluster', { clusterId: this.id });
    this.materialError = opts.materialError;
    this.reach = opts.materialError !== undefined ? { state: 'failed', reason: opts.materialError } : { state: 'unknown' };
    this.status = deriveStatus(this.reach, undefined);
    this.lastError = deriveLastError(this.reach, undefined);
    this.client = new ClusterConnection({
      spec: opts.spec,
      clusterFilesDir: opts.clusterFilesDir,
      source: opts.source,
      ...(opts.inCluster ? { inCluster: opts.inCluster } : {}),
      ...(opts.env ? { env: opts.env } : {}),
      onOutcome: (o) => this.onRequestOutcome(o),
    });
    this.health = new HealthMonitor(() => this.probe(), (r) => this.onProbe(r), opts.health);
  }

  get signal(): AbortSignal {
    return this.lifetime.signal;
  }

  get currentStatus(): ClusterStatus {
    return this.status;
  }

  /** Starts probing (the first probe after `delayMs`). Returns immediately. */
  start(delayMs = 0): void {
    if (!this.lifetime.signal.aborted) this.health.start(delayMs);
  }

  info(): ClusterInfo {
    const s = this.sync;
    return {
      clusterId: this.id,
      name: this.spec.name ?? this.id,
      ...(this.spec.environment !== undefined ? { environment: this.spec.environment } : {}),
      ...(this.spec.region !== undefined ? { region: this.spec.region } : {}),
      labels: { ...this.spec.labels },
      authMethod: this.spec.authMethod,
      server: withoutUserInfo(this.client.server),
      status: this.status,
      ...(this.lastVersion !== undefined ? { version: this.lastVersion } : {}),
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
      sync: { kindsTotal: s?.kindsTotal ?? 0, kindsSynced: s?.kindsSynced ?? 0, objects: s?.objects ?? 0, progress: syncProgress(this.status, s) },
      source: this.source,
      addedAt: this.addedAt,
      statusChangedAt: this.statusChangedAt,
    };
  }

  reportSync(report: SyncReport): void {
    if (this.lifetime.signal.aborted) return;
    this.sync = { ...report, failingKinds: [...report.failingKinds] };
    this.recompute();
  }

  /**
   * Resolves once the status is READY, DEGRADED or UNREACHABLE, the cluster
   * is closed, or `timeoutMs` passed (whichever first); never rejects.
   */
  waitSettled(timeoutMs: number): Promise<void> {
    if (SETTLED.has(this.status) || this.lifetime.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
    });
  }

  /** Aborts `signal`, stops probing and closes the connection. Bounded. */
  async close(): Promise<void> {
    if (this.lifetime.signal.aborted) return;
    this.lifetime.abort(new Error(`cluster ${this.id} removed`));
    this.health.stop();
    for (const w of [...this.waiters]) w();
    await this.client.close();
  }

  private async probe(): Promise<ProbeResult> {
    if (this.materialError !== undefined && this.opts.recheck) {
      const problem = this.opts.recheck();
      if (problem !== undefined) return { ok: false, kind: 'config', reason: problem };
      this.materialError = undefined;
    }
    return this.client.probe();
  }

  private onProbe(r: ProbeResult): void {
    if (this.lifetime.signal.aborted) return;
    if (r.ok) {
      if (r.version !== undefined) this.lastVersion = r.version;
      this.reach = { state: 'ok', ...(r.version !== undefined ? { version: r.version } : {}) };
    } else {
      if (this.reach.state !== 'failed' || this.reach.reason !== r.reason) this.log.warn({ reason: r.reason }, 'cluster unreachable');
      this.reach = { state: 'failed', reason: r.reason };
    }
    this.recompute();
  }

  private onRequestOutcome(o: RequestOutcome): void {
    if (this.lifetime.signal.aborted) return;
    // Requests do not decide reachability themselves (one hung path is not an outage);
    // they ask for an early probe when what they saw disagrees with the current state.
    if (o.type === 'ok' ? this.reach.state === 'failed' : this.reach.state !== 'failed') this.health.nudge();
  }

  private recompute(): void {
    const status = deriveStatus(this.reach, this.sync);
    const lastError = deriveLastError(this.reach, this.sync);
    if (status === this.status && lastError === this.lastError) return;
    if (status !== this.status) {
      this.log.info({ from: this.status, to: status, reason: lastError }, 'cluster status changed');
      this.statusChangedAt = new Date().toISOString();
    }
    this.status = status;
    this.lastError = lastError;
    if (SETTLED.has(status)) for (const w of [...this.waiters]) w();
    this.opts.onStatusChange(this);
  }
}

/** A URL without user:password (kubeconfig servers may carry them). */
function withoutUserInfo(url: string): string {
  if (!url.includes('@')) return url;
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '';
  }
}

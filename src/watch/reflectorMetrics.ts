import { counter, gauge } from '../util/metrics.js';

type Labels = 'cluster' | 'kind';

/** What a live reflector exposes to the scrape-time gauges. */
interface Observed {
  labels: Record<Labels, string>;
  lastEventAt(): number | undefined;
  objects(): number;
  synced(): boolean;
}

const live = new Set<Observed>();

const restarts = counter<Labels>({
  name: 'kubeatlas_reflector_watch_restarts_total',
  help: 'Watches re-opened after they ended or failed, per cluster and kind.',
  labelNames: ['cluster', 'kind'],
});
const relists = counter<Labels>({
  name: 'kubeatlas_reflector_relists_total',
  help: 'Full state transfers (LIST or WatchList) after the first one, per cluster and kind.',
  labelNames: ['cluster', 'kind'],
});
const expired = counter<Labels>({
  name: 'kubeatlas_reflector_expired_total',
  help: '410 Gone/Expired answers (HTTP or watch ERROR event), per cluster and kind.',
  labelNames: ['cluster', 'kind'],
});
const events = counter<Labels>({
  name: 'kubeatlas_reflector_events_total',
  help: 'Watch events (ADDED, MODIFIED, DELETED, BOOKMARK) and listed items received, per cluster and kind.',
  labelNames: ['cluster', 'kind'],
});
const initialSync = gauge<Labels>({
  name: 'kubeatlas_reflector_initial_sync_duration_seconds',
  help: 'Time from reflector start to the end of its first complete state transfer.',
  labelNames: ['cluster', 'kind'],
});
const lastEventAge = gauge<Labels>({
  name: 'kubeatlas_reflector_last_event_age_seconds',
  help: 'Seconds since the last watch event or bookmark (absent before the first one).',
  labelNames: ['cluster', 'kind'],
  collect() {
    const now = Date.now();
    for (const r of live) {
      const at = r.lastEventAt();
      if (at !== undefined) this.set(r.labels, (now - at) / 1000);
    }
  },
});
const objects = gauge<Labels>({
  name: 'kubeatlas_reflector_objects',
  help: 'Objects the reflector currently knows, per cluster and kind.',
  labelNames: ['cluster', 'kind'],
  collect() {
    for (const r of live) this.set(r.labels, r.objects());
  },
});
const synced = gauge<Labels>({
  name: 'kubeatlas_reflector_synced',
  help: '1 once the reflector completed its initial state transfer.',
  labelNames: ['cluster', 'kind'],
  collect() {
    for (const r of live) this.set(r.labels, r.synced() ? 1 : 0);
  },
});

/** The Prometheus series of one reflector; `dispose()` removes them. */
export class ReflectorMetrics {
  private readonly observed: Observed;
  private disposed = false;

  constructor(clusterId: string, kindKey: string, source: Omit<Observed, 'labels'>) {
    this.observed = { labels: { cluster: clusterId, kind: kindKey }, ...source };
    live.add(this.observed);
  }

  watchRestarted(): void {
    if (!this.disposed) restarts.inc(this.observed.labels);
  }
  relisted(): void {
    if (!this.disposed) relists.inc(this.observed.labels);
  }
  expired(): void {
    if (!this.disposed) expired.inc(this.observed.labels);
  }
  received(count = 1): void {
    if (!this.disposed) events.inc(this.observed.labels, count);
  }
  initialSyncTook(seconds: number): void {
    if (!this.disposed) initialSync.set(this.observed.labels, seconds);
  }

  /** Stops reporting and removes every series of this (cluster, kind). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    live.delete(this.observed);
    for (const metric of [restarts, relists, expired, events, initialSync, lastEventAge, objects, synced]) metric.remove(this.observed.labels);
  }
}

import { counter, gauge } from '../util/metrics.js';
import type { ChangeCounts } from './collection.js';

/** What a store reports per (cluster, kind) collection. */
export interface CollectionStats {
  clusterId: string;
  kindKey: string;
  objects: number;
  changes: ChangeCounts;
}

/** A store that can report its collections. */
export interface StatsSource {
  collectionStats(): Iterable<CollectionStats>;
}

const sources = new Set<WeakRef<StatsSource>>();

/**
 * Registers a store for the metrics below. The values are read from the
 * stores when /metrics is scraped, so the hot path updates plain counters
 * only; a store that is garbage-collected drops out by itself.
 */
export function registerStatsSource(source: StatsSource): void {
  sources.add(new WeakRef(source));
}

function eachStats(fn: (s: CollectionStats) => void): void {
  for (const ref of sources) {
    const src = ref.deref();
    if (src === undefined) {
      sources.delete(ref);
      continue;
    }
    for (const s of src.collectionStats()) fn(s);
  }
}

gauge<'cluster' | 'kind'>({
  name: 'kubeatlas_store_objects',
  help: 'Objects in the catalog per cluster and kind',
  labelNames: ['cluster', 'kind'],
  collect() {
    this.reset();
    eachStats((s) => this.inc({ cluster: s.clusterId, kind: s.kindKey }, s.objects));
  },
});

counter<'cluster' | 'kind' | 'type'>({
  name: 'kubeatlas_store_events_total',
  help: 'Changes applied to the catalog per cluster, kind and type (ADDED, MODIFIED, DELETED); a removed cluster drops its series',
  labelNames: ['cluster', 'kind', 'type'],
  collect() {
    this.reset();
    eachStats((s) => {
      for (const type of ['ADDED', 'MODIFIED', 'DELETED'] as const) {
        if (s.changes[type] > 0) this.inc({ cluster: s.clusterId, kind: s.kindKey, type }, s.changes[type]);
      }
    });
  },
});

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
  /** Deferred compression (see DeferredCompression): records waiting, compressed, and superseded before their turn. */
  deferredCompressionStats(): { pending: number; compressed: number; superseded: number };
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

function eachSource(fn: (src: StatsSource) => void): void {
  for (const ref of sources) {
    const src = ref.deref();
    if (src === undefined) {
      sources.delete(ref);
      continue;
    }
    fn(src);
  }
}

function eachStats(fn: (s: CollectionStats) => void): void {
  eachSource((src) => {
    for (const s of src.collectionStats()) fn(s);
  });
}

gauge({
  name: 'kubeatlas_store_deferred_compressions',
  help: 'Records stored plain by a watch event and waiting for their compression off the event path',
  collect() {
    let n = 0;
    eachSource((src) => (n += src.deferredCompressionStats().pending));
    this.set(n);
  },
});

counter<'outcome'>({
  name: 'kubeatlas_store_deferred_compressions_total',
  help: 'Deferred compressions done (outcome "compressed") or skipped because a newer version or a removal superseded the record ("superseded")',
  labelNames: ['outcome'],
  collect() {
    this.reset();
    let compressed = 0;
    let superseded = 0;
    eachSource((src) => {
      const s = src.deferredCompressionStats();
      compressed += s.compressed;
      superseded += s.superseded;
    });
    this.inc({ outcome: 'compressed' }, compressed);
    this.inc({ outcome: 'superseded' }, superseded);
  },
});

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

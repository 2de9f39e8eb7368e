import { counter, gauge } from '../util/metrics.js';

/** What an in-process cache reports: lookups answered from it (hits) or not (misses), and what it holds. */
export interface L1Stats {
  hits: number;
  misses: number;
  /** Estimated bytes held. */
  bytes: number;
  entries: number;
}

/** The L1 caches: parsed objects behind Resource.object (the store's LRU) and query pages. */
export type L1CacheName = 'objects' | 'pages';

interface Source {
  readonly cache: L1CacheName;
  readonly owner: WeakRef<object>;
  readonly method: PropertyKey;
}

const sources = new Set<Source>();

/** Names of `T`'s methods that return L1Stats. */
export type L1StatsMethod<T> = { [K in keyof T]: T[K] extends () => L1Stats ? K : never }[keyof T];

/**
 * Registers an L1 cache for the metrics below, read when /metrics is
 * scraped (the lookup path only bumps plain counters): `owner[method]()`.
 * A method name rather than a callback, so that no closure can keep the
 * owner (and whatever its creator's scope holds) alive: the source drops
 * out by itself once `owner` is garbage-collected. Several sources of one
 * cache name (several apps in one process, in tests) are summed.
 */
export function registerL1Source<T extends object>(cache: L1CacheName, owner: T, method: L1StatsMethod<T>): void {
  sources.add({ cache, owner: new WeakRef(owner), method });
}

function totals(): Map<L1CacheName, L1Stats> {
  const out = new Map<L1CacheName, L1Stats>();
  for (const s of sources) {
    const owner = s.owner.deref();
    if (owner === undefined) {
      sources.delete(s);
      continue;
    }
    const st = (owner as Record<PropertyKey, () => L1Stats>)[s.method]();
    const t = out.get(s.cache) ?? { hits: 0, misses: 0, bytes: 0, entries: 0 };
    t.hits += st.hits;
    t.misses += st.misses;
    t.bytes += st.bytes;
    t.entries += st.entries;
    out.set(s.cache, t);
  }
  return out;
}

counter<'cache' | 'result'>({
  name: 'kubeatlas_cache_l1_lookups_total',
  help: 'Lookups of the in-process caches (objects: parsed Resource.object; pages: query pages) by result (hit, miss)',
  labelNames: ['cache', 'result'],
  collect() {
    this.reset();
    for (const [cache, t] of totals()) {
      this.inc({ cache, result: 'hit' }, t.hits);
      this.inc({ cache, result: 'miss' }, t.misses);
    }
  },
});

gauge<'cache'>({
  name: 'kubeatlas_cache_l1_hit_ratio',
  help: 'Hits / lookups of the in-process caches since start (0 before the first lookup)',
  labelNames: ['cache'],
  collect() {
    this.reset();
    for (const [cache, t] of totals()) this.set({ cache }, t.hits + t.misses === 0 ? 0 : t.hits / (t.hits + t.misses));
  },
});

gauge<'cache'>({
  name: 'kubeatlas_cache_l1_bytes',
  help: 'Estimated bytes held by the in-process caches',
  labelNames: ['cache'],
  collect() {
    this.reset();
    for (const [cache, t] of totals()) this.set({ cache }, t.bytes);
  },
});

gauge<'cache'>({
  name: 'kubeatlas_cache_l1_entries',
  help: 'Entries held by the in-process caches',
  labelNames: ['cache'],
  collect() {
    this.reset();
    for (const [cache, t] of totals()) this.set({ cache }, t.entries);
  },
});

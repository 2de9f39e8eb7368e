import { LRUCache } from 'lru-cache';
import type { LabelSelector } from '../kube/labelSelector.js';
import { retainedBytesOf } from '../store/record.js';
import type { CompiledFilter, Page, PageRequest, ResourceReader } from '../store/types.js';
import type { L1Stats } from './l1Metrics.js';

/** What the page cache needs from the store: queries, and a change token per set of collections. */
export interface PageSource {
  query(filter: CompiledFilter, page: PageRequest): Page;
  /** Changes whenever an object of the matching collections may have changed (ResourceStore.changeGeneration). */
  changeGeneration(clusters: ReadonlySet<string> | undefined, kindKeys: ReadonlySet<string> | undefined): string;
}

export interface PageCacheOptions {
  /** Estimated bytes of pages kept (records pinned, cursors, keys); 0 disables the cache. */
  maxBytes: number;
}

interface Entry {
  readonly generation: string;
  readonly page: Page;
  readonly bytes: number;
}

/** Fixed cost of one cached row besides its record and cursor: array slots and the entry. */
const ROW_OVERHEAD_BYTES = 32;
const ENTRY_OVERHEAD_BYTES = 200;

/**
 * L1 of query pages: the result of `store.query(filter, { first, after })`
 * kept per (filter, first, after), bounded by estimated bytes (lru-cache
 * `maxSize` + `sizeCalculation`).
 *
 * Freshness: an entry remembers the store's change generation of the
 * collections its filter can read (its clusters x its kinds, every
 * collection when unrestricted; a new cluster or collection changes it
 * too). A lookup compares it with the current generation, synchronously,
 * and recomputes on any difference, so a page served from the cache is
 * exactly what the store would answer now: never older than the store.
 *
 * Pages are shared between callers: treat them as read-only.
 */
export class PageCache {
  private readonly lru: LRUCache<string, Entry> | undefined;
  private hits = 0;
  private misses = 0;

  constructor(
    private readonly source: PageSource,
    options: PageCacheOptions,
  ) {
    if (options.maxBytes > 0) {
      this.lru = new LRUCache<string, Entry>({ maxSize: options.maxBytes, sizeCalculation: (e) => Math.max(1, e.bytes) });
    }
  }

  /** The page the store answers now for (filter, page), from the cache when its collections are unchanged. Throws what `query` throws. */
  query(filter: CompiledFilter, page: PageRequest): Page {
    if (!this.lru) return this.source.query(filter, page);
    const key = `${filterKey(filter)}|${page.first}|${page.after ?? ''}`;
    const generation = this.source.changeGeneration(filter.clusters, filter.kindKeys);
    const hit = this.lru.get(key);
    if (hit !== undefined && hit.generation === generation) {
      this.hits++;
      return hit.page;
    }
    this.misses++;
    const result = this.source.query(filter, page);
    const bytes = entryBytes(key, result);
    if (bytes <= this.lru.maxSize) this.lru.set(key, { generation, page: result, bytes });
    else this.lru.delete(key);
    return result;
  }

  stats(): L1Stats {
    return { hits: this.hits, misses: this.misses, bytes: this.lru?.calculatedSize ?? 0, entries: this.lru?.size ?? 0 };
  }

  clear(): void {
    this.lru?.clear();
  }
}

/**
 * A ResourceReader that answers `query` through `cache` and everything else
 * from `reader` (what the GraphQL layer reads). A Proxy rather than a list
 * of delegating methods, so members added to the ResourceReader contract
 * later pass through untouched.
 */
export function readerWithPageCache(reader: ResourceReader, cache: PageCache): ResourceReader {
  const query: ResourceReader['query'] = (filter, page) => cache.query(filter, page);
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(reader, {
    get(target, prop) {
      if (prop === 'query') return query;
      const v: unknown = Reflect.get(target, prop, target);
      if (typeof v !== 'function') return v;
      let b = bound.get(prop);
      if (b === undefined) bound.set(prop, (b = (v as (...args: unknown[]) => unknown).bind(target)));
      return b;
    },
  });
}

/** A canonical text of a compiled filter: equal filters give equal keys, whatever the order of their sets. */
export function filterKey(f: CompiledFilter): string {
  return JSON.stringify([sorted(f.clusters), sorted(f.kindKeys), sorted(f.namespaces), selectorKey(f.selector), f.name ?? null, f.nameContains ?? null, f.status ?? null]);
}

function sorted(set: ReadonlySet<string> | undefined): string[] | null {
  return set === undefined ? null : [...set].sort();
}

function selectorKey(s: LabelSelector | undefined): unknown {
  if (s === undefined) return null;
  if (s.isNothing()) return 'nothing';
  return s.requirements.map((r) => [r.key, r.operator, r.values]);
}

function entryBytes(key: string, page: Page): number {
  let n = ENTRY_OVERHEAD_BYTES + key.length * 2;
  for (let i = 0; i < page.records.length; i++) n += ROW_OVERHEAD_BYTES + retainedBytesOf(page.records[i]) + page.cursors[i].length * 2;
  return n;
}

import { LRUCache } from 'lru-cache';
import type { KubeObject } from '../kube/types.js';
import type { ResourceRecord } from './types.js';

interface Entry {
  readonly record: ResourceRecord;
  readonly object: KubeObject;
  readonly bytes: number;
}

/** Parsed objects take roughly this many heap bytes per byte of JSON. */
const PARSED_BYTES_PER_JSON_CHAR = 3;

/**
 * Parsed slimmed objects, bounded by an estimate of their heap size. Keyed
 * by record id, and an entry is used only for the very record instance it
 * was parsed from: a parse of an older (or newer) version of the object is
 * never returned.
 *
 * Returned objects are shared between callers: treat them as read-only.
 */
export class ObjectCache {
  private readonly lru: LRUCache<number, Entry>;
  /** `get` calls answered from the cache / by parsing (for hit-ratio metrics). */
  hits = 0;
  misses = 0;

  constructor(maxBytes: number) {
    this.lru = new LRUCache<number, Entry>({ maxSize: Math.max(1, maxBytes), sizeCalculation: (e) => Math.max(1, e.bytes) });
  }

  /** The parsed object of `record`, parsing `record.json` on a miss. */
  get(record: ResourceRecord): KubeObject {
    const hit = this.lru.get(record.id);
    if (hit !== undefined && hit.record === record) {
      this.hits++;
      return hit.object;
    }
    this.misses++;
    const json = record.json;
    const object = JSON.parse(json) as KubeObject;
    this.lru.set(record.id, { record, object, bytes: json.length * PARSED_BYTES_PER_JSON_CHAR });
    return object;
  }

  /** Forgets a record's entry (the object left the store). */
  delete(id: number): void {
    this.lru.delete(id);
  }

  clear(): void {
    this.lru.clear();
  }

  get size(): number {
    return this.lru.size;
  }

  /** Estimated bytes held. */
  get bytes(): number {
    return this.lru.calculatedSize;
  }
}

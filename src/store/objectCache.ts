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
/** Parses kept for reuse whatever their admission (same event resolved by several selections, several fields of one record). */
const RECENT_ENTRIES = 64;
/** Record versions remembered as requested once, per generation (two generations are kept). */
const SEEN_PER_GENERATION = 65_536;

/**
 * Parsed slimmed objects, bounded by an estimate of their heap size. Keyed
 * by record id, and an entry is used only for the very record instance it
 * was parsed from: a parse of an older (or newer) version of the object is
 * never returned.
 *
 * Admission: a record version enters the LRU on its second request (the
 * first one is remembered by id and resourceVersion, for the last 64-128 Ki
 * versions requested). Until then its parse is kept only among the last 64
 * parses. So an object read once — the usual case of an event delivered to
 * subscribers, or of a one-off scan — is garbage within milliseconds and
 * never reaches V8's old generation, while objects read again (repeated
 * queries) are cached. (Parses that live for seconds are promoted, and
 * promoted garbage sets how often V8 collects the whole catalog.)
 *
 * Returned objects are shared between callers: treat them as read-only.
 */
export class ObjectCache {
  private readonly lru: LRUCache<number, Entry>;
  private readonly recent = new Map<number, Entry>();
  private seen = new Map<number, string>();
  private seenBefore = new Map<number, string>();
  /** `get` calls answered from the cache / by parsing (for hit-ratio metrics). */
  hits = 0;
  misses = 0;

  constructor(maxBytes: number) {
    this.lru = new LRUCache<number, Entry>({ maxSize: Math.max(1, maxBytes), sizeCalculation: (e) => Math.max(1, e.bytes) });
  }

  /** The parsed object of `record`, parsing `record.json` on a miss. */
  get(record: ResourceRecord): KubeObject {
    const cached = this.lru.get(record.id);
    const hit = cached?.record === record ? cached : this.recent.get(record.id);
    if (hit?.record === record) {
      this.hits++;
      return hit.object;
    }
    this.misses++;
    const json = record.json;
    const entry: Entry = { record, object: JSON.parse(json) as KubeObject, bytes: json.length * PARSED_BYTES_PER_JSON_CHAR };
    if (this.admit(record)) this.lru.set(record.id, entry);
    else this.keepRecent(entry);
    return entry.object;
  }

  /** Forgets a record's entry (the object left the store). */
  delete(id: number): void {
    this.lru.delete(id);
    this.recent.delete(id);
  }

  clear(): void {
    this.lru.clear();
    this.recent.clear();
    this.seen.clear();
    this.seenBefore.clear();
  }

  /** Entries in the LRU. */
  get size(): number {
    return this.lru.size;
  }

  /** Estimated bytes held by the LRU. */
  get bytes(): number {
    return this.lru.calculatedSize;
  }

  /** True when this version was requested before (and is remembered); else remembers it. */
  private admit(record: ResourceRecord): boolean {
    const rv = record.resourceVersion;
    if (this.seen.get(record.id) === rv || this.seenBefore.get(record.id) === rv) return true;
    if (this.seen.size >= SEEN_PER_GENERATION) {
      this.seenBefore = this.seen;
      this.seen = new Map();
    }
    this.seen.set(record.id, rv);
    return false;
  }

  private keepRecent(entry: Entry): void {
    const id = entry.record.id;
    this.recent.delete(id);
    this.recent.set(id, entry);
    if (this.recent.size > RECENT_ENTRIES) this.recent.delete(this.recent.keys().next().value as number);
  }
}

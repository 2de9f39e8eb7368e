import { kindKeyOf } from '../store/filter.js';
import type { CompiledFilter } from '../store/types.js';
import { BoundedQueue } from './boundedQueue.js';
import type { HistoryEntry } from './historyEntry.js';
import { historyTally } from './metrics.js';

export interface HistoryLimits {
  /** Most entries kept (0 disables replay). */
  maxEvents: number;
  /** Entries older than this (by ingest time) are dropped. */
  maxAgeMs: number;
  /** Most estimated bytes of records kept; the oldest entries go first. */
  maxBytes: number;
}

/** Most (cluster, kind, namespace) scopes whose last evicted seq is remembered; one more folds them all into the floor. */
export const MAX_EVICTED_SCOPES = 20_000;

/** cluster -> kindKey -> namespace -> newest evicted seq there. */
type EvictedScopes = Map<string, Map<string, Map<string, number>>>;

/** Whether a subscriber's filter can match objects of a (cluster, kindKey, namespace) scope. */
export type ScopeTest = (clusterId: string, kindKey: string, namespace: string) => boolean;

/** The (cluster, kind, namespace) part of a filter as a scope test (what else it asks is ignored: conservative). */
export function filterScope(filter: CompiledFilter): ScopeTest {
  return (clusterId, kindKey, namespace) =>
    (filter.clusters === undefined || filter.clusters.has(clusterId)) && (filter.kindKeys === undefined || filter.kindKeys.has(kindKey)) && (filter.namespaces === undefined || filter.namespaces.has(namespace));
}

/**
 * The recent changes, in sequence order, for resuming subscribers. Bounded
 * by count, by age and by estimated record bytes, whichever bites first;
 * pruning happens on append and whenever a reader asks (`prune(now)`), so an
 * idle bus holds at most what it held when the last change arrived.
 *
 * Invariant: the retained entries have consecutive seqs `firstSeq .. lastSeq`
 * (empty when `firstSeq === lastSeq + 1`).
 *
 * What leaves the history is remembered coarsely: per (cluster, kind,
 * namespace) scope, the newest seq dropped there (at most
 * MAX_EVICTED_SCOPES scopes; one more folds them all into one floor seq
 * that counts as a drop in every scope). `lostSince` answers from it whether a
 * subscriber resuming after a seq older than the history could have missed
 * an event: never "no" when it could have.
 */
export class EventHistory {
  private readonly entries: BoundedQueue<HistoryEntry>;
  private nextSeq = 1;
  private heldBytes = 0;
  private evicted: EvictedScopes = new Map();
  private evictedScopes = 0;
  /** Every seq up to this one may have been dropped in any scope. */
  private evictedFloor = 0;

  constructor(private readonly limits: HistoryLimits) {
    this.entries = new BoundedQueue<HistoryEntry>(limits.maxEvents);
  }

  /** Seq of the newest change ever appended (0 before the first). */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  /** Seq of the oldest retained change (`lastSeq + 1` when none is retained). */
  get firstSeq(): number {
    return this.entries.peek()?.seq ?? this.nextSeq;
  }

  get size(): number {
    return this.entries.length;
  }

  get bytes(): number {
    return this.heldBytes;
  }

  /** The seq the next appended entry must carry. */
  get expectedSeq(): number {
    return this.nextSeq;
  }

  /** Records the entry (whose seq must be `expectedSeq`) and prunes. */
  append(entry: HistoryEntry, now: number): void {
    if (entry.seq !== this.nextSeq) throw new RangeError(`history expected seq ${this.nextSeq}, got ${entry.seq}`);
    this.nextSeq++;
    if (this.limits.maxEvents === 0) {
      this.noteDropped(entry);
      return;
    }
    if (this.entries.isFull()) this.dropOldest();
    const bytes = entry.bytes;
    this.entries.push(entry);
    this.heldBytes += bytes;
    historyTally.events++;
    historyTally.bytes += bytes;
    while (this.heldBytes > this.limits.maxBytes && this.entries.length > 0) this.dropOldest();
    this.prune(now);
  }

  /** Drops the entries older than `maxAgeMs`. */
  prune(now: number): void {
    const cutoff = now - this.limits.maxAgeMs;
    for (let head = this.entries.peek(); head && head.ingestedAt <= cutoff; head = this.entries.peek()) this.dropOldest();
  }

  /** The entry with this seq, if retained. */
  get(seq: number): HistoryEntry | undefined {
    const head = this.entries.peek();
    return head ? this.entries.at(seq - head.seq) : undefined;
  }

  /**
   * Whether a change with seq > `after` that `inScope` accepts has left the
   * history (so a subscriber resuming after `after` would miss it).
   * Conservative: a scope forgotten past MAX_EVICTED_SCOPES counts as a drop
   * everywhere.
   */
  lostSince(after: number, inScope: ScopeTest): boolean {
    if (after < this.evictedFloor) return true;
    for (const [clusterId, kinds] of this.evicted) {
      for (const [kindKey, namespaces] of kinds) {
        for (const [namespace, seq] of namespaces) if (seq > after && inScope(clusterId, kindKey, namespace)) return true;
      }
    }
    return false;
  }

  /** Drops everything (the seq counter keeps going). */
  clear(): void {
    while (this.entries.length > 0) this.dropOldest();
  }

  private noteDropped(e: HistoryEntry): void {
    const r = e.record;
    let kinds = this.evicted.get(r.clusterId);
    if (kinds === undefined) this.evicted.set(r.clusterId, (kinds = new Map()));
    const kindKey = kindKeyOf(r);
    let namespaces = kinds.get(kindKey);
    if (namespaces === undefined) kinds.set(kindKey, (namespaces = new Map()));
    if (!namespaces.has(r.namespace) && ++this.evictedScopes > MAX_EVICTED_SCOPES) {
      // too many scopes: everything dropped so far counts as dropped everywhere
      this.evictedFloor = e.seq;
      this.evicted = new Map();
      this.evictedScopes = 0;
      return;
    }
    namespaces.set(r.namespace, e.seq);
  }

  private dropOldest(): void {
    const e = this.entries.shift();
    if (!e) return;
    this.noteDropped(e);
    const bytes = e.bytes;
    this.heldBytes -= bytes;
    historyTally.events--;
    historyTally.bytes -= bytes;
  }
}

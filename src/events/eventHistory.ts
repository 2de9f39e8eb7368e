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

/**
 * The recent changes, in sequence order, for resuming subscribers. Bounded
 * by count, by age and by estimated record bytes, whichever bites first;
 * pruning happens on append and whenever a reader asks (`prune(now)`), so an
 * idle bus holds at most what it held when the last change arrived.
 *
 * Invariant: the retained entries have consecutive seqs `firstSeq .. lastSeq`
 * (empty when `firstSeq === lastSeq + 1`).
 */
export class EventHistory {
  private readonly entries: BoundedQueue<HistoryEntry>;
  private nextSeq = 1;
  private heldBytes = 0;

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
    if (this.limits.maxEvents === 0) return;
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

  /** Drops everything (the seq counter keeps going). */
  clear(): void {
    while (this.entries.length > 0) this.dropOldest();
  }

  private dropOldest(): void {
    const e = this.entries.shift();
    if (!e) return;
    const bytes = e.bytes;
    this.heldBytes -= bytes;
    historyTally.events--;
    historyTally.bytes -= bytes;
  }
}

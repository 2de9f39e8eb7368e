import type { Base, JsonCodec } from './jsonCodec.js';
import type { StoredRecord } from './record.js';

/** Longest run of compressions per event-loop turn. */
const SLICE_MS = 2;

export interface DeferredCompressionOptions {
  codec: JsonCodec;
  /** True while `record` is the store's current record for its id (a replaced or removed one is skipped). */
  isCurrent: (record: StoredRecord) => boolean;
  /** Records kept plain at most; past it the oldest is compressed at once (bounds the extra memory). */
  maxPending: number;
  /** A record is compressed this long after it was stored (a change within it supersedes the work). */
  delayMs: number;
}

/**
 * Compression of watch-path records off the watch path. A record stored by a
 * watch event is kept plain (its JSON as is) and compressed against the base
 * the store chose for it `delayMs` later, in slices of at most SLICE_MS per
 * event-loop turn, so a burst of changes is applied and delivered without
 * paying for deflate, and an object changed again within the delay is
 * compressed once instead of once per version.
 *
 * Only leaf records are deferred (never a record other records use as their
 * compression base), so compressing one in place changes no other record's
 * base. The JSON of a record is the same before and after; only its stored
 * form changes. At most `maxPending` records wait: the extra memory is
 * bounded by that many plain objects.
 */
export class DeferredCompression {
  private readonly pending = new Map<StoredRecord, { base: Base; at: number }>();
  private timer: NodeJS.Timeout | undefined;
  private sliceScheduled = false;
  /** Records compressed by this queue, and records skipped because a newer version (or a removal) superseded them. */
  compressed = 0;
  superseded = 0;

  constructor(private readonly options: DeferredCompressionOptions) {}

  /** Queues a plain `record` for compression against `base`. */
  defer(record: StoredRecord, base: Base): void {
    this.pending.set(record, { base, at: performance.now() });
    while (this.pending.size > this.options.maxPending) this.compressOldest();
    this.schedule();
  }

  /** Compresses `record` now if it is waiting (e.g. before its stored form is copied out). */
  settle(record: StoredRecord): void {
    const entry = this.pending.get(record);
    if (entry !== undefined) this.take(record, entry);
  }

  /** Compresses every waiting record now. */
  settleAll(): void {
    for (const [record, entry] of this.pending) this.take(record, entry);
  }

  /** Records waiting. */
  get size(): number {
    return this.pending.size;
  }

  private compressOldest(): void {
    const first = this.pending.entries().next();
    if (!first.done) this.take(first.value[0], first.value[1]);
  }

  /** Removes a waiting record from the queue and compresses it. */
  private take(record: StoredRecord, entry: { base: Base }): void {
    this.pending.delete(record);
    this.compress(record, entry.base);
  }

  private compress(record: StoredRecord, base: Base): void {
    if (!this.options.isCurrent(record) || record.base !== undefined) {
      this.superseded++;
      return;
    }
    const packed = this.options.codec.encode(record.packed, base);
    if (packed.base !== undefined) record.repack(packed.packed, packed.base);
    this.compressed++;
  }

  private schedule(): void {
    if (this.timer !== undefined || this.sliceScheduled || this.pending.size === 0) return;
    const first = this.pending.values().next();
    const wait = first.done ? 0 : Math.max(0, first.value.at + this.options.delayMs - performance.now());
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.runSoon();
      }, Math.ceil(wait));
      this.timer.unref();
      return;
    }
    this.runSoon();
  }

  private runSoon(): void {
    if (this.sliceScheduled) return;
    this.sliceScheduled = true;
    setImmediate(() => this.run()).unref();
  }

  private run(): void {
    this.sliceScheduled = false;
    const now = performance.now();
    const until = now + SLICE_MS;
    const due = now - this.options.delayMs;
    for (const [record, entry] of this.pending) {
      if (entry.at > due) break;
      this.take(record, entry);
      if (performance.now() >= until) break;
    }
    this.schedule();
  }
}

import { retainedBytesOf } from '../store/record.js';
import type { ChangeOrigin, ChangeType, ResourceRecord } from '../store/types.js';
import type { CursorCodec } from './cursor.js';
import type { BusEvent } from './types.js';


/**
 * One change as the bus numbered it. Holds the records (immutable, usually
 * shared with the store) but not the parsed object of the ChangeEvent. The
 * three ways a subscriber may see it (as is, as ADDED, as DELETED-because-
 * it-stopped-matching) are built on first use and shared by all subscribers.
 */
export class HistoryEntry {
  private asIsEvent: BusEvent | undefined;
  private asAddedEvent: BusEvent | undefined;
  private asExitEvent: BusEvent | undefined;
  private cursorString: string | undefined;
  /** Estimated bytes kept alive by this entry's records. */
  readonly bytes: number;
  /**
   * For a MODIFIED: whether the fields a filter can look at and that can
   * change between two versions of one object (labels, status) are the same
   * before and after; then "matched before" equals "matches now" for every
   * filter. Labels are compared by identity: the store interns label maps.
   */
  readonly filterFieldsUnchanged: boolean;

  constructor(
    readonly seq: number,
    /** Encodes the cursor when a subscriber first needs it (most changes reach no subscriber). */
    private readonly codec: CursorCodec,
    /** Bus clock at ingest, for age-based pruning. */
    readonly ingestedAt: number,
    readonly type: ChangeType,
    readonly record: ResourceRecord,
    /** The state before a MODIFIED; undefined otherwise. */
    readonly previous: ResourceRecord | undefined,
    readonly at: number,
    readonly origin: ChangeOrigin,
  ) {
    this.bytes = retainedBytesOf(record) + (previous && previous !== record ? retainedBytesOf(previous) : 0);
    this.filterFieldsUnchanged = previous !== undefined && previous.labels === record.labels && previous.status === record.status;
  }

  get cursor(): string {
    return (this.cursorString ??= this.codec.encode(this.seq));
  }

  /** The change with its own type. */
  asIs(): BusEvent {
    return (this.asIsEvent ??= this.make(this.type, this.record, undefined));
  }

  /** A MODIFIED that made the object start matching. */
  asAdded(): BusEvent {
    return (this.asAddedEvent ??= this.make('ADDED', this.record, undefined));
  }

  /** A MODIFIED that made the object stop matching: DELETED with the previous state. */
  asFilterExit(): BusEvent {
    return (this.asExitEvent ??= this.make('DELETED', this.previous ?? this.record, this.record));
  }

  private make(type: BusEvent['type'], record: ResourceRecord, current: ResourceRecord | undefined): BusEvent {
    const cursor = this.cursor;
    const event: BusEvent = current
      ? { type, clusterId: record.clusterId, record, cursor, at: this.at, origin: this.origin, current }
      : { type, clusterId: record.clusterId, record, cursor, at: this.at, origin: this.origin };
    return Object.freeze(event);
  }
}

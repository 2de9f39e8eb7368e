import type { ChangeListener, ChangeOrigin, CompiledFilter, ResourceRecord } from '../store/types.js';

/**
 * Where the bus takes its changes from. The local ResourceStore
 * (`ResourceReader.onChange`) is one; a Redis-fed source carrying other
 * replicas' changes would be another. Listeners are called synchronously, in
 * order, exactly once per change; the returned function unsubscribes.
 */
export interface ChangeSource {
  onChange(listener: ChangeListener): () => void;
}

/** Decides whether one record matches a compiled filter (the store's `matchesFilter`). */
export type RecordMatcher = (filter: CompiledFilter, record: ResourceRecord) => boolean;

export type BusEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/**
 * One resource event as one subscriber sees it, after its filter was applied
 * (see `filterTransform.ts` for the exact rules). Immutable and possibly
 * shared between subscribers: never mutate it.
 */
export interface BusEvent {
  readonly type: BusEventType;
  readonly clusterId: string;
  /**
   * ADDED / MODIFIED: the new state. DELETED of an object that was deleted:
   * its last known state. DELETED because the object stopped matching the
   * filter: the state before the change (the last state that matched).
   */
  readonly record: ResourceRecord;
  /** Pass back as `since` to resume right after this event. */
  readonly cursor: string;
  /** Epoch ms at which the store applied the change. */
  readonly at: number;
  /** Why the store changed: live watch, relist after a gap, warm-restart snapshot, cluster removal. */
  readonly origin: ChangeOrigin;
  /**
   * Set only on a DELETED that means "stopped matching the filter": the
   * object's new state (it still exists, but no longer matches).
   */
  readonly current?: ResourceRecord;
}

/**
 * A live stream of events. Iterate with `for await`; the stream ends (done)
 * when it is closed, or throws a KubeatlasError once when the server ended it
 * (LIMIT_EXCEEDED for a subscriber too slow to keep up, RESYNC_REQUIRED when
 * a replay fell behind the history), after every event queued before that
 * was delivered.
 *
 * `return()` (what `for await` and graphql-yoga call when the client goes
 * away) and `close()` release everything at once: the listener, the queue,
 * the AbortSignal listener, the slot counted against the subscription limit.
 */
export interface Subscription<T> extends AsyncIterableIterator<T> {
  /**
   * Ends the stream now, dropping whatever is queued. Without `reason` the
   * iterator is done at its next `next()`; with one, the next `next()` (or the
   * one pending) rejects with it once, then the iterator is done.
   */
  close(reason?: Error): void;
  /** True once the stream released its resources (closed, returned, or its terminal error delivered). */
  readonly closed: boolean;
  /** Events queued and not yet taken by `next()`. */
  readonly queued: number;
  /** Same as `close()`; resolves done. */
  return(): Promise<IteratorResult<T, undefined>>;
  /** Closes, then rejects with `error` (generator semantics). */
  throw(error?: unknown): Promise<IteratorResult<T, undefined>>;
}

export interface SubscribeOptions {
  /** A cursor from an earlier event: replay everything after it from the history, then continue live. */
  since?: string;
  /** Most events held for this subscriber before it is cut off as too slow (default: the bus's). */
  queueSize?: number;
  /** Aborting it closes the subscription (done, no error). */
  signal?: AbortSignal;
  /** Called once when the subscription is released, whatever the reason (e.g. to release a SubscriptionQuota lease). */
  onClose?: () => void;
}

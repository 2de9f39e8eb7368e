import { kindKeyOf, matchesFilter } from '../store/filter.js';
import type { ChangeEvent, CompiledFilter } from '../store/types.js';
import { KubeatlasError } from '../util/errors.js';
import { logger } from '../util/logger.js';
import { CursorCodec, decodeCursor, newEpoch } from './cursor.js';
import { EventHistory, filterScope } from './eventHistory.js';
import { eventFor } from './filterTransform.js';
import { HistoryEntry } from './historyEntry.js';
import { tallies } from './metrics.js';
import { ResourceSubscription, type ReplayHost } from './resourceSubscription.js';
import { SubscriberIndex } from './subscriberIndex.js';
import { resolveQueueSize } from './queueSize.js';
import type { BusEvent, ChangeSource, RecordMatcher, SubscribeOptions, Subscription } from './types.js';

const log = logger('events');

export interface EventBusOptions {
  /** Most changes kept for resuming (default 10 000; 0 disables replay). */
  historySize?: number;
  /** Oldest change kept for resuming, in ms (default 5 min). */
  historyMaxAgeMs?: number;
  /** Most estimated bytes of records the history keeps alive (default 64 MiB). */
  historyMaxBytes?: number;
  /** Default per-subscriber queue (default 1000 events). */
  queueSize?: number;
  /** Largest queue a subscriber may ask for (default 10 000, at least `queueSize`). */
  maxQueueSize?: number;
  /** Most open subscriptions on this bus (default 10 000). */
  maxSubscriptions?: number;
  /** Incarnation id put in cursors (default: random per bus). 1-32 chars of [A-Za-z0-9_-]. */
  epoch?: string;
  /** Clock for history ages (default Date.now). */
  now?: () => number;
  /** Filter matcher (default: the store's matchesFilter). */
  matches?: RecordMatcher;
}

export interface EventBusStats {
  epoch: string;
  /** Open subscriptions (live + replaying). */
  subscriptions: number;
  /** Subscriptions registered for live events. */
  live: number;
  historySize: number;
  historyBytes: number;
  /** Cursor of the newest change (resume point "now"). */
  headCursor: string;
  /** The oldest cursor still accepted as `since`. */
  oldestResumableCursor: string;
}

export const EVENT_BUS_DEFAULTS = Object.freeze({
  historySize: 10_000,
  historyMaxAgeMs: 5 * 60_000,
  historyMaxBytes: 64 * 1024 * 1024,
  queueSize: 1000,
  maxQueueSize: 10_000,
  maxSubscriptions: 10_000,
});

/**
 * Fan-out of the catalog's changes to live subscribers, with a numbered,
 * bounded history for resuming.
 *
 * - Every change from the source gets the next sequence number and a cursor
 *   (`cursor.ts`), is appended to the history, then handed synchronously to
 *   the subscribers whose filter may want it (indexed by cluster and kind).
 *   The producer never waits: each subscriber has a bounded queue, and one
 *   whose queue is full is cut off with LIMIT_EXCEEDED after it drains what
 *   it had. With no subscriber, a change costs one history append.
 * - `subscribe(filter, { since })` replays from the history what the client
 *   missed after `since` (filtered as live events are: `filterTransform.ts`),
 *   then continues live with no gap and no duplicate. A `since` the bus cannot
 *   honour exactly (malformed, from another incarnation, older than the
 *   history, ahead of it) throws RESYNC_REQUIRED synchronously: the client
 *   must list again. Never a silent gap.
 * - Consistent "list, then watch": the source applies changes synchronously,
 *   so `headCursor` read in the same synchronous block as a store query names
 *   exactly the state the query saw; subscribing with it as `since` continues
 *   from there.
 */
export class EventBus {
  readonly epoch: string;
  private readonly codec: CursorCodec;
  private readonly history: EventHistory;
  private readonly index = new SubscriberIndex<ResourceSubscription>();
  private readonly all = new Set<ResourceSubscription>();
  private readonly now: () => number;
  private readonly matches: RecordMatcher;
  private readonly defaultQueueSize: number;
  private readonly maxQueueSize: number;
  private readonly maxSubscriptions: number;
  private readonly limits: { historySize: number; historyMaxAgeMs: number };
  private readonly host: ReplayHost;
  private unsubscribe: (() => void) | undefined;
  /** The change being fanned out (avoids a closure per change). */
  private current: HistoryEntry | undefined;

  constructor(source: ChangeSource, options: EventBusOptions = {}) {
    const o = { ...EVENT_BUS_DEFAULTS, ...definedOnly(options) };
    for (const key of ['historySize', 'historyMaxAgeMs', 'historyMaxBytes', 'maxSubscriptions'] as const) {
      if (!Number.isInteger(o[key]) || o[key] < 0) throw new KubeatlasError('CONFIG_INVALID', `event bus option ${key} must be a non-negative integer`, { field: key });
    }
    for (const key of ['queueSize', 'maxQueueSize'] as const) {
      if (!Number.isInteger(o[key]) || o[key] < 1) throw new KubeatlasError('CONFIG_INVALID', `event bus option ${key} must be a positive integer`, { field: key });
    }
    this.epoch = options.epoch ?? newEpoch();
    try {
      this.codec = new CursorCodec(this.epoch);
    } catch {
      throw new KubeatlasError('CONFIG_INVALID', 'event bus option epoch must be 1-32 characters of [A-Za-z0-9_-]', { field: 'epoch' });
    }
    this.now = options.now ?? Date.now;
    this.matches = options.matches ?? matchesFilter;
    this.defaultQueueSize = o.queueSize;
    this.maxQueueSize = Math.max(o.maxQueueSize, o.queueSize);
    this.maxSubscriptions = o.maxSubscriptions;
    this.limits = { historySize: o.historySize, historyMaxAgeMs: o.historyMaxAgeMs };
    this.history = new EventHistory({ maxEvents: o.historySize, maxAgeMs: o.historyMaxAgeMs, maxBytes: o.historyMaxBytes });
    this.host = {
      history: this.history,
      matches: this.matches,
      now: this.now,
      goLive: (sub) => this.index.add(sub, sub.filter),
    };
    this.unsubscribe = source.onChange((change) => this.ingest(change));
  }

  /** Cursor of the newest change: subscribing with it as `since` starts right after it. */
  get headCursor(): string {
    return this.codec.encode(this.history.lastSeq);
  }

  get isClosed(): boolean {
    return this.unsubscribe === undefined;
  }

  /**
   * Opens a stream of the changes matching `filter`, transformed for the
   * subscriber (`filterTransform.ts`). Without `since` it starts with the next
   * change. Throws synchronously, before any stream exists:
   * RESYNC_REQUIRED for a `since` the bus cannot resume from,
   * LIMIT_EXCEEDED when the bus already holds `maxSubscriptions`,
   * BAD_USER_INPUT for a queueSize outside 1..maxQueueSize.
   */
  subscribe(filter: CompiledFilter, options: SubscribeOptions = {}): Subscription<BusEvent> {
    if (this.isClosed) throw new KubeatlasError('INTERNAL', 'The event bus is shut down.');
    const queueSize = resolveQueueSize(options.queueSize, this.defaultQueueSize, this.maxQueueSize);
    const position = options.since === undefined ? this.history.lastSeq : this.positionOf(options.since, filter);
    if (this.all.size >= this.maxSubscriptions) {
      throw new KubeatlasError('LIMIT_EXCEEDED', `Too many event subscriptions on this server (limit ${this.maxSubscriptions}); try again later.`, {
        limit: this.maxSubscriptions,
      });
    }
    const sub: ResourceSubscription = new ResourceSubscription(this.host, filter, position, {
      stream: 'resource',
      queueSize,
      signal: options.signal,
      onClose: options.onClose,
      overflowError: () => slowSubscriberError(queueSize, sub.newestQueued?.cursor),
      detach: () => {
        if (sub.live) this.index.remove(sub, sub.filter);
      },
      onRelease: () => {
        this.all.delete(sub);
        tallies.resource.subscribers--;
      },
    });
    this.all.add(sub);
    tallies.resource.subscribers++;
    if (options.signal?.aborted) sub.close();
    else sub.startIfCaughtUp();
    return sub;
  }

  stats(): EventBusStats {
    this.history.prune(this.now());
    return {
      epoch: this.epoch,
      subscriptions: this.all.size,
      live: this.index.size,
      historySize: this.history.size,
      historyBytes: this.history.bytes,
      headCursor: this.headCursor,
      oldestResumableCursor: this.codec.encode(this.history.firstSeq - 1),
    };
  }

  /** Non-empty index buckets (a leak check for tests). */
  get indexBuckets(): number {
    return this.index.buckets;
  }

  /** Stops listening to the source and ends every subscription (done, no error). Idempotent. */
  close(): void {
    const unsubscribe = this.unsubscribe;
    if (!unsubscribe) return;
    this.unsubscribe = undefined;
    unsubscribe();
    for (const sub of [...this.all]) sub.close();
    this.history.clear();
  }

  private ingest(change: ChangeEvent): void {
    // The store calls this on its hot path: it must be cheap and never throw.
    // `current` is saved and restored in case an onClose callback run during
    // the fan-out causes a nested change.
    const outer = this.current;
    try {
      const seq = this.history.expectedSeq;
      const ingestedAt = this.now();
      const previous = change.type === 'MODIFIED' ? change.previous : undefined;
      const entry = new HistoryEntry(seq, this.codec, ingestedAt, change.type, change.record, previous, change.at, change.origin);
      this.history.append(entry, ingestedAt);
      if (this.index.size === 0) return;
      this.current = entry;
      this.index.forEachCandidate(change.record.clusterId, kindKeyOf(change.record), this.deliver);
    } catch (e) {
      log.error({ err: e }, 'event bus failed to ingest a change');
    } finally {
      this.current = outer;
    }
  }

  private readonly deliver = (sub: ResourceSubscription): void => {
    try {
      const entry = this.current as HistoryEntry;
      const event = sub.indexDecides ? entry.asIs() : eventFor(sub.filter, entry, this.matches);
      if (event) sub.push(event);
    } catch (e) {
      log.error({ err: e }, 'filtering an event for a subscriber failed');
      sub.fail(new KubeatlasError('INTERNAL', 'The subscription failed on the server; subscribe again.'));
    }
  };

  /**
   * The seq to replay after for `since`. A cursor older than the history is
   * still good when nothing the filter could match (by cluster, kind and
   * namespace) has left the history since: a quiet, narrow subscription
   * resumes without a relist.
   */
  private positionOf(since: string, filter: CompiledFilter): number {
    const pos = decodeCursor(since);
    if (!pos) throw resync('malformed', 'The resume cursor is not valid; list the resources again and subscribe without `since` or with a fresh cursor.');
    if (pos.epoch !== this.epoch) {
      throw resync(
        'unknown-epoch',
        'The resume cursor comes from another server incarnation (restart or another replica) whose events this server does not have; list the resources again and subscribe with a fresh cursor.',
      );
    }
    this.history.prune(this.now());
    if (pos.seq > this.history.lastSeq) throw resync('ahead', 'The resume cursor is ahead of this server\'s events; list the resources again and subscribe with a fresh cursor.');
    const oldest = this.history.firstSeq - 1;
    if (pos.seq < oldest) {
      if (this.history.lostSince(pos.seq, filterScope(filter))) {
        throw resync(
          'expired',
          `The resume cursor is older than the retained event history (at most ${this.limits.historySize} events / ${Math.round(this.limits.historyMaxAgeMs / 1000)} s) and events this subscription could match have left it since; list the resources again and subscribe with a fresh cursor.`,
        );
      }
      // nothing it could match left the history after the cursor: replay what is retained
      return oldest;
    }
    return pos.seq;
  }
}

function resync(reason: 'malformed' | 'unknown-epoch' | 'ahead' | 'expired', message: string): KubeatlasError {
  return new KubeatlasError('RESYNC_REQUIRED', message, { reason });
}

function slowSubscriberError(queueSize: number, lastCursor: string | undefined): KubeatlasError {
  return new KubeatlasError(
    'LIMIT_EXCEEDED',
    `The subscription was too slow to keep up (more than ${queueSize} events waiting) and was disconnected; resubscribe with \`since\` set to the cursor of the last event received.`,
    lastCursor === undefined ? { queueSize } : { queueSize, lastCursor },
  );
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

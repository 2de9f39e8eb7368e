import type { CompiledFilter } from '../store/types.js';
import { KubeatlasError } from '../util/errors.js';
import { filterScope, type EventHistory } from './eventHistory.js';
import { eventFor } from './filterTransform.js';
import { QueueSubscription, type QueueSubscriptionOptions } from './queueSubscription.js';
import type { BusEvent, RecordMatcher } from './types.js';

/** Most events a replay step moves from the history into the queue at once. */
const REPLAY_BATCH = 256;

/** What a resource subscription needs from its bus to replay and then go live. */
export interface ReplayHost {
  readonly history: EventHistory;
  readonly matches: RecordMatcher;
  now(): number;
  /** Registers the subscription for live events; called once, when the replay reached the newest change. */
  goLive(subscription: ResourceSubscription): void;
}

/**
 * A resource-event subscription. It starts at a position in the change
 * sequence (`position`: every change up to it is already known to the
 * client). While behind the newest change it is "catching up": it is not
 * registered for live events, and each `next()` on an empty queue reads the
 * following changes from the history (filtered) into its queue. When it
 * reaches the newest change it registers for live events in the same
 * synchronous step, so no change is missed or seen twice: every change is in
 * the history before it is fanned out, and the switch happens between two
 * changes.
 *
 * If the history drops changes the subscription has not read yet (it is
 * replaying slower than the history turns over), it ends with
 * RESYNC_REQUIRED after delivering what it had queued.
 */
export class ResourceSubscription extends QueueSubscription<BusEvent> {
  private isLive = false;
  /**
   * True when the filter names only clusters and kinds: the subscriber index
   * has then decided the match, and every change it is handed is delivered
   * as is (a MODIFIED matched before and after).
   */
  readonly indexDecides: boolean;

  constructor(
    private readonly host: ReplayHost,
    readonly filter: CompiledFilter,
    private position: number,
    options: QueueSubscriptionOptions,
  ) {
    super(options);
    this.indexDecides =
      filter.namespaces === undefined && filter.selector === undefined && filter.name === undefined && filter.nameContains === undefined && filter.status === undefined;
  }

  get live(): boolean {
    return this.isLive;
  }

  /** The newest event queued (what the client will have received last once the queue drains). */
  get newestQueued(): BusEvent | undefined {
    return this.queue.at(this.queue.length - 1);
  }

  /** Registers for live events now if nothing is left to replay. */
  startIfCaughtUp(): void {
    if (!this.isLive && this.position === this.host.history.lastSeq) this.enterLive();
  }

  protected override refill(): void {
    if (this.isLive) return;
    const history = this.host.history;
    history.prune(this.host.now());
    const batch = Math.min(this.queue.capacity, REPLAY_BATCH);
    while (this.queue.length < batch) {
      if (this.position === history.lastSeq) {
        this.enterLive();
        return;
      }
      const entry = history.get(this.position + 1);
      if (!entry) {
        if (this.position < history.firstSeq - 1 && !history.lostSince(this.position, filterScope(this.filter))) {
          // what left the history meanwhile could not match this subscription
          this.position = history.firstSeq - 1;
          continue;
        }
        this.fail(
          new KubeatlasError(
            'RESYNC_REQUIRED',
            'The subscription fell behind the retained event history while replaying; list the resources again and subscribe anew.',
            { reason: 'replay-expired' },
          ),
        );
        return;
      }
      this.position = entry.seq;
      const event = eventFor(this.filter, entry, this.host.matches);
      if (event) this.queue.push(event);
    }
  }

  private enterLive(): void {
    this.isLive = true;
    this.host.goLive(this);
  }
}

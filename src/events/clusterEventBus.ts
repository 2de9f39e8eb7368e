import { KubeatlasError } from '../util/errors.js';
import { logger } from '../util/logger.js';
import { tallies } from './metrics.js';
import { QueueSubscription } from './queueSubscription.js';
import { resolveQueueSize } from './queueSize.js';
import type { Subscription } from './types.js';

const log = logger('events');

/** The part of a cluster registry event (`registry.onEvent`) the bus relies on; events reach subscribers unchanged. */
export interface ClusterEventLike {
  /** ADDED, REMOVED, STATUS_CHANGED. */
  readonly type: string;
  readonly clusterId: string;
}

/** The cluster registry, as far as the bus needs it. `onEvent` returns an unsubscribe function. */
export interface ClusterEventSource<E extends ClusterEventLike> {
  onEvent(listener: (event: E) => void): () => void;
}

export interface ClusterEventBusOptions {
  /** Default per-subscriber queue (default 100 events). */
  queueSize?: number;
  /** Largest queue a subscriber may ask for (default 1000, at least `queueSize`). */
  maxQueueSize?: number;
  /** Most open subscriptions (default 10 000). */
  maxSubscriptions?: number;
}

export interface ClusterSubscribeOptions {
  queueSize?: number;
  signal?: AbortSignal;
  onClose?: () => void;
}

/**
 * Fan-out of cluster registry events (ADDED, REMOVED, STATUS_CHANGED) to
 * subscribers. Same delivery rules as the resource EventBus — synchronous
 * producer that never waits, bounded queue per subscriber, LIMIT_EXCEEDED
 * for one that falls behind after it drained its queue, `return()`/`close()`
 * release at once — but no history and no cursor: cluster state is small,
 * a client that reconnects reads `clusters` again.
 */
export class ClusterEventBus<E extends ClusterEventLike> {
  private readonly subscribers = new Set<QueueSubscription<E>>();
  private readonly defaultQueueSize: number;
  private readonly maxQueueSize: number;
  private readonly maxSubscriptions: number;
  private unsubscribe: (() => void) | undefined;

  constructor(source: ClusterEventSource<E>, options: ClusterEventBusOptions = {}) {
    this.defaultQueueSize = options.queueSize ?? 100;
    this.maxQueueSize = Math.max(options.maxQueueSize ?? 1000, this.defaultQueueSize);
    this.maxSubscriptions = options.maxSubscriptions ?? 10_000;
    for (const [field, v, min] of [
      ['queueSize', this.defaultQueueSize, 1],
      ['maxQueueSize', this.maxQueueSize, 1],
      ['maxSubscriptions', this.maxSubscriptions, 0],
    ] as const) {
      if (!Number.isInteger(v) || v < min) throw new KubeatlasError('CONFIG_INVALID', `cluster event bus option ${field} must be an integer >= ${min}`, { field });
    }
    this.unsubscribe = source.onEvent((event) => this.publish(event));
  }

  get subscriptions(): number {
    return this.subscribers.size;
  }

  /** Opens a stream of every cluster event from now on. LIMIT_EXCEEDED at the subscription limit. */
  subscribe(options: ClusterSubscribeOptions = {}): Subscription<E> {
    if (!this.unsubscribe) throw new KubeatlasError('INTERNAL', 'The cluster event bus is shut down.');
    const queueSize = resolveQueueSize(options.queueSize, this.defaultQueueSize, this.maxQueueSize);
    if (this.subscribers.size >= this.maxSubscriptions) {
      throw new KubeatlasError('LIMIT_EXCEEDED', `Too many cluster event subscriptions on this server (limit ${this.maxSubscriptions}); try again later.`, {
        limit: this.maxSubscriptions,
      });
    }
    let attached = true;
    const sub: QueueSubscription<E> = new QueueSubscription<E>({
      stream: 'cluster',
      queueSize,
      signal: options.signal,
      onClose: options.onClose,
      overflowError: () =>
        new KubeatlasError(
          'LIMIT_EXCEEDED',
          `The cluster event subscription was too slow to keep up (more than ${queueSize} events waiting) and was disconnected; read \`clusters\` again and resubscribe.`,
          { queueSize },
        ),
      detach: () => {
        if (attached) this.subscribers.delete(sub);
        attached = false;
      },
      onRelease: () => {
        tallies.cluster.subscribers--;
      },
    });
    this.subscribers.add(sub);
    tallies.cluster.subscribers++;
    if (options.signal?.aborted) sub.close();
    return sub;
  }

  /** Stops listening to the registry and ends every subscription (done, no error). Idempotent. */
  close(): void {
    const unsubscribe = this.unsubscribe;
    if (!unsubscribe) return;
    this.unsubscribe = undefined;
    unsubscribe();
    for (const sub of [...this.subscribers]) sub.close();
  }

  private publish(event: E): void {
    for (const sub of this.subscribers) {
      try {
        sub.push(event);
      } catch (e) {
        log.error({ err: e }, 'delivering a cluster event failed');
      }
    }
  }
}

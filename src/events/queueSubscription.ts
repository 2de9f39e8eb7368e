import { logger } from '../util/logger.js';
import { BoundedQueue } from './boundedQueue.js';
import { tallies, type StreamName } from './metrics.js';
import type { Subscription } from './types.js';

const log = logger('events');

interface Waiter<T> {
  resolve(result: IteratorResult<T, undefined>): void;
  reject(error: unknown): void;
}

export interface QueueSubscriptionOptions {
  stream: StreamName;
  /** Most events held before the subscriber is cut off. */
  queueSize: number;
  /** The error a subscriber gets when its queue overflows (built when that happens). */
  overflowError: () => Error;
  /** Called once, synchronously, when the producer must stop pushing (overflow or release). */
  detach: () => void;
  /** Called once when everything is released. */
  onRelease: () => void;
  signal?: AbortSignal;
  onClose?: () => void;
}

const DONE: IteratorResult<never, undefined> = Object.freeze({ done: true, value: undefined });

/**
 * The consumer end of one subscription: a bounded queue the producer pushes
 * to synchronously (never waiting), read through the async iterator protocol.
 *
 * Lifecycle: open -> (overflow / fail) failing: detached from the producer,
 * the queued events drain, then `next()` rejects once with the error ->
 * released. `close()`/`return()`/abort release at once from any state.
 */
export class QueueSubscription<T> implements Subscription<T> {
  protected readonly queue: BoundedQueue<T>;
  private readonly waiters: Waiter<T>[] = [];
  private pendingError: Error | undefined;
  private detached = false;
  private released = false;
  private readonly abortListener: (() => void) | undefined;

  constructor(protected readonly options: QueueSubscriptionOptions) {
    this.queue = new BoundedQueue<T>(options.queueSize);
    if (options.signal) {
      this.abortListener = () => this.close();
      options.signal.addEventListener('abort', this.abortListener, { once: true });
    }
  }

  get closed(): boolean {
    return this.released;
  }

  get queued(): number {
    return this.queue.length;
  }

  /** True while the producer may push. */
  get accepting(): boolean {
    return !this.detached;
  }

  /**
   * Producer side: hands over one event without waiting. Returns false when
   * the subscriber was cut off by this push (queue full) or is no longer open.
   */
  push(value: T): boolean {
    if (this.detached) return false;
    const waiter = this.waiters.shift();
    if (waiter) {
      tallies[this.options.stream].delivered++;
      waiter.resolve({ done: false, value });
      return true;
    }
    if (this.queue.push(value)) return true;
    const t = tallies[this.options.stream];
    t.droppedSlow++;
    t.slowDisconnects++;
    this.fail(this.options.overflowError());
    return false;
  }

  /**
   * Ends the stream with `error` after the queued events were delivered.
   * Detaches from the producer at once.
   */
  fail(error: Error): void {
    if (this.detached) return;
    this.detach();
    this.pendingError = error;
    if (this.queue.length === 0 && this.waiters.length > 0) this.deliverPendingError();
  }

  close(reason?: Error): void {
    if (this.released) return;
    this.pendingError = reason;
    this.release();
    if (this.pendingError && this.waiters.length > 0) this.deliverPendingError();
    for (const w of this.waiters.splice(0)) w.resolve(DONE);
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.queue.length === 0 && !this.detached) this.refill();
    if (this.queue.length > 0) {
      tallies[this.options.stream].delivered++;
      return Promise.resolve({ done: false, value: this.queue.shift() as T });
    }
    if (this.pendingError) {
      const error = this.pendingError;
      this.pendingError = undefined;
      this.release();
      return Promise.reject(error);
    }
    if (this.released || this.detached) {
      this.release();
      return Promise.resolve(DONE);
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<T, undefined>> {
    this.close();
    return Promise.resolve(DONE);
  }

  throw(error?: unknown): Promise<IteratorResult<T, undefined>> {
    this.close();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /**
   * Called by `next()` when the queue is empty and the subscription is still
   * attached: a subclass may fill the queue from elsewhere (history replay).
   */
  protected refill(): void {}

  private detach(): void {
    if (this.detached) return;
    this.detached = true;
    try {
      this.options.detach();
    } catch (e) {
      log.error({ err: e }, 'detaching a subscription failed');
    }
  }

  private deliverPendingError(): void {
    const error = this.pendingError;
    this.pendingError = undefined;
    const waiter = this.waiters.shift();
    this.release();
    waiter?.reject(error);
    for (const w of this.waiters.splice(0)) w.resolve(DONE);
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    this.detach();
    const dropped = this.queue.length;
    if (dropped > 0) tallies[this.options.stream].droppedClosed += dropped;
    this.queue.clear();
    if (this.abortListener) this.options.signal?.removeEventListener('abort', this.abortListener);
    this.options.onRelease();
    if (this.options.onClose) {
      try {
        this.options.onClose();
      } catch (e) {
        log.error({ err: e }, 'onClose callback of a subscription threw');
      }
    }
  }
}

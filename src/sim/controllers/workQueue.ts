import { logger } from '../../util/logger.js';
import { isSimApiError } from '../errors.js';

const log = logger('sim-controllers');

/**
 * The controllers' work queue, in the spirit of client-go's workqueue: a key
 * enqueued many times before it is processed is processed once (that is what
 * coalesces a burst of changes into one reconcile), work runs outside the
 * store's change listeners, and a batch yields to the event loop so the
 * apiserver keeps answering. Delayed work (the kubelet's transitions) goes
 * through `after`, which `stop` cancels.
 */
export class WorkQueue {
  private readonly pending = new Map<string, () => void>();
  private scheduled = false;
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  /** At most `batchSize` keys, and about `sliceMs` of work, per event-loop turn before yielding. */
  constructor(
    private readonly batchSize = 200,
    private readonly sliceMs = 8,
  ) {}

  /** Runs `fn` soon, once per key however often it is enqueued meanwhile (the latest fn wins). */
  enqueue(key: string, fn: () => void): void {
    if (this.stopped) return;
    this.pending.set(key, fn);
    this.schedule();
  }

  /** Enqueues `fn` under `key` after `ms`. */
  after(ms: number, key: string, fn: () => void): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.enqueue(key, fn);
    }, Math.max(0, ms));
    t.unref?.();
    this.timers.add(t);
  }

  get size(): number {
    return this.pending.size;
  }

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    let n = 0;
    const until = performance.now() + this.sliceMs;
    for (const [key, fn] of this.pending) {
      if (this.stopped || n++ >= this.batchSize || (n > 1 && performance.now() > until)) break;
      this.pending.delete(key);
      try {
        fn();
      } catch (e) {
        // A 404/409 means the world moved on (object deleted or changed meanwhile): the next change re-enqueues.
        if (isSimApiError(e) && (e.code === 404 || e.code === 409)) continue;
        log.warn({ key, err: e }, 'reconcile failed');
      }
    }
    if (this.pending.size && !this.stopped) this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.pending.clear();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

import { KubeatlasError } from '../util/errors.js';

/**
 * Counts open subscriptions per key (a connection, a user, a client IP) for
 * the GraphQL layer's per-connection limits. Typical use:
 *
 * ```ts
 * const release = quota.acquire(connectionKey);           // LIMIT_EXCEEDED when full
 * try { return bus.subscribe(filter, { since, onClose: release }); }
 * catch (e) { release(); throw e; }
 * ```
 */
export class SubscriptionQuota {
  private readonly counts = new Map<string, number>();

  constructor(readonly limitPerKey: number) {
    if (!Number.isInteger(limitPerKey) || limitPerKey < 0) throw new KubeatlasError('CONFIG_INVALID', 'subscription quota must be a non-negative integer', { field: 'limitPerKey' });
  }

  /**
   * Takes one slot for `key`, or throws LIMIT_EXCEEDED when `key` holds
   * `limitPerKey` already. The returned function gives the slot back; calling
   * it more than once has no further effect.
   */
  acquire(key: string): () => void {
    const n = this.counts.get(key) ?? 0;
    if (n >= this.limitPerKey) {
      throw new KubeatlasError('LIMIT_EXCEEDED', `Too many subscriptions on this connection (limit ${this.limitPerKey}); close one first.`, {
        limit: this.limitPerKey,
      });
    }
    this.counts.set(key, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.counts.get(key) ?? 1) - 1;
      if (left <= 0) this.counts.delete(key);
      else this.counts.set(key, left);
    };
  }

  /** Slots `key` holds now. */
  count(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  /** Keys holding at least one slot. */
  get keys(): number {
    return this.counts.size;
  }
}

import { crc32 } from 'node:zlib';
import { describeError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import type { RedisKeys } from './keys.js';
import { cacheMetrics } from './l2Metrics.js';
import type { RedisLink } from './redisLink.js';

export interface LeaseManagerOptions {
  link: RedisLink;
  keys: RedisKeys;
  replicaId: string;
  /** Lease lifetime without renewal; renewed every third of it. */
  ttlMs: number;
  log: Logger;
  /** This replica now holds the cluster's lease. */
  onAcquired(clusterId: string): void;
  /** This replica lost the cluster's lease (another replica holds it now). */
  onLost(clusterId: string): void;
  /**
   * Another live replica is the preferred owner of a cluster this replica
   * holds: hand it over (stop watching, flush, then `release`). Called for at
   * most one cluster per renewal round.
   */
  onHandoff(clusterId: string): void;
  /** A round found another replica holding the lease of a cluster this replica does not hold. */
  onHeldElsewhere(clusterId: string, holder: string): void;
}

interface Tracked {
  held: boolean;
  /** Holder last seen, for excluding a dead owner from the preference once its lease expired. */
  lastHolder: string | undefined;
  /** When the lease was first seen free while this replica was not preferred. */
  freeSince: number | undefined;
  handingOff: boolean;
}

/**
 * Owner leases: each cluster is watched by exactly one replica at a time.
 *
 * - A lease is a key `lease:<cluster>` = replica id, set with NX and a TTL,
 *   renewed every ttl/3 by compare-and-extend, released on handoff and
 *   shutdown by compare-and-delete (which publishes on `leases:released` so
 *   the others try at once). All three are Lua scripts (atomic).
 * - Every replica heartbeats into the `replicas` sorted set each round; a
 *   replica seen within the TTL is live.
 * - Who should own a cluster: rendezvous hashing (highest crc32 of
 *   "cluster|replica") over the live replicas, leaving out the last holder
 *   of a lease that expired (it stopped renewing). The preferred replica
 *   takes a free lease at once; any other one takes it when it has been free
 *   for a whole round (so a stuck preferred replica cannot starve a
 *   cluster). A holder hands a cluster to its preferred replica once that
 *   one has been live for a whole TTL (no flapping while replicas come and
 *   go), one cluster per round, so replicas share the clusters.
 * - A replica that cannot see a lease's holder renew wakes up right when the
 *   lease expires (its PTTL), so an owner that died is replaced within the
 *   TTL.
 * - While Redis is unreachable nothing is decided: held leases are
 *   confirmed (or found lost) on the first round after it is back.
 */
export class LeaseManager {
  private readonly tracked = new Map<string, Tracked>();
  private readonly liveSince = new Map<string, number>();
  private live: string[] = [];
  private round: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private wake: NodeJS.Timeout | undefined;
  private wakeAt = Infinity;
  private closed = false;
  private readonly renewEveryMs: number;

  constructor(private readonly o: LeaseManagerOptions) {
    this.renewEveryMs = Math.max(100, Math.floor(o.ttlMs / 3));
  }

  /** Starts the rounds (heartbeat, renewals, acquisitions). */
  start(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => this.nudge(), this.renewEveryMs);
    this.timer.unref();
    this.nudge();
  }

  /** Competes for a cluster's lease from the next round. */
  track(clusterId: string): void {
    if (this.tracked.has(clusterId)) return;
    this.tracked.set(clusterId, { held: false, lastHolder: undefined, freeSince: undefined, handingOff: false });
    this.nudge();
  }

  /** Stops competing; releases the lease if held. */
  async untrack(clusterId: string): Promise<void> {
    const t = this.tracked.get(clusterId);
    this.tracked.delete(clusterId);
    if (t?.held) await this.releaseLease(clusterId);
  }

  holds(clusterId: string): boolean {
    return this.tracked.get(clusterId)?.held === true;
  }

  /** Ids of the live replicas seen in the last round. */
  liveReplicas(): readonly string[] {
    return this.live;
  }

  /** Releases a held lease (after a handoff); the others are told at once. */
  async release(clusterId: string): Promise<void> {
    const t = this.tracked.get(clusterId);
    if (!t?.held) return;
    t.held = false;
    t.handingOff = false;
    t.lastHolder = this.o.replicaId;
    t.freeSince = undefined;
    await this.releaseLease(clusterId);
  }

  /** Ends a handoff that did not complete (e.g. Redis went away): the lease stays held. */
  handoffFailed(clusterId: string): void {
    const t = this.tracked.get(clusterId);
    if (t) t.handingOff = false;
  }

  /** Runs a round soon (coalesced). */
  nudge(): void {
    if (this.closed) return;
    if (this.round) {
      this.again = true;
      return;
    }
    this.round = this.runRound()
      .catch((err: unknown) => this.o.log.debug({ err: describeError(err) }, 'lease round failed'))
      .finally(() => {
        this.round = undefined;
        if (this.again && !this.closed) {
          this.again = false;
          this.nudge();
        }
      });
  }

  /** Stops the rounds and releases every held lease (bounded by the command deadline). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    clearTimeout(this.wake);
    await this.round?.catch(() => undefined);
    const held = [...this.tracked].filter(([, t]) => t.held).map(([id]) => id);
    this.tracked.clear();
    if (this.o.link.up) await Promise.all(held.map((id) => this.releaseLease(id)));
    await this.o.link.cmd.zrem(this.o.keys.replicas, this.o.replicaId).catch(() => undefined);
  }

  // ---------------------------------------------------------------- rounds

  private async runRound(): Promise<void> {
    if (!this.o.link.up) return;
    const redis = this.o.link.cmd;
    const now = Date.now();
    const ttl = this.o.ttlMs;
    const beat = await redis
      .multi()
      .zadd(this.o.keys.replicas, now, this.o.replicaId)
      .zremrangebyscore(this.o.keys.replicas, '-inf', now - 10 * ttl)
      .zrangebyscore(this.o.keys.replicas, now - ttl, '+inf')
      .exec();
    const live = (beat?.[2]?.[1] as string[] | undefined) ?? [this.o.replicaId];
    this.live = live.includes(this.o.replicaId) ? live : [...live, this.o.replicaId];
    for (const id of this.live) if (!this.liveSince.has(id)) this.liveSince.set(id, now);
    for (const id of [...this.liveSince.keys()]) if (!this.live.includes(id)) this.liveSince.delete(id);

    let handoffs = 0;
    for (const [clusterId, t] of [...this.tracked]) {
      if (this.closed || this.tracked.get(clusterId) !== t) continue;
      const lease = this.o.keys.lease(clusterId);
      if (t.held) {
        const renewed = await redis.kaLeaseRenew(lease, this.o.replicaId, ttl);
        if (renewed !== 1) {
          // Expired while unconfirmed (Redis away or slow): take it again if nobody else did.
          const again = await redis.kaLeaseAcquire(lease, this.o.replicaId, ttl);
          if (again[0] !== 1) {
            t.held = false;
            t.handingOff = false;
            t.lastHolder = again[1] || undefined;
            cacheMetrics.leaseChanges.inc({ change: 'lost' });
            this.o.log.warn({ clusterId, holder: t.lastHolder }, 'cluster lease lost to another replica');
            this.o.onLost(clusterId);
            continue;
          }
        }
        const preferred = this.preferred(clusterId, undefined);
        if (!t.handingOff && handoffs === 0 && preferred !== this.o.replicaId && now - (this.liveSince.get(preferred) ?? now) >= ttl) {
          handoffs++;
          t.handingOff = true;
          this.o.log.info({ clusterId, to: preferred }, 'handing the cluster over to its preferred replica');
          this.o.onHandoff(clusterId);
        }
        continue;
      }
      const [holder, pttl] = await Promise.all([redis.get(lease), redis.pttl(lease)]);
      if (holder !== null) {
        if (holder === this.o.replicaId) {
          // Ours from an earlier life of this replica id: confirm it.
          await this.tryAcquire(clusterId, t);
          continue;
        }
        t.lastHolder = holder;
        t.freeSince = undefined;
        if (pttl > 0) this.wakeIn(pttl + 25);
        this.o.onHeldElsewhere(clusterId, holder);
        continue;
      }
      const preferred = this.preferred(clusterId, t.lastHolder);
      if (preferred === this.o.replicaId || (t.freeSince !== undefined && now - t.freeSince >= this.renewEveryMs)) {
        await this.tryAcquire(clusterId, t);
      } else {
        t.freeSince ??= now;
        this.wakeIn(this.renewEveryMs);
      }
    }
  }

  private async tryAcquire(clusterId: string, t: Tracked): Promise<void> {
    const r = await this.o.link.cmd.kaLeaseAcquire(this.o.keys.lease(clusterId), this.o.replicaId, this.o.ttlMs);
    if (this.tracked.get(clusterId) !== t || this.closed) {
      if (r[0] === 1) await this.releaseLease(clusterId);
      return;
    }
    if (r[0] === 1) {
      t.held = true;
      t.freeSince = undefined;
      t.lastHolder = this.o.replicaId;
      cacheMetrics.leaseChanges.inc({ change: 'acquired' });
      this.o.log.info({ clusterId }, 'cluster lease acquired: this replica watches the cluster');
      this.o.onAcquired(clusterId);
    } else {
      t.lastHolder = r[1] || undefined;
      if (r[2] > 0) this.wakeIn(r[2] + 25);
    }
  }

  private async releaseLease(clusterId: string): Promise<void> {
    try {
      const released = await this.o.link.cmd.kaLeaseRelease(this.o.keys.lease(clusterId), this.o.replicaId, this.o.keys.leasesChannel, clusterId);
      if (released === 1) {
        cacheMetrics.leaseChanges.inc({ change: 'released' });
        this.o.log.info({ clusterId }, 'cluster lease released');
      }
    } catch (err) {
      this.o.log.debug({ clusterId, err: describeError(err) }, 'lease release failed (it expires by itself)');
    }
  }

  /** Rendezvous hashing over the live replicas, without `exclude`. */
  private preferred(clusterId: string, exclude: string | undefined): string {
    let best = this.o.replicaId;
    let bestScore = -1;
    for (const r of this.live) {
      if (r === exclude && r !== this.o.replicaId) continue;
      const score = crc32(`${clusterId}|${r}`);
      if (score > bestScore || (score === bestScore && r < best)) {
        best = r;
        bestScore = score;
      }
    }
    return best;
  }

  private wakeIn(ms: number): void {
    const at = Date.now() + ms;
    if (at >= this.wakeAt && this.wake) return;
    clearTimeout(this.wake);
    this.wakeAt = at;
    this.wake = setTimeout(() => {
      this.wake = undefined;
      this.wakeAt = Infinity;
      this.nudge();
    }, ms);
    this.wake.unref();
  }
}

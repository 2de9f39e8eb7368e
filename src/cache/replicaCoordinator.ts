import type { ClusterEvent, ClusterHandle, SyncReport } from '../clusters/types.js';
import type { Catalog } from '../catalog/catalog.js';
import type { ResumePoint } from '../catalog/clusterSync.js';
import { kindKey as kindKeyOf, type KindInfo } from '../kube/kinds.js';
import { describeError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { ClusterFollower } from './follower.js';
import type { RedisKeys } from './keys.js';
import { cacheMetrics } from './l2Metrics.js';
import { LeaseManager } from './leaseManager.js';
import type { RedisLink } from './redisLink.js';
import { decodeMeta, type KindMeta } from './snapshotFormat.js';
import type { LoaderStore, ResumeInfo } from './snapshotLoader.js';
import { SnapshotWriter, type SnapshotWriterOptions, type WriterStore } from './snapshotWriter.js';
import { StreamReader } from './streamReader.js';

/** What this replica does for one cluster. */
export type ClusterRole =
  /** Holds the lease: runs the reflectors, writes the snapshot and change stream. */
  | 'owner'
  /** Another replica owns it: mirrors the snapshot and change stream into the store. */
  | 'follower'
  /** No Redis (down at start, or gone longer than the lease TTL): runs the reflectors itself. */
  | 'standalone'
  /** Registered, nothing decided yet. */
  | 'pending';

export interface CoordinatorRegistry {
  onEvent(listener: (e: ClusterEvent) => void): () => void;
  list(): ClusterHandle[];
  get(clusterId: string): ClusterHandle | undefined;
}

export interface ReplicaCoordinatorOptions {
  link: RedisLink;
  keys: RedisKeys;
  replicaId: string;
  registry: CoordinatorRegistry;
  /** Must be started with `manualStart`, `resumePoint: coordinator.resumePoint` and `onSyncReport: coordinator.onSyncReport`. */
  catalog: () => Catalog;
  store: WriterStore & LoaderStore;
  /** Relation facts stored with each object (SnapshotWriterOptions.relationFacts). */
  relationFacts?: SnapshotWriterOptions['relationFacts'];
  leaseTtlMs: number;
  flushIntervalMs: number;
  flushMaxChanges: number;
  maxPendingChanges: number;
  streamMaxLength: number;
  pageSize: number;
  connectTimeoutMs: number;
  log: Logger;
}

interface Entry {
  readonly handle: ClusterHandle;
  role: ClusterRole;
  follower: ClusterFollower | undefined;
  /** Kinds the store holds completely: the reflectors' resume points on the next catalog.resume. */
  complete: Map<string, ResumeInfo>;
  /** Transitions run one after the other. */
  chain: Promise<void>;
  removed: boolean;
  /** This replica wrote the cluster's snapshot when it was removed (it then deletes it). */
  wasOwner: boolean;
  /** The catalog was resumed over data it did not list itself: prune unwatched kinds once it settles. */
  pruneOnSettle: boolean;
  removing?: Promise<void>;
}

/** A follower re-checks the snapshot's epoch and seq this often (Redis restarted empty, trimmed stream). */
const VERIFY_INTERVAL_MS = 5000;

/**
 * Decides, per registered cluster, what this replica does with it, and
 * carries out the transitions (one at a time per cluster):
 *
 * - Redis up: every cluster starts as a follower (loads the snapshot,
 *   follows the stream) and competes for its lease. Acquiring it makes the
 *   follower catch up to the stream's end, stop, and the catalog resume the
 *   cluster's reflectors by WATCH from the resourceVersions the store now
 *   holds (no LIST; 410 → relist of the difference); the snapshot writer
 *   then owns the cluster. This is also the warm restart of a single
 *   replica.
 * - Handoff to the preferred replica (replicas share the clusters): pause
 *   the reflectors, commit the last batch, release the lease, follow from
 *   the committed position (no reload).
 * - Lease lost (another replica took it while Redis was away from us):
 *   pause, then follow after a full reload (a replace: differences only).
 * - Redis down at start: every cluster standalone (reflectors run here;
 *   snapshots written once Redis is back and a lease is held). Redis lost
 *   while running: owners keep watching (their batches turn into full
 *   rewrites later); followers keep serving their last state and report it
 *   stale (DEGRADED), and after one lease TTL without Redis run the
 *   reflectors themselves (standalone, resuming by WATCH). When Redis is
 *   back, leases decide again: a replica that gets the lease owns (and
 *   rewrites the snapshot), the others go back to following.
 * - Cluster removed: stop everything for it; the owner deletes its
 *   snapshot and stream, then releases the lease.
 */
export class ReplicaCoordinator {
  readonly writer: SnapshotWriter;
  readonly leases: LeaseManager;
  private readonly reader: StreamReader;
  private readonly entries = new Map<string, Entry>();
  /** Entries whose handle ended, until the registry says whether it was a removal (REMOVED) or not. */
  private readonly removed = new Map<string, Entry>();
  private readonly o: ReplicaCoordinatorOptions;
  private readonly log: Logger;
  private unsubscribeRegistry: (() => void) | undefined;
  private unsubscribeLink: (() => void) | undefined;
  private downTimer: NodeJS.Timeout | undefined;
  private verifyTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Another replica released a lease: compete for it now rather than at the next round. */
  private readonly onMessage = (channel: string) => {
    if (channel === this.o.keys.leasesChannel) this.leases.nudge();
  };

  constructor(options: ReplicaCoordinatorOptions) {
    this.o = options;
    this.log = options.log;
    this.writer = new SnapshotWriter({
      link: options.link,
      keys: options.keys,
      replicaId: options.replicaId,
      store: options.store,
      relationFacts: options.relationFacts,
      flushIntervalMs: options.flushIntervalMs,
      flushMaxChanges: options.flushMaxChanges,
      maxPendingChanges: options.maxPendingChanges,
      streamMaxLength: options.streamMaxLength,
      pageSize: options.pageSize,
      onLeaseLost: (id) => this.transition(id, (e) => this.toFollower(e, 'lease lost')),
      onLeaseExpired: () => this.leases.nudge(),
      log: options.log,
    });
    this.leases = new LeaseManager({
      link: options.link,
      keys: options.keys,
      replicaId: options.replicaId,
      ttlMs: options.leaseTtlMs,
      log: options.log,
      onAcquired: (id) => this.transition(id, (e) => this.toOwner(e)),
      onLost: (id) => this.transition(id, (e) => this.toFollower(e, 'lease lost')),
      onHandoff: (id) => this.transition(id, (e) => this.handOff(e)),
      onHeldElsewhere: (id) => {
        const e = this.entries.get(id);
        if (e && (e.role === 'standalone' || e.role === 'owner')) this.transition(id, (x) => this.toFollower(x, 'another replica owns it'));
      },
    });
    this.reader = new StreamReader({ link: options.link, keys: options.keys, log: options.log });
  }

  /**
   * Connects (at most `connectTimeoutMs`), then takes every registered
   * cluster and every one registered later. Without Redis it says so and
   * runs every cluster standalone; it attaches when Redis comes back.
   */
  async start(): Promise<void> {
    this.unsubscribeRegistry = this.o.registry.onEvent((e) => this.onClusterEvent(e));
    this.unsubscribeLink = this.o.link.onChange((up) => this.onLink(up));
    this.o.link.sub.on('message', this.onMessage);
    void this.o.link.sub.subscribe(this.o.keys.leasesChannel).catch(() => undefined);
    const up = await this.o.link.connect(this.o.connectTimeoutMs);
    cacheMetrics.redisUp.set(up ? 1 : 0);
    if (!up) {
      this.log.warn(
        { redis: this.o.link.where },
        'redis is unreachable: running on the in-process cache alone (no warm restart, no replica sharing); attaching as soon as it answers',
      );
    }
    this.leases.start();
    this.verifyTimer = setInterval(() => this.verifyFollowers(), VERIFY_INTERVAL_MS);
    this.verifyTimer.unref();
    for (const h of this.o.registry.list()) this.add(h);
  }

  /** Role of a cluster on this replica (undefined when not registered). */
  roleOf(clusterId: string): ClusterRole | undefined {
    return this.entries.get(clusterId)?.role;
  }

  /** ClusterSyncOptions.resumePoint: a kind the store holds completely resumes by WATCH (once). */
  readonly resumePoint = (clusterId: string, kind: KindInfo): ResumePoint | undefined => {
    const e = this.entries.get(clusterId);
    const key = kindKeyOf(kind);
    const info = e?.complete.get(key);
    if (!e || !info) return undefined;
    e.complete.delete(key);
    const rv = this.o.store.resourceVersionOf(clusterId, key);
    if (rv === undefined) return undefined;
    const objects = this.o.store.kinds(clusterId).find((k) => kindKeyOf(k.kind) === key)?.count ?? info.objects;
    return { resourceVersion: rv, objects };
  };

  /**
   * ClusterSyncOptions.resumeKinds: the kinds (as the store holds them) that
   * `resumePoint` will answer for, so their watches start before discovery.
   */
  readonly resumeKinds = (clusterId: string): KindInfo[] => {
    const e = this.entries.get(clusterId);
    if (!e || e.complete.size === 0) return [];
    return this.o.store
      .kinds(clusterId)
      .map((k) => k.kind)
      .filter((k) => e.complete.has(kindKeyOf(k)));
  };

  /**
   * CatalogOptions.onSyncReport: the owner's report goes into the snapshot
   * for the followers' status. Once a resumed sync has settled its kinds,
   * kinds the store holds (from a snapshot or a followed copy) that the sync
   * does not watch any more (e.g. the cluster's `kinds` changed meanwhile)
   * are emptied: nothing would keep them current.
   */
  readonly onSyncReport = (clusterId: string, report: SyncReport): void => {
    this.writer.setReport(clusterId, report);
    const e = this.entries.get(clusterId);
    if (e?.pruneOnSettle && report.kindsTotal > 0 && report.kindsSynced + report.failingKinds.length >= report.kindsTotal) {
      e.pruneOnSettle = false;
      this.pruneUnwatchedKinds(e);
    }
  };

  /** Waits until no transition is in progress (tests, shutdown). */
  async settled(): Promise<void> {
    for (const e of [...this.entries.values()]) await e.chain;
  }

  /** Stops following, writes what is pending, releases the leases (bounded). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribeRegistry?.();
    this.unsubscribeLink?.();
    this.o.link.sub.off('message', this.onMessage);
    clearTimeout(this.downTimer);
    clearInterval(this.verifyTimer);
    for (const e of this.entries.values()) void e.follower?.stop();
    this.removed.clear();
    await this.reader.close();
    await this.writer.close();
    await this.leases.close();
    cacheMetrics.clustersByRole.reset();
  }

  // --------------------------------------------------------------- events

  private onClusterEvent(e: ClusterEvent): void {
    if (e.type === 'ADDED') {
      const h = this.o.registry.get(e.clusterId);
      if (h) this.add(h);
    } else if (e.type === 'REMOVED') {
      // The handle's signal aborted first (remove() ran); REMOVED means a removal, not a shutdown.
      const entry = this.entries.get(e.clusterId) ?? this.removed.get(e.clusterId);
      this.removed.delete(e.clusterId);
      if (entry) void this.remove(entry).then(() => (entry.wasOwner && this.o.link.up && !this.closed ? this.deleteSnapshot(e.clusterId) : undefined)).catch(() => undefined);
    }
  }

  private add(handle: ClusterHandle): void {
    if (this.closed || this.entries.has(handle.id) || handle.signal.aborted) return;
    const entry: Entry = { handle, role: 'pending', follower: undefined, complete: new Map(), chain: Promise.resolve(), removed: false, wasOwner: false, pruneOnSettle: false };
    this.entries.set(handle.id, entry);
    this.removed.delete(handle.id);
    handle.signal.addEventListener('abort', () => void this.remove(entry), { once: true });
    this.transition(handle.id, (x) => (this.o.link.up ? this.toFollower(x, 'registered') : this.toStandalone(x, 'redis unreachable')));
    this.leases.track(handle.id);
  }

  /** Stops everything for a cluster whose handle ended (removal or shutdown); releases its lease. */
  private async remove(entry: Entry): Promise<void> {
    if (entry.removed) return entry.removing;
    entry.removed = true;
    const id = entry.handle.id;
    if (this.entries.get(id) === entry) {
      this.entries.delete(id);
      this.removed.set(id, entry);
    }
    this.stopFollower(entry);
    entry.wasOwner = this.writer.owns(id);
    this.writer.disown(id);
    entry.role = 'pending';
    this.countRoles();
    entry.removing = this.leases.untrack(id);
    return entry.removing;
  }

  private onLink(up: boolean): void {
    cacheMetrics.redisUp.set(up ? 1 : 0);
    if (this.closed) return;
    if (!up) {
      for (const e of this.entries.values()) e.follower?.setStale(true);
      clearTimeout(this.downTimer);
      this.downTimer = setTimeout(() => {
        if (this.o.link.up || this.closed) return;
        for (const e of this.entries.values()) {
          if (e.role === 'follower' || e.role === 'pending') this.transition(e.handle.id, (x) => this.toStandalone(x, `redis unreachable for ${this.o.leaseTtlMs} ms`));
        }
      }, this.o.leaseTtlMs);
      this.downTimer.unref();
      return;
    }
    clearTimeout(this.downTimer);
    for (const e of this.entries.values()) e.follower?.setStale(false);
    this.verifyFollowers();
    this.leases.nudge();
  }

  // ----------------------------------------------------------- transitions

  /** Queues a transition of one cluster after the ones in progress. */
  private transition(clusterId: string, step: (e: Entry) => Promise<void>): void {
    const e = this.entries.get(clusterId);
    if (!e || this.closed) return;
    e.chain = e.chain
      .then(async () => {
        if (e.removed || this.closed) return;
        await step(e);
        this.countRoles();
      })
      .catch((err: unknown) => this.log.error({ clusterId, err: describeError(err) }, 'replica transition failed'));
  }

  private async toOwner(e: Entry): Promise<void> {
    const id = e.handle.id;
    if (e.role === 'owner') return;
    if (!this.leases.holds(id)) return; // lost again meanwhile
    const from = e.role;
    let seq = 0;
    let epoch: string | undefined;
    let kinds: ReadonlyMap<string, KindMeta> = new Map();
    let matches = false;
    let rewrite: string[] = [];
    if (e.follower) {
      const f = e.follower;
      const caughtUp = await f.catchUp().catch(() => false);
      this.stopFollower(e);
      await f.stop();
      if (f.discarded.all) {
        // Unusable as a whole (another format): start a new snapshot from scratch.
        await this.deleteSnapshot(id).catch((err: unknown) => this.log.warn({ clusterId: id, err: describeError(err) }, 'could not delete the discarded snapshot'));
      } else {
        const meta = await this.readMeta(id);
        matches = caughtUp && meta !== undefined && meta.seq === f.seq && meta.epoch === f.epoch;
        seq = meta?.seq ?? f.seq;
        epoch = meta?.epoch ?? f.epoch;
        kinds = matches ? f.kinds : (meta?.kinds ?? new Map());
        rewrite = f.discarded.kinds;
      }
      e.complete = f.completeKinds();
    } else {
      const meta = await this.readMeta(id);
      seq = meta?.seq ?? 0;
      epoch = meta?.epoch;
      kinds = meta?.kinds ?? new Map();
    }
    if (e.removed || this.closed) return;
    if (!this.leases.holds(id)) {
      // Lost while catching up: back to following.
      await this.toFollower(e, 'lease lost while taking over');
      return;
    }
    this.writer.own(id, { seq, epoch, keepSecretValues: e.handle.spec.keepSecretValues ?? false, snapshotKinds: kinds, storeMatchesSnapshot: matches });
    for (const kind of rewrite) this.writer.markDirty(id, kind);
    e.role = 'owner';
    if (from !== 'standalone') {
      e.pruneOnSettle = true;
      this.o.catalog().resume(id);
    }
    this.log.info({ clusterId: id, from, resumeByWatch: e.complete.size, snapshotInSync: matches }, 'this replica now watches the cluster');
  }

  private async toFollower(e: Entry, reason: string): Promise<void> {
    const id = e.handle.id;
    if (e.role === 'follower') return;
    const from = e.role;
    this.writer.disown(id);
    if (from === 'owner' || from === 'standalone') await this.o.catalog().pause(id);
    if (e.removed || this.closed) return;
    const f = new ClusterFollower(this.loaderContext(), { clusterId: id, keepSecretValues: e.handle.spec.keepSecretValues ?? false, reportSync: (r) => e.handle.reportSync(r) });
    e.follower = f;
    e.role = 'follower';
    e.complete = new Map();
    this.reader.add(f);
    if (!this.o.link.up) f.setStale(true);
    this.log.info({ clusterId: id, from, reason }, 'following the cluster through redis');
    void f.start();
  }

  private async toStandalone(e: Entry, reason: string): Promise<void> {
    const id = e.handle.id;
    if (e.role === 'standalone' || e.role === 'owner') return;
    if (this.o.link.up && e.role !== 'pending') return; // back meanwhile: leases decide
    const from = e.role;
    if (e.follower) {
      e.complete = e.follower.completeKinds();
      const f = e.follower;
      this.stopFollower(e);
      await f.stop();
    }
    if (e.removed || this.closed) return;
    e.role = 'standalone';
    e.pruneOnSettle = true;
    this.o.catalog().resume(id);
    this.log.warn({ clusterId: id, from, reason, resumeByWatch: e.complete.size }, 'watching the cluster from this replica without redis');
  }

  private async handOff(e: Entry): Promise<void> {
    const id = e.handle.id;
    if (e.role !== 'owner') {
      this.leases.handoffFailed(id);
      return;
    }
    const synced = (this.o.catalog().sync(id)?.status().reflectors ?? []).filter((r) => r.synced && r.resourceVersion !== undefined);
    await this.o.catalog().pause(id);
    const flushed = await this.writer.flushNow(id);
    if (!flushed || !this.leases.holds(id)) {
      // Could not leave the snapshot complete: keep the cluster (resume by WATCH from the store).
      this.leases.handoffFailed(id);
      if (this.leases.holds(id) && !e.removed) {
        e.complete = new Map(synced.map((r) => [kindKeyOf(r.kind), { resourceVersion: r.resourceVersion!, objects: r.objects }]));
        this.o.catalog().resume(id);
      }
      return;
    }
    const position = this.writer.position(id)!;
    const kinds = this.writer.writtenKinds(id);
    this.writer.disown(id);
    await this.leases.release(id);
    const f = new ClusterFollower(this.loaderContext(), { clusterId: id, keepSecretValues: e.handle.spec.keepSecretValues ?? false, reportSync: (r) => e.handle.reportSync(r) });
    e.follower = f;
    e.role = 'follower';
    e.complete = new Map();
    this.reader.add(f);
    await f.start({ seq: position.seq, epoch: position.epoch, kinds });
    this.log.info({ clusterId: id, seq: position.seq }, 'cluster handed over; following it');
  }

  // --------------------------------------------------------------- helpers

  private pruneUnwatchedKinds(e: Entry): void {
    const id = e.handle.id;
    const sync = this.o.catalog().sync(id);
    if (!sync) return;
    const watched = new Set(sync.status().reflectors.map((r) => kindKeyOf(r.kind)));
    for (const { kind, count } of this.o.store.kinds(id)) {
      if (count === 0 || watched.has(kindKeyOf(kind))) continue;
      this.log.info({ clusterId: id, kind: kindKeyOf(kind), objects: count }, 'kind held from redis is no longer watched: its objects are dropped');
      const sink = this.o.store.sinkFor(id, kind, { keepSecretValues: e.handle.spec.keepSecretValues ?? false });
      sink.beginReplace();
      sink.endReplace('');
    }
  }

  private stopFollower(e: Entry): void {
    const f = e.follower;
    if (!f) return;
    e.follower = undefined;
    this.reader.remove(f);
    void f.stop();
  }

  private verifyFollowers(): void {
    if (!this.o.link.up || this.closed) return;
    for (const e of this.entries.values()) {
      const f = e.follower;
      if (!f || f.state !== 'following') continue;
      void this.o.link.cmd
        .hmget(this.o.keys.meta(e.handle.id), 'epoch', 'seq')
        .then(([epoch, seq]) => {
          if (e.follower !== f || f.state !== 'following') return;
          if (epoch === null) {
            if (f.epoch !== undefined) f.resync('epoch', 'the snapshot is gone from redis');
            return;
          }
          if (epoch !== f.epoch) f.resync('epoch', 'the snapshot epoch changed');
          else if (Number(seq) < f.seq) f.resync('gap', 'the snapshot is behind this replica');
        })
        .catch(() => undefined);
    }
  }

  private async readMeta(clusterId: string): Promise<{ seq: number; epoch: string; kinds: Map<string, KindMeta> } | undefined> {
    try {
      const d = decodeMeta(await this.o.link.cmd.hgetall(this.o.keys.meta(clusterId)));
      if (!d) return undefined;
      if (!d.ok) return d.seq !== undefined && d.epoch ? { seq: d.seq, epoch: d.epoch, kinds: new Map() } : undefined;
      return { seq: d.meta.seq, epoch: d.meta.epoch, kinds: d.meta.kinds };
    } catch {
      return undefined;
    }
  }

  private async deleteSnapshot(clusterId: string): Promise<void> {
    const redis = this.o.link.cmd;
    const keys = [this.o.keys.stream(clusterId)];
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', this.o.keys.snapshotPattern(clusterId), 'COUNT', 200);
      keys.push(...found);
      cursor = next;
    } while (cursor !== '0');
    await redis.del(...keys);
    this.log.info({ clusterId, keys: keys.length }, 'snapshot of the removed cluster deleted from redis');
  }

  private loaderContext() {
    return { link: this.o.link, keys: this.o.keys, store: this.o.store, log: this.log };
  }

  private countRoles(): void {
    const counts: Record<ClusterRole, number> = { owner: 0, follower: 0, standalone: 0, pending: 0 };
    for (const e of this.entries.values()) counts[e.role]++;
    for (const [role, n] of Object.entries(counts)) cacheMetrics.clustersByRole.set({ role }, n);
  }
}

import { randomBytes } from 'node:crypto';
import type { SyncReport } from '../clusters/clusterStatus.js';
import { kindKey as kindKeyOf, type KindInfo } from '../kube/kinds.js';
import { RELATION_RULES_VERSION, type RelationFacts } from '../relations/facts.js';
import { baseIdOf } from '../store/jsonCodec.js';
import type { PortableRecord } from '../store/portable.js';
import type { ChangeEvent, CompiledFilter, KindCount, Page, PageRequest, ResourceRecord } from '../store/types.js';
import { describeError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { cacheMetrics } from './l2Metrics.js';
import type { RedisKeys } from './keys.js';
import type { RedisLink } from './redisLink.js';
import { basesOf, encodeBase, encodeRecord } from './recordFormat.js';
import { KIND_FIELD_PREFIX, SNAPSHOT_FORMAT, encodeEntry, encodeKindMeta, objectField, type EntryHeader, type KindMeta, type OpType, type StreamOp } from './snapshotFormat.js';

/** The store as the writer reads it. */
export interface WriterStore {
  onChange(listener: (e: ChangeEvent) => void): () => void;
  resourceVersionOf(clusterId: string, kindKey: string): string | undefined;
  kinds(clusterId?: string): KindCount[];
  query(filter: CompiledFilter, page: PageRequest): Page;
  /** A record's index fields and packed JSON as the store keeps them (written as is: no decoding). */
  portableOf(record: ResourceRecord): PortableRecord;
}

export interface SnapshotWriterOptions {
  link: RedisLink;
  keys: RedisKeys;
  replicaId: string;
  store: WriterStore;
  /** Batches are committed this often (default 250 ms)... */
  flushIntervalMs: number;
  /** ...or as soon as one cluster holds this many changes. */
  flushMaxChanges: number;
  /** Changes of one cluster held uncommitted; beyond, they are dropped and their kinds rewritten in full. */
  maxPendingChanges: number;
  /** XADD MAXLEN ~ of each cluster's stream. */
  streamMaxLength: number;
  /**
   * The relation facts of a record the store holds now (RelationGraph.factsOf),
   * stored with it so that a loader re-creates its edges without decoding it.
   * Without it, no facts are written (loaders run the relation rules).
   */
  relationFacts?: (record: ResourceRecord) => RelationFacts | undefined;
  /** Page size for reading a collection from the store during a full rewrite (at most the store's maxPageSize). */
  pageSize: number;
  /** A commit was refused: another replica holds the cluster's lease now. The writer already let go of the cluster. */
  onLeaseLost: (clusterId: string) => void;
  /** A commit was refused because the lease expired and nobody holds it (e.g. a stalled renewal): re-acquire it. The batch is kept. */
  onLeaseExpired: (clusterId: string) => void;
  log: Logger;
}

/** Where the writer starts for a cluster. */
export interface OwnOptions {
  /** Seq and epoch of the snapshot meta in Redis (0 / undefined: none). */
  seq: number;
  epoch: string | undefined;
  /** Cluster config: Secret values kept (recorded per kind; a reader with another policy discards those kinds). */
  keepSecretValues: boolean;
  /** The KindMeta of every kind the snapshot at `seq` holds. */
  snapshotKinds: ReadonlyMap<string, KindMeta>;
  /**
   * The store holds exactly the snapshot at `seq` (just loaded, or followed
   * up to it): kinds whose count and resourceVersion match are written
   * incrementally from here. False: every kind the store holds is rewritten
   * in full. Either way, kinds the snapshot has and the store lacks are
   * removed from the snapshot.
   */
  storeMatchesSnapshot: boolean;
}

/** KindMeta text of a kind whose snapshot content is unknown (never equal to a real one). */
const UNKNOWN_META = '?';

type KindState = 'clean' | 'dirty' | 'staging';

interface PendingOp {
  readonly type: OpType;
  readonly kindKey: string;
  readonly record: ResourceRecord;
}

interface ClusterWriter {
  readonly clusterId: string;
  readonly keepSecretValues: boolean;
  seq: number;
  epoch: string | undefined;
  ops: PendingOp[];
  /** Per kind; a kind absent here is clean. */
  readonly state: Map<string, KindState>;
  /** KindMeta JSON last committed per kind. */
  readonly written: Map<string, string>;
  /** Per kind, ids of the compression bases this writer knows to be in Redis (written since the kind's last full rewrite). */
  readonly bases: Map<string, Set<string>>;
  report: SyncReport | undefined;
  reportDirty: boolean;
  busy: Promise<boolean> | undefined;
  /** The last commit attempt succeeded (or there was nothing to commit). */
  healthy: boolean;
}

/** More pending changes than this many batches are written as full rewrites of their kinds rather than in one script call. */
const BACKLOG_BATCHES = 4;

/**
 * Bases are only ever added by incremental batches (an anchor replaced by a
 * newer version stays until its last user is rewritten); a kind whose known
 * bases exceed twice its objects plus this slack is rewritten in full,
 * which writes only the bases its records use.
 */
const BASE_SLACK = 256;

/** A kind's objects are staged for a rewrite with this TTL (a crashed writer leaves no garbage for long). */
const STAGING_TTL_MS = 10 * 60_000;

/**
 * Keeps, for every cluster this replica owns, the Redis snapshot (objects
 * per kind, meta with resourceVersion and count) and the change stream up
 * to date with the store.
 *
 * Redis is never on the event path: the store listener only appends the
 * change to the cluster's in-memory batch. Every `flushIntervalMs` (or at
 * `flushMaxChanges`) a batch is committed by one atomic script that checks
 * the lease and the expected sequence number, applies the objects, updates
 * the meta and appends the stream entry (with every change, in order, for
 * the followers).
 *
 * Failure never blocks or grows memory without bound: a batch that cannot
 * be committed (Redis down, timeout) or grows past `maxPendingChanges` is
 * dropped and its kinds marked dirty; a dirty kind is rewritten in full
 * (staged page by page from the store into a staging hash, renamed over the
 * kind's hash in the next commit, together with the changes made during the
 * staging) once Redis answers again. A commit that finds another sequence
 * number (Redis lost its data, or another writer) rewrites every kind.
 */
export class SnapshotWriter {
  private readonly o: SnapshotWriterOptions;
  private readonly clusters = new Map<string, ClusterWriter>();
  private readonly unsubscribe: () => void;
  private readonly timer: NodeJS.Timeout;
  private early: NodeJS.Immediate | undefined;
  private closed = false;
  private warnedDown = false;

  constructor(options: SnapshotWriterOptions) {
    this.o = options;
    this.unsubscribe = options.store.onChange((e) => this.onChange(e));
    this.timer = setInterval(() => this.flushAll(), options.flushIntervalMs);
    this.timer.unref();
  }

  /** Starts writing a cluster's snapshot (this replica holds its lease). */
  own(clusterId: string, options: OwnOptions): void {
    if (this.closed) return;
    const w: ClusterWriter = {
      clusterId,
      keepSecretValues: options.keepSecretValues,
      seq: options.seq,
      epoch: options.epoch,
      ops: [],
      state: new Map(),
      written: new Map(),
      bases: new Map(),
      report: this.clusters.get(clusterId)?.report,
      reportDirty: true,
      busy: undefined,
      healthy: true,
    };
    for (const [key, snap] of options.snapshotKinds) w.written.set(key, options.storeMatchesSnapshot ? encodeKindMeta(snap) : UNKNOWN_META);
    for (const { kind, count } of this.o.store.kinds(clusterId)) {
      const key = kindKeyOf(kind);
      const rv = this.o.store.resourceVersionOf(clusterId, key);
      const snap = options.snapshotKinds.get(key);
      const matches = options.storeMatchesSnapshot && snap !== undefined && snap.count === count && snap.rv === (rv ?? null) && snap.secrets === options.keepSecretValues;
      if (!matches && (count > 0 || rv !== undefined || snap !== undefined)) w.state.set(key, 'dirty');
    }
    this.clusters.set(clusterId, w);
    this.scheduleEarly();
  }

  /** Stops writing a cluster (ownership lost or handed over); pending changes are dropped. */
  disown(clusterId: string): void {
    this.clusters.delete(clusterId);
  }

  owns(clusterId: string): boolean {
    return this.clusters.has(clusterId);
  }

  /** The snapshot seq and epoch the last commit of a cluster left in Redis. */
  position(clusterId: string): { seq: number; epoch: string | undefined } | undefined {
    const w = this.clusters.get(clusterId);
    return w ? { seq: w.seq, epoch: w.epoch } : undefined;
  }

  /** The KindMeta of every kind the last commit of a cluster left in Redis. */
  writtenKinds(clusterId: string): Map<string, KindMeta> {
    const out = new Map<string, KindMeta>();
    for (const [key, meta] of this.clusters.get(clusterId)?.written ?? []) if (meta !== UNKNOWN_META) out.set(key, JSON.parse(meta) as KindMeta);
    return out;
  }

  /** Records the owner's sync report (published in the meta and the next stream entry). */
  setReport(clusterId: string, report: SyncReport): void {
    const w = this.clusters.get(clusterId);
    if (!w) return;
    w.report = report;
    w.reportDirty = true;
  }

  /** Marks kinds (every kind without `kindKey`) for a full rewrite, e.g. after a reader found their snapshot unusable. */
  markDirty(clusterId: string, kindKey?: string): void {
    const w = this.clusters.get(clusterId);
    if (!w) return;
    const keys = kindKey ? [kindKey] : this.o.store.kinds(clusterId).map((k) => kindKeyOf(k.kind));
    for (const k of keys) this.setDirty(w, k);
    this.scheduleEarly();
  }

  /**
   * Commits what a cluster has pending now (waiting for a commit in
   * progress first). True when everything the store holds for it is in
   * Redis afterwards (nothing pending, nothing dirty, last commit good).
   */
  async flushNow(clusterId: string): Promise<boolean> {
    const w = this.clusters.get(clusterId);
    if (!w) return false;
    for (let i = 0; i < 3; i++) {
      await w.busy;
      if (this.clusters.get(clusterId) !== w) return false;
      const ok = await this.commitSerialized(w);
      if (!ok) return false;
      if (w.ops.length === 0 && ![...w.state.values()].some((s) => s !== 'clean')) return true;
    }
    return false;
  }

  /** True when every owned cluster's last commit succeeded and nothing is pending or dirty, its sync report included (for health and tests). */
  get inSync(): boolean {
    for (const w of this.clusters.values()) {
      if (!w.healthy || w.ops.length > 0 || (w.reportDirty && w.report !== undefined) || [...w.state.values()].some((s) => s !== 'clean')) return false;
    }
    return true;
  }

  /** Stops listening; commits what is pending within `timeoutMs`. */
  async close(timeoutMs = 2000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    clearInterval(this.timer);
    if (this.early) clearImmediate(this.early);
    if (!this.o.link.up) return;
    let t: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...this.clusters.values()].map(async (w) => (await w.busy, this.commitSerialized(w)))),
      new Promise((r) => (t = setTimeout(r, timeoutMs))),
    ]);
    clearTimeout(t);
    this.clusters.clear();
  }

  // ----------------------------------------------------------- event path

  private onChange(e: ChangeEvent): void {
    const w = this.clusters.get(e.record.clusterId);
    if (!w) return;
    const key = (e.record as { kindKey?: string }).kindKey ?? kindKeyOf(e.record.kind);
    if (w.state.get(key) === 'dirty') return;
    w.ops.push({ type: e.type === 'ADDED' ? 'A' : e.type === 'MODIFIED' ? 'M' : 'D', kindKey: key, record: e.record });
    if (w.ops.length > this.o.maxPendingChanges) {
      cacheMetrics.overflows.inc();
      this.o.log.warn({ clusterId: w.clusterId, pending: w.ops.length }, 'snapshot batch too large (redis slow or down): dropped; its kinds will be rewritten in full');
      const kinds = new Set(w.ops.map((op) => op.kindKey));
      w.ops = [];
      for (const k of kinds) this.setDirty(w, k);
    } else if (w.ops.length >= this.o.flushMaxChanges) {
      this.scheduleEarly();
    }
  }

  /** Puts back a batch that was not applied, ahead of the changes made since; kinds staged for it are staged again. */
  private requeue(w: ClusterWriter, ops: PendingOp[], staged: readonly string[]): void {
    for (const key of staged) this.setDirty(w, key);
    const back = ops.filter((op) => w.state.get(op.kindKey) !== 'dirty');
    w.ops = back.length === 0 ? w.ops : [...back, ...w.ops];
    if (w.ops.length > this.o.maxPendingChanges) {
      cacheMetrics.overflows.inc();
      this.o.log.warn({ clusterId: w.clusterId, pending: w.ops.length }, 'snapshot batch too large (redis slow or down): dropped; its kinds will be rewritten in full');
      const kinds = new Set(w.ops.map((op) => op.kindKey));
      w.ops = [];
      for (const k of kinds) this.setDirty(w, k);
    }
  }

  private setDirty(w: ClusterWriter, kindKey: string): void {
    w.state.set(kindKey, 'dirty');
    w.ops = w.ops.filter((op) => op.kindKey !== kindKey);
  }

  private scheduleEarly(): void {
    if (this.early || this.closed) return;
    this.early = setImmediate(() => {
      this.early = undefined;
      this.flushAll();
    });
  }

  private flushAll(): void {
    if (!this.o.link.up) {
      for (const w of this.clusters.values()) w.healthy = false;
      return;
    }
    for (const w of this.clusters.values()) if (!w.busy) void this.commitSerialized(w);
  }

  // --------------------------------------------------------------- commits

  private commitSerialized(w: ClusterWriter): Promise<boolean> {
    const run = (w.busy ?? Promise.resolve(true)).then(() => this.commit(w)).catch((err: unknown) => {
      this.o.log.error({ clusterId: w.clusterId, err: describeError(err) }, 'snapshot commit failed unexpectedly');
      return false;
    });
    const mine = run.finally(() => {
      if (w.busy === mine) w.busy = undefined;
    });
    w.busy = mine;
    return mine;
  }

  private async commit(w: ClusterWriter): Promise<boolean> {
    if (this.clusters.get(w.clusterId) !== w) return false;
    if (!this.o.link.up) {
      w.healthy = false;
      return false;
    }
    // A backlog left by failed commits (Redis slow or away) is not sent as one huge script call: its kinds are rewritten in pages instead.
    if (!w.healthy && w.ops.length > BACKLOG_BATCHES * this.o.flushMaxChanges) {
      this.o.log.info({ clusterId: w.clusterId, pending: w.ops.length }, 'snapshot backlog: rewriting its kinds page by page');
      for (const k of new Set(w.ops.map((op) => op.kindKey))) this.setDirty(w, k);
    }
    // Full rewrites first: stage each dirty kind (its changes are recorded again from now on).
    const staged: string[] = [];
    const stagedBases = new Map<string, Set<string>>();
    for (const [key, state] of [...w.state]) {
      if (state !== 'dirty') continue;
      const bases = await this.stage(w, key);
      if (bases) {
        staged.push(key);
        stagedBases.set(key, bases);
      }
      if (this.clusters.get(w.clusterId) !== w) return false;
    }

    // Build the batch synchronously: objects, counts and resourceVersions of one instant.
    const ops = w.ops;
    w.ops = [];
    const counts = new Map<string, { kind: KindInfo; count: number }>();
    for (const { kind, count } of this.o.store.kinds(w.clusterId)) counts.set(kindKeyOf(kind), { kind, count });
    const kinds = new Map<string, { meta: string; mode: 'U' | 'S' | 'D'; metaObj: KindMeta | null }>();
    const byKind = new Map<string, PendingOp[]>();
    for (const op of ops) {
      if (w.state.get(op.kindKey) === 'dirty') continue; // its stage failed: rewritten later
      let list = byKind.get(op.kindKey);
      if (!list) byKind.set(op.kindKey, (list = []));
      list.push(op);
    }
    const candidates = new Set<string>([...byKind.keys(), ...staged, ...counts.keys(), ...w.written.keys()]);
    for (const key of candidates) {
      if (w.state.get(key) === 'dirty') continue;
      const c = counts.get(key);
      const rv = this.o.store.resourceVersionOf(w.clusterId, key);
      const present = c !== undefined && (c.count > 0 || rv !== undefined || byKind.has(key) || w.written.has(key) || staged.includes(key));
      const metaObj: KindMeta | null = present ? { kind: c.kind, rv: rv ?? null, count: c.count, secrets: w.keepSecretValues, ...(this.o.relationFacts ? { rules: RELATION_RULES_VERSION } : {}) } : null;
      const meta = metaObj ? encodeKindMeta(metaObj) : '';
      const mode = staged.includes(key) ? 'S' : metaObj === null ? 'D' : 'U';
      if (mode === 'U' && !byKind.has(key) && w.written.get(key) === meta) continue;
      if (mode === 'D' && !w.written.has(key)) continue;
      kinds.set(key, { meta, mode, metaObj });
    }
    const report = w.reportDirty && w.report ? w.report : undefined;
    if (kinds.size === 0 && !report) {
      w.healthy = true;
      return true;
    }

    const opLines: string[] = [];
    const streamOps: StreamOp[] = [];
    const keys: string[] = [this.o.keys.lease(w.clusterId), this.o.keys.meta(w.clusterId), this.o.keys.stream(w.clusterId)];
    const args: Array<string | number | Buffer> = [];
    for (const op of ops) {
      if (!kinds.has(op.kindKey)) continue;
      streamOps.push([op.type, op.kindKey, objectField(op.record.namespace, op.record.name)]);
      opLines.push(op.record.json);
    }
    const jsonOf = new Map<PendingOp, string>();
    {
      let i = 0;
      for (const op of ops) if (kinds.has(op.kindKey)) jsonOf.set(op, opLines[i++]);
    }
    const newBases = new Map<string, Map<string, Buffer>>();
    for (const [key, k] of kinds) {
      keys.push(
        this.o.keys.objects(w.clusterId, key),
        this.o.keys.staging(w.clusterId, key, this.o.replicaId),
        this.o.keys.bases(w.clusterId, key),
        this.o.keys.stagingBases(w.clusterId, key, this.o.replicaId),
      );
      const last = new Map<string, PendingOp>();
      for (const op of byKind.get(key) ?? []) last.set(objectField(op.record.namespace, op.record.name), op);
      const sets: Array<string | Buffer> = [];
      const dels: string[] = [];
      const known = k.mode === 'S' ? (stagedBases.get(key) ?? new Set<string>()) : k.mode === 'D' ? new Set<string>() : (w.bases.get(key) ?? new Set<string>());
      const added = new Map<string, Buffer>();
      for (const [field, op] of last) {
        if (op.type === 'D') dels.push(field);
        else sets.push(field, this.valueOf(op.record, known, added));
      }
      newBases.set(key, added);
      const basePairs: Array<string | Buffer> = [];
      for (const [id, value] of added) basePairs.push(id, value);
      args.push(key, k.meta, k.mode, sets.length / 2, dels.length, k.metaObj ? k.metaObj.count : -1, added.size, ...sets, ...dels, ...basePairs);
    }
    const epochIfNew = randomBytes(6).toString('hex');
    const header: EntryHeader = {
      epoch: w.epoch ?? epochIfNew,
      seq: w.seq + 1,
      at: Date.now(),
      by: this.o.replicaId,
      kinds: Object.fromEntries([...kinds].map(([key, k]) => [key, k.metaObj])),
      reset: staged.filter((k) => kinds.has(k)),
      ...(report ? { report } : {}),
      ops: streamOps,
    };
    const entry = encodeEntry(header, opLines);
    const started = Date.now();
    let reply;
    try {
      reply = await this.o.link.cmd.kaCommitBatch(
        keys.length,
        ...keys,
        this.o.replicaId,
        w.seq,
        epochIfNew,
        this.o.streamMaxLength,
        entry,
        Date.now(),
        report ? JSON.stringify(report) : '',
        kinds.size,
        SNAPSHOT_FORMAT,
        ...args,
      );
    } catch (err) {
      w.healthy = false;
      cacheMetrics.commits.inc({ result: 'error' });
      if (!this.warnedDown) this.o.log.warn({ clusterId: w.clusterId, err: describeError(err) }, 'snapshot commit failed; retried (a batch that outgrows redis.maxPendingChanges meanwhile turns into full rewrites)');
      this.warnedDown = true;
      // Retrying is safe even if the script did run: the sequence number then differs and the kinds are rewritten.
      this.requeue(w, ops, staged);
      return false;
    }
    if (this.clusters.get(w.clusterId) !== w) return false;
    if (reply[0] === 'LEASE') {
      w.healthy = false;
      if (reply[1]) {
        cacheMetrics.commits.inc({ result: 'lease_lost' });
        this.o.log.warn({ clusterId: w.clusterId, holder: reply[1] }, 'snapshot commit refused: another replica holds the cluster lease');
        this.clusters.delete(w.clusterId);
        this.o.onLeaseLost(w.clusterId);
      } else {
        cacheMetrics.commits.inc({ result: 'lease_expired' });
        this.o.log.warn({ clusterId: w.clusterId }, 'snapshot commit refused: the cluster lease expired before its renewal; re-acquiring it');
        this.requeue(w, ops, staged);
        this.o.onLeaseExpired(w.clusterId);
      }
      return false;
    }
    if (reply[0] === 'SEQ') {
      cacheMetrics.commits.inc({ result: 'seq_mismatch' });
      const seq = Number(reply[1]);
      this.o.log.warn(
        { clusterId: w.clusterId, expected: w.seq, found: seq, sameEpoch: reply[2] === w.epoch },
        seq === 0 ? 'the snapshot is gone from redis (restarted without persistence?): rewriting it' : 'the snapshot was changed by another writer: rewriting it',
      );
      w.seq = Number.isSafeInteger(seq) ? seq : 0;
      w.epoch = reply[2] || undefined;
      w.written.clear();
      w.bases.clear();
      w.reportDirty = true;
      try {
        for (const field of await this.o.link.cmd.hkeys(this.o.keys.meta(w.clusterId))) {
          if (field.startsWith(KIND_FIELD_PREFIX)) w.written.set(field.slice(KIND_FIELD_PREFIX.length), UNKNOWN_META);
        }
      } catch {
        // the next commit fails the same way and comes back here
      }
      for (const { kind } of this.o.store.kinds(w.clusterId)) this.setDirty(w, kindKeyOf(kind));
      w.healthy = false;
      this.scheduleEarly();
      return false;
    }
    cacheMetrics.commits.inc({ result: 'ok' });
    cacheMetrics.commitSeconds.observe((Date.now() - started) / 1000);
    cacheMetrics.committedChanges.inc(streamOps.length);
    this.warnedDown = false;
    w.seq = Number(reply[1]);
    w.epoch = reply[2];
    w.healthy = true;
    // A newer report may have come in while the commit was in flight: it stays dirty.
    if (report && w.report === report) w.reportDirty = false;
    for (const [key, k] of kinds) {
      if (k.metaObj) w.written.set(key, k.meta);
      else w.written.delete(key);
      if (w.state.get(key) === 'staging') w.state.delete(key);
      if (k.mode === 'D' || !k.metaObj) {
        w.bases.delete(key);
        continue;
      }
      let known = k.mode === 'S' ? stagedBases.get(key) : w.bases.get(key);
      if (!known) known = new Set();
      w.bases.set(key, known);
      for (const id of newBases.get(key)?.keys() ?? []) known.add(id);
      if (known.size > 2 * k.metaObj.count + BASE_SLACK && w.state.get(key) === undefined) {
        this.o.log.debug({ clusterId: w.clusterId, kind: key, bases: known.size, objects: k.metaObj.count }, 'snapshot bases outgrew the kind: rewriting it');
        this.setDirty(w, key);
        this.scheduleEarly();
      }
    }
    for (const key of reply.slice(3)) {
      this.o.log.warn({ clusterId: w.clusterId, kind: key }, 'snapshot object count differs from the store: rewriting the kind');
      this.setDirty(w, key);
    }
    if (reply.length > 3) this.scheduleEarly();
    return true;
  }

  /**
   * Copies a kind's objects from the store into its staging hash, page by
   * page. The kind's changes are recorded from the first page on, and
   * applied after the staged copy replaces the kind's hash in the commit.
   */
  private async stage(w: ClusterWriter, key: string): Promise<Set<string> | undefined> {
    const redis = this.o.link.cmd;
    const stagingKey = this.o.keys.staging(w.clusterId, key, this.o.replicaId);
    const basesKey = this.o.keys.stagingBases(w.clusterId, key, this.o.replicaId);
    const bases = new Set<string>();
    w.state.set(key, 'staging');
    const filter: CompiledFilter = {
      clusters: new Set([w.clusterId]),
      kindKeys: new Set([key]),
      namespaces: undefined,
      selector: undefined,
      name: undefined,
      nameContains: undefined,
      status: undefined,
    };
    let objects = 0;
    const started = Date.now();
    try {
      await redis.del(stagingKey, basesKey);
      let after: string | undefined;
      for (;;) {
        if (this.clusters.get(w.clusterId) !== w || w.state.get(key) !== 'staging') return undefined;
        const page = this.o.store.query(filter, { first: this.o.pageSize, after });
        if (page.records.length > 0) {
          const pairs: Array<string | Buffer> = [];
          const added = new Map<string, Buffer>();
          for (const r of page.records) pairs.push(objectField(r.namespace, r.name), this.valueOf(r, bases, added));
          if (added.size > 0) {
            const basePairs: Array<string | Buffer> = [];
            for (const [id, value] of added) basePairs.push(id, value);
            await redis.hset(basesKey, ...basePairs);
            for (const id of added.keys()) bases.add(id);
          }
          await redis.hset(stagingKey, ...pairs);
          objects += page.records.length;
        }
        if (!page.hasNextPage || page.records.length === 0) break;
        after = page.cursors[page.cursors.length - 1];
      }
      if (objects > 0) await redis.pexpire(stagingKey, STAGING_TTL_MS);
      if (bases.size > 0) await redis.pexpire(basesKey, STAGING_TTL_MS);
    } catch (err) {
      if (w.state.get(key) === 'staging') this.setDirty(w, key);
      w.healthy = false;
      this.o.log.debug({ clusterId: w.clusterId, kind: key, err: describeError(err) }, 'staging a kind rewrite failed');
      return undefined;
    }
    cacheMetrics.rewrites.inc();
    this.o.log.debug({ clusterId: w.clusterId, kind: key, objects, bases: bases.size, ms: Date.now() - started }, 'kind staged for a full snapshot rewrite');
    return w.state.get(key) === 'staging' ? bases : undefined;
  }

  /**
   * The snapshot value of a record (recordFormat.ts): its stored form and
   * relation facts, no decoding. Bases it needs that are neither in `known`
   * nor in `added` are added to `added` (id -> value) for the caller to write
   * with it. A record whose base has no stable id is written as plain JSON.
   */
  private valueOf(record: ResourceRecord, known: ReadonlySet<string>, added: Map<string, Buffer>): Buffer {
    const p = this.o.store.portableOf(record);
    const facts = this.o.relationFacts?.(record);
    const value = encodeRecord(p, facts);
    if (value === undefined) return encodeRecord({ ...p, packed: record.json, base: undefined }, facts)!;
    for (const b of basesOf(p.base)) {
      const id = baseIdOf(b)!;
      if (!known.has(id) && !added.has(id)) added.set(id, encodeBase(b));
    }
    return value;
  }
}

import type { SyncReport } from '../clusters/clusterStatus.js';
import type { KindInfo } from '../kube/kinds.js';
import type { ReflectorSink } from '../watch/sink.js';
import { describeError } from '../util/errors.js';
import { cacheMetrics } from './l2Metrics.js';
import { decodeEntry, decodeObject, entryId, seqOfEntryId, type KindMeta } from './snapshotFormat.js';
import { loadSnapshot, type LoaderContext, type ResumeInfo } from './snapshotLoader.js';

/** The cluster a follower mirrors. */
export interface FollowerTarget {
  readonly clusterId: string;
  readonly keepSecretValues: boolean;
  /** The owner's sync report (and staleness) for the cluster's status on this replica. */
  reportSync(report: SyncReport): void;
}

/** Where a follower starts when the store already holds the snapshot state at `seq` (e.g. after handing the cluster over). */
export interface FollowerStart {
  seq: number;
  epoch: string | undefined;
  kinds: ReadonlyMap<string, KindMeta>;
}

export type FollowerState = 'loading' | 'following' | 'stopped';

/**
 * Mirrors a cluster another replica owns: loads its snapshot into the store,
 * then applies the owner's change stream entry by entry through the store's
 * sinks, so this replica's EventBus, RelationGraph and GraphQL see every
 * change as if its own reflectors had made it (origin "watch"; loads and
 * reloads replace with origin "snapshot", emitting only differences).
 *
 * Entries must follow each other (seq n+1 after n, same epoch). A gap (the
 * stream was trimmed past this replica's position), a new epoch (Redis lost
 * its data), a kind rewritten in full by the owner, or an unreadable entry
 * make the follower reload the snapshot. The stream reader feeds entries
 * only while `state` is "following".
 */
export class ClusterFollower {
  state: FollowerState = 'loading';
  private seqValue = 0;
  private epochValue: string | undefined;
  private readonly kindMetas = new Map<string, KindMeta>();
  private readonly sinks = new Map<string, ReflectorSink>();
  private report: SyncReport | undefined;
  private stale = false;
  /** What the last load found unusable: the whole snapshot (format), or some kinds. The next owner rewrites them. */
  discarded: { all: boolean; kinds: string[] } = { all: false, kinds: [] };
  private readonly stopper = new AbortController();
  private loading: Promise<void> | undefined;

  constructor(
    private readonly ctx: LoaderContext,
    readonly target: FollowerTarget,
  ) {}

  get clusterId(): string {
    return this.target.clusterId;
  }

  /** Seq and epoch of the snapshot state the store holds for the cluster. */
  get seq(): number {
    return this.seqValue;
  }

  get epoch(): string | undefined {
    return this.epochValue;
  }

  /** KindMeta per kind as of `seq`. */
  get kinds(): ReadonlyMap<string, KindMeta> {
    return this.kindMetas;
  }

  /** Kinds held completely, where a reflector may resume by WATCH if this replica takes the cluster over. */
  completeKinds(): Map<string, ResumeInfo> {
    const out = new Map<string, ResumeInfo>();
    for (const [key, m] of this.kindMetas) if (m.rv !== null) out.set(key, { resourceVersion: m.rv, objects: m.count });
    return out;
  }

  /** Loads the snapshot (unless `from` says the store holds it already), then follows. Resolves once following or stopped. */
  start(from?: FollowerStart): Promise<void> {
    if (from) {
      this.seqValue = from.seq;
      this.epochValue = from.epoch;
      for (const [k, m] of from.kinds) this.kindMetas.set(k, m);
      this.state = 'following';
      return Promise.resolve();
    }
    return this.reload(undefined);
  }

  /**
   * Applies one stream entry (synchronously). Returns false when the
   * follower cannot continue from it and started a reload instead.
   */
  applyEntry(id: string, value: string): boolean {
    if (this.state !== 'following') return false;
    const seq = seqOfEntryId(id);
    if (seq <= this.seqValue) return true; // already applied (catch-up and reader overlap)
    const entry = decodeEntry(value);
    if (typeof entry === 'string') return this.resync('corrupt', entry);
    const h = entry.header;
    if (h.epoch !== this.epochValue) return this.resync('epoch', 'the snapshot epoch changed');
    if (seq !== this.seqValue + 1 || h.seq !== seq) return this.resync('gap', `expected batch ${this.seqValue + 1}, got ${seq}`);
    if (h.reset.length > 0) return this.resync('reset', `the owner rewrote ${h.reset.join(', ')}`);
    for (let i = 0; i < h.ops.length; i++) {
      const [type, key, field] = h.ops[i];
      const meta = h.kinds[key] ?? this.kindMetas.get(key);
      if (!meta) return this.resync('corrupt', `change of unknown kind ${key}`);
      const obj = decodeObject(field, entry.objects[i], meta.kind.namespaced);
      if (typeof obj === 'string') return this.resync('corrupt', obj);
      this.sinkOf(key, meta.kind).apply(type === 'A' ? 'ADDED' : type === 'M' ? 'MODIFIED' : 'DELETED', obj);
    }
    for (const [key, meta] of Object.entries(h.kinds)) {
      if (meta === null) {
        const old = this.kindMetas.get(key);
        this.kindMetas.delete(key);
        if (old) {
          const sink = this.sinkOf(key, old.kind);
          sink.beginReplace();
          sink.endReplace('');
        }
        continue;
      }
      this.kindMetas.set(key, meta);
      if (meta.rv !== null) this.sinkOf(key, meta.kind).setResourceVersion(meta.rv);
    }
    this.seqValue = seq;
    cacheMetrics.followedEntries.inc();
    if (h.report) {
      this.report = h.report;
      this.publishReport();
    }
    return true;
  }

  /**
   * Applies every entry the stream holds after `seq` (over the command
   * connection), e.g. right before taking the cluster over. Resolves true
   * when the follower is at the stream's end.
   */
  async catchUp(): Promise<boolean> {
    if (this.state === 'loading') await this.loading;
    if (this.state !== 'following') return false;
    for (;;) {
      const page = await this.ctx.link.cmd.xrange(this.ctx.keys.stream(this.clusterId), entryId(this.seqValue + 1), '+', 'COUNT', 100);
      for (const [id, fields] of page) {
        const i = fields.indexOf('e');
        if (!this.applyEntry(id, i >= 0 ? (fields[i + 1] ?? '') : '')) return false;
      }
      if (page.length < 100) return true;
    }
  }

  /** Marks the mirrored data stale (Redis unreachable) or fresh again; reflected in the cluster's status. */
  setStale(stale: boolean): void {
    if (this.stale === stale) return;
    this.stale = stale;
    this.publishReport();
  }

  /** Stops applying entries; waits for a load in progress to notice (bounded by its next Redis reply). */
  async stop(): Promise<void> {
    this.state = 'stopped';
    this.stopper.abort();
    await this.loading?.catch(() => undefined);
  }

  /** Reloads the whole snapshot (a replace: only differences are emitted). */
  resync(reason: 'gap' | 'epoch' | 'reset' | 'corrupt', detail: string): false {
    if (this.state === 'stopped') return false;
    cacheMetrics.followerResyncs.inc({ reason });
    this.ctx.log.info({ clusterId: this.clusterId, reason: detail }, 'follower reloads the cluster snapshot');
    void this.reload(reason);
    return false;
  }

  private reload(reason: string | undefined): Promise<void> {
    if (this.loading) return this.loading;
    this.state = 'loading';
    const stopped = () => this.state === 'stopped';
    const run = async () => {
      for (let attempt = 0; !stopped(); attempt++) {
        if (!this.ctx.link.up) await this.ctx.link.waitUntilUp(1000);
        if (stopped()) return;
        try {
          const r = await loadSnapshot(this.ctx, {
            clusterId: this.clusterId,
            keepSecretValues: this.target.keepSecretValues,
            signal: this.stopper.signal,
            dropAbsentKinds: reason !== undefined,
          });
          if (stopped()) return;
          this.seqValue = r.seq;
          this.epochValue = r.epoch;
          this.discarded = { all: r.status === 'discarded', kinds: r.discardedKinds.map((d) => d.kind) };
          this.kindMetas.clear();
          for (const [k, m] of r.kinds) this.kindMetas.set(k, m);
          this.sinks.clear();
          if (r.report) this.report = r.report;
          this.state = 'following';
          this.publishReport();
          return;
        } catch (err) {
          if (stopped()) return;
          this.ctx.log.warn({ clusterId: this.clusterId, err: describeError(err), attempt }, 'follower could not load the snapshot; retrying');
          await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** Math.min(attempt, 4))).unref());
        }
      }
    };
    const p = run().finally(() => {
      if (this.loading === p) this.loading = undefined;
    });
    this.loading = p;
    return p;
  }

  private sinkOf(key: string, kind: KindInfo): ReflectorSink {
    let sink = this.sinks.get(key);
    if (!sink) {
      sink = this.ctx.store.sinkFor(this.clusterId, kind, { keepSecretValues: this.target.keepSecretValues, replaceOrigin: 'snapshot' });
      this.sinks.set(key, sink);
    }
    return sink;
  }

  private publishReport(): void {
    if (this.state === 'stopped') return;
    const base = this.report ?? { kindsTotal: 1, kindsSynced: 0, objects: 0, failingKinds: [], stale: false };
    const loading = this.state === 'loading';
    try {
      this.target.reportSync({
        ...base,
        // Until the snapshot is in, this replica has nothing to serve: SYNCING.
        kindsSynced: loading ? 0 : base.kindsSynced,
        stale: base.stale || this.stale,
      });
    } catch (err) {
      this.ctx.log.error({ clusterId: this.clusterId, err: describeError(err) }, 'follower status report failed');
    }
  }
}

import type { SyncReport } from '../clusters/clusterStatus.js';
import { kindKey as kindKeyOf, type KindInfo } from '../kube/kinds.js';
import { RELATION_RULES_VERSION } from '../relations/facts.js';
import type { Base } from '../store/jsonCodec.js';
import type { KindCount, SnapshotSink } from '../store/types.js';
import { KubeatlasError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import type { RedisKeys } from './keys.js';
import { cacheMetrics } from './l2Metrics.js';
import type { RedisLink } from './redisLink.js';
import { decodeBase, decodeRecord, type DecodeResult } from './recordFormat.js';
import { decodeEntry, decodeMeta, entryId, parseObjectField, seqOfEntryId, type KindMeta } from './snapshotFormat.js';

/** The store as a loader writes it. */
export interface LoaderStore {
  sinkFor(clusterId: string, kind: KindInfo, options: { keepSecretValues?: boolean; replaceOrigin?: 'relist' | 'snapshot' }): SnapshotSink;
  kinds(clusterId?: string): KindCount[];
  resourceVersionOf(clusterId: string, kindKey: string): string | undefined;
}

export interface LoaderContext {
  link: RedisLink;
  keys: RedisKeys;
  store: LoaderStore;
  log: Logger;
}

export interface LoadTarget {
  clusterId: string;
  /** The cluster's config: a Secret snapshot written under the other policy is discarded. */
  keepSecretValues: boolean;
  /** Aborting stops the load between pages (the replace in progress is abandoned; what was applied stays). */
  signal: AbortSignal;
  /**
   * Remove from the store the kinds of the cluster the snapshot does not
   * hold (a follower reloading: the owner dropped them). Default false.
   */
  dropAbsentKinds?: boolean;
}

export interface ResumeInfo {
  resourceVersion: string;
  objects: number;
}

export interface LoadResult {
  /** none: Redis holds no snapshot of the cluster; discarded: it holds one this version cannot use. */
  status: 'loaded' | 'none' | 'discarded';
  /** Seq and epoch of the snapshot state now in the store (0 / undefined when none). */
  seq: number;
  epoch: string | undefined;
  /** The snapshot's KindMeta per kind at `seq`. */
  kinds: Map<string, KindMeta>;
  /** Kinds now held completely, with the resourceVersion they reflect: where reflectors resume by WATCH. */
  complete: Map<string, ResumeInfo>;
  /** Kinds dropped because their snapshot was unusable (a cold list follows for them). */
  discardedKinds: Array<{ kind: string; reason: string }>;
  /** The owner's last sync report. */
  report: SyncReport | undefined;
  /** Objects applied (scanned + fixed up). */
  objects: number;
}

/** HSCAN COUNT per round trip. */
const SCAN_COUNT = 1000;
const XRANGE_COUNT = 200;
/** Attempts to pin a consistent state while a writer keeps committing. */
const MAX_FIXUP_ROUNDS = 20;
const MAX_LOAD_ATTEMPTS = 3;

/** The snapshot changed under the load in a way a fix-up cannot follow (full rewrite, new epoch, trimmed stream). */
class LoadRestart extends Error {}

/**
 * Loads a cluster's Redis snapshot into the store, kind by kind, as a
 * replace through `sinkFor(clusterId, kind, { replaceOrigin: 'snapshot' })`:
 * the store emits only the differences from what it held (everything is
 * ADDED into an empty store). Each kind's replace ends with the
 * resourceVersion its snapshot reflects, so a reflector can resume by WATCH
 * from there.
 *
 * Records are inserted in the store's own form (recordFormat.ts:
 * `replaceRecord`, no JSON parse, slim or compression) against the kind's
 * compression bases, read first; their relation facts travel on the
 * ADDED events (when the snapshot's KindMeta says they were made by this
 * version's relation rules), so the relation graph re-creates the edges
 * without decoding the objects. Either way the store and graph end up as
 * a list of the same objects would leave them.
 *
 * Consistency while an owner keeps writing: the meta's seq S0 is read
 * first, the kinds are scanned (HSCAN, pipelined one page ahead), then every
 * object named by a stream entry after S0 is re-read in one MULTI together
 * with the meta; when the meta is still at the last entry read, those
 * values are the state at that seq and are applied last. The result is the
 * exact snapshot at that seq, reached without any object going back in
 * time. A full rewrite, a new epoch or a trimmed stream during the load
 * restarts it (at most 3 times).
 *
 * Unusable data is never applied silently: an unknown format discards the
 * whole snapshot; an unreadable kind meta, a value that is not a record
 * (malformed header, failed checksum, a base that is missing or does not
 * match its content-derived id), a count that differs from the meta, or a Secret kind
 * written under the other keepSecretValues policy discards that kind (its
 * objects are dropped again). Each discard is logged and counted.
 */
export async function loadSnapshot(ctx: LoaderContext, target: LoadTarget): Promise<LoadResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await loadOnce(ctx, target);
    } catch (err) {
      if (!(err instanceof LoadRestart) || attempt >= MAX_LOAD_ATTEMPTS) throw err;
      ctx.log.debug({ clusterId: target.clusterId, reason: err.message, attempt }, 'snapshot changed during the load; loading again');
    }
  }
}

interface OpenKind {
  key: string;
  meta: KindMeta;
  sink: SnapshotSink;
  /** The kind's compression bases read so far, by id. */
  bases: Map<string, Base>;
  /** Relation facts of this snapshot are usable (written by the same relation rules). */
  facts: boolean;
  problem: string | undefined;
  reason: string | undefined;
}

async function loadOnce(ctx: LoaderContext, target: LoadTarget): Promise<LoadResult> {
  const { link, keys, store, log } = ctx;
  const redis = link.cmd;
  const clusterId = target.clusterId;
  const started = Date.now();
  const decoded = decodeMeta(await redis.hgetall(keys.meta(clusterId)));
  const result: LoadResult = { status: 'none', seq: 0, epoch: undefined, kinds: new Map(), complete: new Map(), discardedKinds: [], report: undefined, objects: 0 };
  if (decoded === undefined) {
    cacheMetrics.loads.inc({ result: 'none' });
    return result;
  }
  if (!decoded.ok) {
    log.warn({ clusterId, reason: decoded.reason }, 'redis snapshot discarded: incompatible or unreadable; the cluster is listed from its API server');
    cacheMetrics.loads.inc({ result: 'discarded' });
    cacheMetrics.discardedKinds.inc({ reason: 'format' });
    return { ...result, status: 'discarded', seq: decoded.seq ?? 0, epoch: decoded.epoch };
  }
  const meta0 = decoded.meta;
  for (const key of meta0.unreadableKinds) discard(result, log, clusterId, key, 'corrupt', 'its meta is unreadable');

  // 1. scan every kind into the store
  const open: OpenKind[] = [];
  for (const [key, km] of [...meta0.kinds].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (kindKeyOf(km.kind) !== key) {
      discard(result, log, clusterId, key, 'corrupt', 'its meta names another kind');
      continue;
    }
    if (key === 'Secret' && km.secrets !== target.keepSecretValues) {
      discard(result, log, clusterId, key, 'secrets', 'it was written under another keepSecretValues setting');
      continue;
    }
    checkAborted(target.signal);
    const sink = store.sinkFor(clusterId, km.kind, { keepSecretValues: target.keepSecretValues, replaceOrigin: 'snapshot' });
    const o: OpenKind = { key, meta: km, sink, bases: new Map(), facts: km.rules === RELATION_RULES_VERSION, problem: undefined, reason: undefined };
    open.push(o);
    sink.beginReplace();
    try {
      await readBases(ctx, clusterId, o, undefined);
      result.objects += await scanKind(ctx, clusterId, o, target.signal);
    } catch (err) {
      for (const k of open) k.sink.abortReplace();
      throw err;
    }
  }

  // 2. pin the state at one seq: re-read what writers touched during the scan
  let seq = meta0.seq;
  let metaNow = meta0;
  const touched = new Map<string, Set<string>>();
  try {
    for (let round = 0; ; round++) {
      if (round >= MAX_FIXUP_ROUNDS) throw new LoadRestart('the snapshot keeps changing faster than it can be read');
      for (const e of await readEntries(ctx, clusterId, seq)) {
        if (e.seq !== seq + 1) throw new LoadRestart('stream trimmed during the load');
        const entry = decodeEntry(e.value);
        if (typeof entry === 'string') throw new LoadRestart(`unreadable stream entry: ${entry}`);
        if (entry.header.epoch !== meta0.epoch) throw new LoadRestart('snapshot epoch changed');
        if (entry.header.reset.length > 0) throw new LoadRestart('kinds rewritten during the load');
        for (const [, key, field] of entry.header.ops) {
          let set = touched.get(key);
          if (!set) touched.set(key, (set = new Set()));
          set.add(field);
        }
        seq = e.seq;
      }
      const multi = redis.multi().hgetall(keys.meta(clusterId));
      const reads: Array<[OpenKind | undefined, string, string[]]> = [];
      for (const [key, fields] of touched) {
        const list = [...fields];
        reads.push([open.find((k) => k.key === key), key, list]);
        multi.hmgetBuffer(keys.objects(clusterId, key), ...list);
      }
      const replies = await multi.exec();
      if (!replies) throw new KubeatlasError('INTERNAL', 'redis transaction aborted');
      for (const [err] of replies) if (err) throw err;
      const now = decodeMeta(replies[0][1] as Record<string, string>);
      if (!now?.ok || now.meta.epoch !== meta0.epoch) throw new LoadRestart('snapshot meta replaced during the load');
      if (now.meta.seq !== seq) continue; // more batches landed: read them too
      metaNow = now.meta;
      checkAborted(target.signal);
      for (let i = 0; i < reads.length; i++) {
        const [o, key, fields] = reads[i];
        if (!o) {
          if (metaNow.kinds.has(key)) throw new LoadRestart(`kind ${key} appeared during the load`);
          continue;
        }
        const values = replies[i + 1][1] as Array<Buffer | null>;
        const pairs: Array<[string, Buffer]> = [];
        fields.forEach((field, j) => {
          const v = values[j];
          if (v !== null) pairs.push([field, v]);
        });
        const decoded = await decodeValues(ctx, clusterId, o, pairs);
        let k = 0;
        fields.forEach((field, j) => {
          if (o.problem) return;
          if (values[j] !== null) applyDecoded(o, field, decoded[k++]);
          else {
            const at = parseObjectField(field);
            if (at) o.sink.apply('DELETED', { metadata: { name: at.name, ...(at.namespace ? { namespace: at.namespace } : {}) } });
          }
          result.objects++;
        });
      }
      break;
    }
  } catch (err) {
    for (const k of open) k.sink.abortReplace();
    throw err;
  }

  // 3. close each kind's replace at its resourceVersion; check counts
  for (const o of open) {
    const km = metaNow.kinds.get(o.key);
    if (!km) {
      o.problem ??= 'the kind left the snapshot during the load';
      o.reason = 'changed';
    }
    if (o.problem) {
      dropKind(o.sink);
      discard(result, log, clusterId, o.key, o.reason ?? 'corrupt', o.problem);
      continue;
    }
    o.sink.endReplace(km!.rv ?? '');
    const count = store.kinds(clusterId).find((k) => kindKeyOf(k.kind) === o.key)?.count ?? 0;
    if (count !== km!.count) {
      dropKind(o.sink);
      discard(result, log, clusterId, o.key, 'count', `it holds ${count} objects where its meta says ${km!.count}`);
      continue;
    }
    result.kinds.set(o.key, km!);
    if (km!.rv !== null) result.complete.set(o.key, { resourceVersion: km!.rv, objects: count });
  }
  if (target.dropAbsentKinds) {
    for (const { kind, count } of store.kinds(clusterId)) {
      const key = kindKeyOf(kind);
      if (count === 0 || result.kinds.has(key)) continue;
      if (result.discardedKinds.some((d) => d.kind === key)) continue;
      const sink = store.sinkFor(clusterId, kind, { keepSecretValues: target.keepSecretValues, replaceOrigin: 'snapshot' });
      sink.beginReplace();
      sink.endReplace(store.resourceVersionOf(clusterId, key) ?? '');
    }
  }
  result.status = 'loaded';
  result.seq = metaNow.seq;
  result.epoch = metaNow.epoch;
  result.report = metaNow.report;
  cacheMetrics.loads.inc({ result: 'loaded' });
  log.info(
    { clusterId, kinds: result.kinds.size, complete: result.complete.size, discarded: result.discardedKinds.length, objects: result.objects, seq: result.seq, ms: Date.now() - started },
    'redis snapshot loaded',
  );
  return result;
}

/**
 * Scans one kind's hash into its sink (inside the open replace); returns
 * the objects applied. Records go in as they are stored (no parse, slim or
 * compression: SnapshotSink.replaceRecord), with their relation facts.
 */
async function scanKind(ctx: LoaderContext, clusterId: string, o: OpenKind, signal: AbortSignal): Promise<number> {
  const redis = ctx.link.cmd;
  const key = ctx.keys.objects(clusterId, o.key);
  let applied = 0;
  let pending = redis.hscanBuffer(key, '0', 'COUNT', SCAN_COUNT);
  for (;;) {
    const [cursorBuf, flat] = await pending;
    const cursor = cursorBuf.toString();
    checkAborted(signal);
    if (cursor !== '0') pending = redis.hscanBuffer(key, cursor, 'COUNT', SCAN_COUNT);
    const pairs: Array<[string, Buffer]> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i].toString(), flat[i + 1]]);
    const decoded = await decodeValues(ctx, clusterId, o, pairs);
    for (let i = 0; i < pairs.length && !o.problem; i++) if (applyDecoded(o, pairs[i][0], decoded[i])) applied++;
    if (cursor === '0') return applied;
    if (o.problem) {
      await pending.catch(() => undefined);
      return applied;
    }
  }
}

/** Upserts one decoded record; false (and the kind's problem set) when it is unusable. */
function applyDecoded(o: OpenKind, field: string, d: DecodeResult): boolean {
  if (typeof d === 'string' || 'missingBase' in d) {
    o.problem ??= typeof d === 'string' ? d : `value of ${field} is packed against base ${d.missingBase}, which is not in the snapshot`;
    o.reason ??= 'corrupt';
    return false;
  }
  o.sink.replaceRecord(d.record, o.facts ? d.facts : undefined);
  return true;
}

/**
 * Decodes record values. A value packed against a base written after the
 * kind's bases were read (a commit during the load adds bases and their
 * users in one step) makes the missing bases be read, then is decoded again.
 */
async function decodeValues(ctx: LoaderContext, clusterId: string, o: OpenKind, pairs: ReadonlyArray<[string, Buffer]>): Promise<DecodeResult[]> {
  const ns = o.meta.kind.namespaced;
  const out = pairs.map(([field, value]) => decodeRecord(field, value, ns, o.bases));
  const missing = new Set<string>();
  for (const d of out) if (typeof d !== 'string' && 'missingBase' in d) missing.add(d.missingBase);
  if (missing.size === 0) return out;
  await readBases(ctx, clusterId, o, [...missing]);
  for (let i = 0; i < out.length; i++) {
    const d = out[i];
    if (typeof d !== 'string' && 'missingBase' in d) out[i] = decodeRecord(pairs[i][0], pairs[i][1], ns, o.bases);
  }
  return out;
}

/**
 * Reads a kind's compression bases into `o.bases`: all of them (`ids`
 * undefined), or the given ids. Dictionaries are decoded before the anchors
 * packed against them; an unusable base makes the kind's problem.
 */
async function readBases(ctx: LoaderContext, clusterId: string, o: OpenKind, ids: readonly string[] | undefined): Promise<void> {
  if (ids !== undefined && ids.length === 0) return;
  const key = ctx.keys.bases(clusterId, o.key);
  const entries: Array<[string, Buffer]> = [];
  if (ids === undefined) {
    const all = await ctx.link.cmd.hgetallBuffer(key);
    for (const [id, value] of Object.entries(all)) entries.push([id, value]);
  } else {
    const values = await ctx.link.cmd.hmgetBuffer(key, ...ids);
    ids.forEach((id, i) => {
      const v = values[i];
      if (v !== null) entries.push([id, v]);
    });
  }
  entries.sort(([a], [b]) => (a[0] === b[0] ? 0 : a[0] === 'd' ? -1 : b[0] === 'd' ? 1 : 0));
  for (const [id, value] of entries) {
    const base = decodeBase(id, value, o.bases);
    if (typeof base === 'string') {
      o.problem ??= base;
      o.reason ??= 'corrupt';
      return;
    }
    o.bases.set(id, base);
  }
}

/** Stream entries with seq > `after`, oldest first (all of them, page by page). */
async function readEntries(ctx: LoaderContext, clusterId: string, after: number): Promise<Array<{ seq: number; value: string }>> {
  const out: Array<{ seq: number; value: string }> = [];
  let from = entryId(after + 1);
  for (;;) {
    const page = await ctx.link.cmd.xrange(ctx.keys.stream(clusterId), from, '+', 'COUNT', XRANGE_COUNT);
    for (const [id, fields] of page) {
      const i = fields.indexOf('e');
      out.push({ seq: seqOfEntryId(id), value: i >= 0 ? (fields[i + 1] ?? '') : '' });
    }
    if (page.length < XRANGE_COUNT) return out;
    from = entryId(out[out.length - 1].seq + 1);
  }
}

/** Removes every object of a kind from the store (inside or outside a replace). */
function dropKind(sink: SnapshotSink): void {
  sink.abortReplace();
  sink.beginReplace();
  sink.endReplace('');
}

function discard(result: LoadResult, log: Logger, clusterId: string, kind: string, reason: string, detail: string): void {
  result.discardedKinds.push({ kind, reason: detail });
  cacheMetrics.discardedKinds.inc({ reason });
  log.warn({ clusterId, kind, reason: detail }, 'redis snapshot of a kind discarded; it is listed from the API server');
}

function checkAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new KubeatlasError('INTERNAL', 'snapshot load stopped');
}

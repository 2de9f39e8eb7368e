import { apiVersionOf, kindKey, type KindInfo } from '../kube/kinds.js';
import type { KubeObject } from '../kube/types.js';
import type { ChangeEvent, ResourceReader, ResourceRecord } from '../store/types.js';
import { describeError, isKubeatlasError, KubeatlasError } from '../util/errors.js';
import { logger } from '../util/logger.js';
import { counter } from '../util/metrics.js';
import { EdgePool, NONE, type Lane } from './adjacency.js';
import type { LazyRelationFacts, RelationFacts } from './facts.js';
import { RefTable, type RefInfo } from './refTable.js';
import { edgeRulesFor, managedPods, managersOf, selectorInputOf, selectorOf, SELECTED_KIND_KEY, SELECTOR_KIND_KEYS, type OwnershipView } from './rules/index.js';
import { SelectorIndex } from './selectorIndex.js';
import { breadthFirst } from './traversal.js';
import {
  RELATION_TYPE_CODE,
  RELATION_TYPES,
  type EdgeDirection,
  type RelatedOptions,
  type Relation,
  type RelationDirection,
  type RelationStats,
  type RelationsOptions,
  type RelationType,
  type ResourceRef,
  type SourceInfo,
  type TargetRef,
} from './types.js';

const OWNED_BY = RELATION_TYPE_CODE.OWNED_BY;
const SELECTS = RELATION_TYPE_CODE.SELECTS;
const MANAGES = RELATION_TYPE_CODE.MANAGES;
const ALL_TYPES = (1 << RELATION_TYPES.length) - 1;
/** Outgoing lane of rule-derived edges (kept in rule output order). */
const RULE_LANE: Lane = 0;
/** Outgoing lane of SELECTS edges. */
const SELECTS_LANE: Lane = 1;
const LANES: readonly Lane[] = [RULE_LANE, SELECTS_LANE];
const MAX_DEPTH = 5;
const DEFAULT_MAX_NODES = 1000;
/** Wall time of one background indexing slice: short, so that I/O (watches starting, queries) is served in between. */
const DEFERRED_SLICE_MS = 4;
/** Background indexing starts once no snapshot record was queued for this long (the load is over, the watches have started). */
const DEFERRED_QUIET_MS = 200;
const updateFailures = counter({
  name: 'kubeatlas_relation_update_failures_total',
  help: 'Store changes whose relation update threw (the graph skipped them).',
});

/**
 * How resources relate, kept current from the store's change events.
 *
 * Contract:
 * - Constructed on a ResourceReader, it indexes every record already in the
 *   catalog, then follows `onChange`: each ADDED/MODIFIED/DELETED updates only
 *   the edges it touches. After any sequence of changes the graph equals one
 *   built from scratch over the same store.
 * - Edges from a source object (OWNED_BY, RUNS_ON, USES, ROUTES_TO, BOUND_TO,
 *   SCALES, BINDS, EVENT_FOR) are re-derived from that object alone by the
 *   rules in ./rules on each of its ADDED/MODIFIED. An unchanged result (a
 *   status update: the common case) is recognised by comparing it, in order,
 *   with the source's stored edges and costs no write; a changed one replaces
 *   that source's rule edges. Targets are interned references (cluster + uid,
 *   or cluster + kind + namespace + name) that resolve to a record when one
 *   with that key is in the catalog; a target's ADDED or DELETED re-resolves
 *   only the references keyed by it (a few map lookups, no scan).
 * - Storage: edges live in a typed-array pool (EdgePool), references in a
 *   RefTable; see those for the layout and its cost per edge.
 * - SELECTS edges (Service / PDB / NetworkPolicy -> Pod) are matched: a new or
 *   changed selector asks the store's label index (`selectIds`); a pod whose
 *   labels change, or a new pod, asks the SelectorIndex for the selectors of
 *   its namespace that may match. Pod changes that keep the labels cost nothing.
 * - MANAGES is derived at query time from resolved OWNED_BY edges.
 * - Edges never cross clusters: every reference is keyed by the source's cluster.
 * - A change that makes a rule throw is logged (kind, namespace, name only)
 *   and counted; it never propagates into the store.
 * - Queries are synchronous and read a consistent state (events are applied
 *   synchronously, between queries).
 * - Warm restart: the ADDED events of a snapshot load (origin "snapshot")
 *   are not indexed on the load's path; they are queued and indexed in the
 *   background once the load has been quiet for DEFERRED_QUIET_MS, in
 *   slices of about DEFERRED_SLICE_MS per macrotask, so that the
 *   load (and the cluster's READY) does not wait for the edges.
 *   Nothing ever reads a partial graph: every query (`relations`, `related`,
 *   `stats`, `snapshot`) first indexes everything still queued, and any
 *   other change to a queued record first indexes that record's ADDED.
 *   Indexing order does not matter (see the first point), so the graph
 *   equals the one an immediate indexing would have built. `pendingCount`
 *   tells how many records are still queued.
 */
export class RelationGraph {
  private readonly log = logger('relations');
  private readonly refs: RefTable;
  /** Every edge (rule-derived and SELECTS), with each source's outgoing and each reference's incoming list. */
  private readonly edges = new EdgePool();
  /** Scratch buffers of updateRuleEdges (not reentrant: events are applied one at a time). */
  private readonly scratchTargets: TargetRef[] = [];
  private readonly scratchCodes: number[] = [];
  private readonly selectors = new SelectorIndex();
  private readonly kindKeys = new WeakMap<KindInfo, string>();
  private readonly unsubscribe: () => void;
  private readonly ownership: OwnershipView;
  /**
   * Snapshot ADDED records not indexed yet: record id -> the relation facts
   * that came with it (null: none), in arrival order. Only the facts are
   * kept (the record is the store's until a change to it settles it first).
   */
  private readonly deferred = new Map<number, LazyRelationFacts | null>();
  private drainTimer: NodeJS.Immediate | undefined;
  private quietTimer: NodeJS.Timeout | undefined;
  private lastDeferredAt = 0;

  constructor(private readonly reader: ResourceReader) {
    this.refs = new RefTable((clusterId, uid, kk, namespace, name) => {
      const r = uid !== undefined ? this.reader.getByUid(clusterId, uid) : this.reader.get(clusterId, kk, namespace, name);
      return r ? r.id : -1;
    });
    this.ownership = {
      dependentsOf: (id) => this.dependentsOf(id),
      ownersOf: (id) => this.ownersOf(id),
      kindKeyOf: (id) => {
        const r = this.reader.getById(id);
        return r ? this.kindKeyOf(r.kind) : undefined;
      },
    };
    this.buildFromCatalog();
    this.unsubscribe = reader.onChange((ev) => this.onChange(ev));
  }

  /** Stops following the store. Queries keep answering from the last state (what was queued is indexed first). */
  close(): void {
    this.unsubscribe();
    if (this.drainTimer) clearImmediate(this.drainTimer);
    clearTimeout(this.quietTimer);
    this.drainTimer = undefined;
    this.quietTimer = undefined;
  }

  /** Snapshot records queued for indexing (0 once the graph is complete). */
  get pendingCount(): number {
    return this.deferred.size;
  }

  /** Indexes every queued snapshot record now (queries call it; also for tests and shutdown). */
  settle(): void {
    for (const [id, facts] of this.deferred) this.indexDeferred(this.reader.getById(id), facts);
    this.deferred.clear();
  }

  /**
   * The edges of `record`, each seen from it: OUTGOING (record -> other) and/or
   * INCOMING (other -> record), filtered by `types` (undefined or empty = all).
   * Unresolved targets are included with `otherRecord: undefined`. Order:
   * OUTGOING before INCOMING, then relation type (enum order), then the other
   * end's kind, namespace, name (then apiVersion, uid). Each (direction, type,
   * other resource) appears once. BAD_USER_INPUT on an unknown type or direction.
   */
  relations(record: ResourceRecord, opts: RelationsOptions): Relation[] {
    this.settle();
    const mask = typeMask(opts.types);
    const directions = edgeDirections(opts.direction);
    const out: Relation[] = [];
    const seen = new Set<string>();
    const push = (type: number, direction: EdgeDirection, other: ResourceRef, otherRecord: ResourceRecord | undefined) => {
      if (otherRecord) {
        const k = `${direction}${type}:${otherRecord.id}`;
        if (seen.has(k)) return;
        seen.add(k);
      }
      out.push({ type: RELATION_TYPES[type], direction, other, otherRecord });
    };
    if (directions.outgoing) {
      for (const lane of LANES) {
        for (let e = this.edges.firstOut(record.id, lane); e !== NONE; e = this.edges.nextOut(e)) {
          const type = this.edges.typeOf(e);
          if (!(mask & (1 << type))) continue;
          const refId = this.edges.refOf(e);
          const target = this.refs.target(refId);
          const otherRecord = target >= 0 ? this.reader.getById(target) : undefined;
          push(type, 'OUTGOING', otherRecord ? refOfRecord(otherRecord) : refOfInfo(this.refs.info(refId)), otherRecord);
        }
      }
      if (mask & (1 << MANAGES)) {
        for (const id of managedPods(this.ownership, record.id)) this.pushRecord(push, MANAGES, 'OUTGOING', id);
      }
    }
    if (directions.incoming) {
      for (const refId of this.refsResolvingTo(record)) {
        for (let e = this.edges.firstIn(refId); e !== NONE; e = this.edges.nextIn(e)) {
          const type = this.edges.typeOf(e);
          if (mask & (1 << type)) this.pushRecord(push, type, 'INCOMING', this.edges.sourceOf(e));
        }
      }
      if (mask & (1 << MANAGES)) {
        for (const id of managersOf(this.ownership, record.id)) this.pushRecord(push, MANAGES, 'INCOMING', id);
      }
    }
    return out.sort(compareRelations);
  }

  /**
   * The resources reachable from `record` in 1..`depth` hops along edges of
   * `types` (all when undefined or empty) in `direction` (BOTH follows
   * either way at every hop). Breadth-first and cycle-safe: each resource
   * appears once, at its shortest distance; the start is excluded; only
   * resources in the catalog are returned and walked through. Order: by
   * distance, then kind, namespace, name (then group, uid).
   *
   * BAD_USER_INPUT when depth is not an integer in 1..5 or maxNodes is not a
   * positive integer; LIMIT_EXCEEDED as soon as more than `maxNodes`
   * (default 1000) resources are reached.
   */
  related(record: ResourceRecord, opts: RelatedOptions): ResourceRecord[] {
    const { depth } = opts;
    if (!Number.isInteger(depth) || depth < 1 || depth > MAX_DEPTH) {
      throw new KubeatlasError('BAD_USER_INPUT', `depth must be an integer from 1 to ${MAX_DEPTH}, got ${String(depth)}`, { field: 'depth' });
    }
    const maxNodes = opts.maxNodes ?? DEFAULT_MAX_NODES;
    if (!Number.isInteger(maxNodes) || maxNodes < 1) {
      throw new KubeatlasError('BAD_USER_INPUT', `maxNodes must be a positive integer, got ${String(maxNodes)}`, { field: 'maxNodes' });
    }
    const mask = typeMask(opts.types);
    const directions = edgeDirections(opts.direction);
    this.settle();
    const levels = breadthFirst(record.id, depth, maxNodes, (id, visit) => this.neighbours(id, mask, directions, visit));
    if (levels === undefined) {
      throw new KubeatlasError(
        'LIMIT_EXCEEDED',
        `more than ${maxNodes} resources are related to ${record.kind.kind} ${record.namespace ? `${record.namespace}/` : ''}${record.name} within depth ${depth}; ` +
          'narrow the relation types or the direction, or lower the depth',
        { maxNodes, depth },
      );
    }
    const out: ResourceRecord[] = [];
    for (const level of levels) {
      const records: ResourceRecord[] = [];
      for (const id of level) {
        const r = this.reader.getById(id);
        if (r) records.push(r);
      }
      records.sort((a, b) => compareRecords(a, b, this.kindKeyOf(a.kind), this.kindKeyOf(b.kind)));
      out.push(...records);
    }
    return out;
  }

  /**
   * The rule edges of `record` as RelationFacts (rule order, duplicates
   * removed), for a snapshot to keep with the object. Undefined when
   * `record` is not the version the catalog holds now (the graph's edges
   * are those of the current version). Re-applied through a ChangeEvent's
   * `relationFacts`, they give the same edges as running the rules.
   */
  factsOf(record: ResourceRecord): RelationFacts | undefined {
    if (this.reader.getById(record.id) !== record) return undefined;
    this.settleOne(record.id, record);
    const codes: number[] = [];
    const targets: TargetRef[] = [];
    for (let e = this.edges.firstOut(record.id, RULE_LANE); e !== NONE; e = this.edges.nextOut(e)) {
      const info = this.refs.info(this.edges.refOf(e));
      codes.push(this.edges.typeOf(e));
      targets.push({ apiVersion: info.apiVersion, kind: info.kind, namespace: info.namespace, name: info.name, ...(info.uid !== undefined ? { uid: info.uid } : {}), byUid: info.byUid });
    }
    return { codes, targets };
  }

  stats(): RelationStats {
    this.settle();
    return {
      edges: this.edges.size,
      unresolved: this.refs.unresolvedEdges,
      approxBytes: this.edges.approxBytes() + this.refs.approxBytes() + this.selectors.approxBytes(),
    };
  }

  /**
   * Every stored edge as a canonical line `sourceId TYPE targetKey -> targetId|-`,
   * sorted; two graphs over the same store are equal iff their snapshots are
   * (used to check incremental maintenance against a rebuild).
   */
  snapshot(): string[] {
    this.settle();
    const lines: string[] = [];
    for (const sourceId of this.edges.sources()) {
      for (const lane of LANES) {
        for (let e = this.edges.firstOut(sourceId, lane); e !== NONE; e = this.edges.nextOut(e)) {
          const refId = this.edges.refOf(e);
          const t = this.refs.target(refId);
          lines.push(`${sourceId} ${RELATION_TYPES[this.edges.typeOf(e)]} ${this.refs.describe(refId)} -> ${t >= 0 ? t : '-'}`);
        }
      }
    }
    return lines.sort();
  }

  // ------------------------------------------------------------ maintenance

  private onChange(ev: ChangeEvent, deferredNow = false): void {
    if (!deferredNow) {
      if (ev.origin === 'snapshot' && ev.type === 'ADDED' && ev.object === undefined) {
        this.deferred.delete(ev.record.id);
        this.deferred.set(ev.record.id, ev.relationFacts ?? null);
        this.lastDeferredAt = ev.at;
        this.scheduleDrain();
        return;
      }
      // the queued record is the one this change replaces or removes
      this.settleOne(ev.record.id, ev.previous ?? ev.record);
    }
    try {
      this.apply(ev.type, ev.record, ev.previous, ev.object, ev.relationFacts);
    } catch (e) {
      updateFailures.inc();
      const r = ev.record;
      this.log.error({ err: describeError(e), clusterId: r.clusterId, kind: r.kind.kind, namespace: r.namespace, name: r.name }, 'relation update failed');
    }
  }

  private apply(type: ChangeEvent['type'], record: ResourceRecord, previous: ResourceRecord | undefined, object: KubeObject | undefined, lazyFacts?: LazyRelationFacts): void {
    const kk = this.kindKeyOf(record.kind);
    if (type === 'DELETED') {
      this.setRuleEdges(record.id, record.clusterId, [], []);
      if (SELECTOR_KIND_KEYS.has(kk)) this.dropSelector(record.id);
      if (kk === SELECTED_KIND_KEY) this.setPodSelections(record, []);
      this.refreshRefsOf(record);
      return;
    }
    if (type === 'ADDED') this.refreshRefsOf(record);
    const facts = lazyFacts !== undefined && object === undefined && !SELECTOR_KIND_KEYS.has(kk) ? lazyFacts() : undefined;
    if (facts !== undefined) {
      // A snapshot's facts: the rule output recorded with the object, no decode (selectors still read the object).
      if (!this.ruleLaneHolds(record.id, record.clusterId, facts.targets, facts.codes)) this.setRuleEdges(record.id, record.clusterId, facts.targets, facts.codes);
    } else {
      const o = object ?? this.reader.objectOf(record);
      this.updateRuleEdges(record, kk, o);
      if (SELECTOR_KIND_KEYS.has(kk)) this.updateSelector(record, kk, o);
    }
    if (kk === SELECTED_KIND_KEY && (type === 'ADDED' || previous === undefined || !sameLabels(previous.labels, record.labels))) {
      const selecting = this.selectors.matching(record.clusterId, record.namespace, record.labels);
      // a pod just ADDED has no SELECTS edges yet (those of an earlier incarnation went with its DELETED)
      if (type !== 'ADDED' || selecting.length > 0) this.setPodSelections(record, selecting);
    }
  }

  /** Indexes the queued ADDED of one record, if any (before another change to it); `record` is the record that was queued. */
  private settleOne(id: number, record: ResourceRecord | undefined): void {
    if (this.deferred.size === 0) return;
    const facts = this.deferred.get(id);
    if (facts === undefined) return;
    this.deferred.delete(id);
    this.indexDeferred(record, facts);
  }

  /** Indexes a queued snapshot ADDED (as onChange would have). */
  private indexDeferred(record: ResourceRecord | undefined, facts: LazyRelationFacts | null): void {
    if (record === undefined) return;
    this.onChange({ type: 'ADDED', record, previous: undefined, object: undefined, at: 0, origin: 'snapshot', ...(facts !== null ? { relationFacts: facts } : {}) }, true);
  }

  /** Waits until no snapshot record was queued for DEFERRED_QUIET_MS, then indexes the queue in slices. */
  private scheduleDrain(): void {
    if (this.quietTimer || this.drainTimer) return;
    const wait = this.lastDeferredAt + DEFERRED_QUIET_MS - Date.now();
    if (wait > 0) {
      this.quietTimer = setTimeout(() => {
        this.quietTimer = undefined;
        this.scheduleDrain();
      }, wait);
      this.quietTimer.unref();
      return;
    }
    this.drainTimer = setImmediate(() => {
      this.drainTimer = undefined;
      const until = performance.now() + DEFERRED_SLICE_MS;
      let n = 0;
      for (const [id, facts] of this.deferred) {
        if ((++n & 63) === 0 && performance.now() > until) break;
        this.deferred.delete(id);
        this.indexDeferred(this.reader.getById(id), facts);
      }
      if (this.deferred.size > 0) this.scheduleDrain();
    });
    this.drainTimer.unref();
  }

  /** Indexes every record already in the catalog. */
  private buildFromCatalog(): void {
    this.reader.forEachRecord((r) => {
      try {
        this.apply('ADDED', r, undefined, undefined);
      } catch (e) {
        updateFailures.inc();
        this.log.error({ err: describeError(e), clusterId: r.clusterId, kind: r.kind.kind, namespace: r.namespace, name: r.name }, 'relation build failed');
      }
    });
  }

  /**
   * Re-derives the rule edges of a source. The common case, a MODIFIED that
   * leaves every reference alone (a status update), is recognised by walking
   * the source's rule lane, which holds the edges in rule output order, and
   * comparing each target's identity strings: no map lookup, no change.
   */
  private updateRuleEdges(record: ResourceRecord, kk: string, o: KubeObject): void {
    const source: SourceInfo = { clusterId: record.clusterId, kindKey: kk, namespace: record.namespace, name: record.name };
    const targets = this.scratchTargets;
    const codes = this.scratchCodes;
    targets.length = 0;
    codes.length = 0;
    for (const rule of edgeRulesFor(kk)) {
      const code = RELATION_TYPE_CODE[rule.type];
      for (const t of rule.targets(o, source)) {
        targets.push(t);
        codes.push(code);
      }
    }
    if (!this.ruleLaneHolds(record.id, record.clusterId, targets, codes)) this.setRuleEdges(record.id, record.clusterId, targets, codes);
  }

  /** Whether the rule lane of a source holds exactly these targets, in this order. */
  private ruleLaneHolds(sourceId: number, clusterId: string, targets: readonly TargetRef[], codes: readonly number[]): boolean {
    let e = this.edges.firstOut(sourceId, RULE_LANE);
    for (let j = 0; j < targets.length; j++) {
      if (e === NONE || this.edges.typeOf(e) !== codes[j] || !this.refs.matches(this.edges.refOf(e), clusterId, targets[j])) return false;
      e = this.edges.nextOut(e);
    }
    return e === NONE;
  }

  /**
   * Replaces the rule lane of a source with edges to `targets` (of type
   * `codes`), in that order, without duplicates. The new edges are linked
   * before the old ones are unlinked, so that a reference the source keeps
   * is never freed and re-created midway; only this source's own rule edges
   * are touched.
   */
  private setRuleEdges(sourceId: number, clusterId: string, targets: readonly TargetRef[], codes: readonly number[]): void {
    const old: number[] = [];
    for (let e = this.edges.firstOut(sourceId, RULE_LANE); e !== NONE; e = this.edges.nextOut(e)) old.push(e);
    const packed: number[] = [];
    const seen = targets.length > 32 ? new Set<number>() : undefined; // a handful of targets: a linear scan beats a Set
    for (let j = 0; j < targets.length; j++) {
      const p = packEdge(this.refs.intern(clusterId, targets[j]), codes[j]);
      if (seen ? seen.has(p) : packed.includes(p)) continue;
      seen?.add(p);
      packed.push(p);
    }
    // each link goes to the head of the lane: link the last first so that the lane reads in rule order
    for (let j = packed.length - 1; j >= 0; j--) this.link(sourceId, packedRef(packed[j]), packedType(packed[j]), RULE_LANE);
    for (const e of old) this.unlink(e);
  }

  private link(sourceId: number, refId: number, typeCode: number, lane: Lane): void {
    this.refs.retain(refId);
    this.edges.add(sourceId, refId, typeCode, lane);
  }

  private unlink(e: number): void {
    const refId = this.edges.refOf(e);
    this.edges.remove(e);
    this.refs.release(refId);
  }

  /** Files the selector of a Service/PDB/NetworkPolicy and brings its SELECTS edges in line. */
  private updateSelector(record: ResourceRecord, kk: string, o: KubeObject): void {
    const input = selectorInputOf(o, kk) ?? '';
    const before = this.selectors.get(record.id);
    if (before && before.input === input) return;
    const selector = selectorOf(o, kk);
    if (selector === undefined || selector.isNothing()) {
      this.dropSelector(record.id);
      return;
    }
    const unchanged = before !== undefined && before.text === selector.toString();
    this.selectors.put(record.id, record.clusterId, record.namespace, selector, input);
    if (!unchanged) this.setSelectedPods(record.id, this.reader.selectIds(record.clusterId, SELECTED_KIND_KEY, record.namespace, selector));
  }

  private dropSelector(sourceId: number): void {
    this.selectors.remove(sourceId);
    this.setSelectedPods(sourceId, []);
  }

  /**
   * Makes the SELECTS edges of one selector source exactly `podIds`. Existing
   * edges are matched by the pod they resolve to, so only newly selected pods
   * are looked up; adds before removals (see setRuleEdges).
   */
  private setSelectedPods(sourceId: number, podIds: readonly number[]): void {
    const wanted = new Set<number>(podIds);
    const stale: number[] = [];
    for (let e = this.edges.firstOut(sourceId, SELECTS_LANE); e !== NONE; e = this.edges.nextOut(e)) {
      if (!wanted.delete(this.refs.target(this.edges.refOf(e)))) stale.push(e);
    }
    for (const podId of wanted) {
      const pod = this.reader.getById(podId);
      if (pod) this.link(sourceId, this.podRef(pod), SELECTS, SELECTS_LANE);
    }
    for (const e of stale) this.unlink(e);
  }

  /** Makes the incoming SELECTS edges of one pod exactly those from `sourceIds` (adds before removals). */
  private setPodSelections(pod: ResourceRecord, sourceIds: readonly number[]): void {
    let refId = this.refs.idByUid(pod.clusterId, pod.uid);
    if (refId === undefined) {
      if (sourceIds.length === 0) return;
      refId = this.podRef(pod);
    }
    const wanted = new Set(sourceIds);
    const stale: number[] = [];
    for (let e = this.edges.firstIn(refId); e !== NONE; e = this.edges.nextIn(e)) {
      if (this.edges.typeOf(e) === SELECTS && !wanted.delete(this.edges.sourceOf(e))) stale.push(e);
    }
    for (const sourceId of wanted) this.link(sourceId, refId, SELECTS, SELECTS_LANE);
    for (const e of stale) this.unlink(e);
    this.refs.releaseIfUnused(refId);
  }

  private podRef(pod: ResourceRecord): number {
    return this.refs.intern(pod.clusterId, { apiVersion: 'v1', kind: 'Pod', namespace: pod.namespace, name: pod.name, uid: pod.uid, byUid: true });
  }

  /** Re-resolves the references keyed by this record (after it was ADDED or DELETED). */
  private refreshRefsOf(record: ResourceRecord): void {
    if (record.uid) this.refs.refreshUid(record.clusterId, record.uid);
    this.refs.refreshName(record.clusterId, this.kindKeyOf(record.kind), record.namespace, record.name);
  }

  // ------------------------------------------------------------ reading

  /** The references that resolve to this record now (its uid key and its name key). */
  private refsResolvingTo(record: ResourceRecord): number[] {
    const out: number[] = [];
    const byUid = record.uid ? this.refs.idByUid(record.clusterId, record.uid) : undefined;
    if (byUid !== undefined && this.refs.target(byUid) === record.id) out.push(byUid);
    const byName = this.refs.idByName(record.clusterId, this.kindKeyOf(record.kind), record.namespace, record.name);
    if (byName !== undefined && this.refs.target(byName) === record.id) out.push(byName);
    return out;
  }

  private dependentsOf(id: number): number[] {
    const r = this.reader.getById(id);
    if (!r || !r.uid) return [];
    const refId = this.refs.idByUid(r.clusterId, r.uid);
    if (refId === undefined || this.refs.target(refId) !== id) return [];
    const out: number[] = [];
    for (let e = this.edges.firstIn(refId); e !== NONE; e = this.edges.nextIn(e)) if (this.edges.typeOf(e) === OWNED_BY) out.push(this.edges.sourceOf(e));
    return out;
  }

  private ownersOf(id: number): number[] {
    const out: number[] = [];
    for (let e = this.edges.firstOut(id, RULE_LANE); e !== NONE; e = this.edges.nextOut(e)) {
      if (this.edges.typeOf(e) !== OWNED_BY) continue;
      const t = this.refs.target(this.edges.refOf(e));
      if (t >= 0) out.push(t);
    }
    return out;
  }

  /** Record ids one hop away from `id` along wanted edges, resolved targets only. */
  private neighbours(id: number, mask: number, directions: { outgoing: boolean; incoming: boolean }, visit: (id: number) => boolean): boolean {
    if (directions.outgoing) {
      for (const lane of LANES) {
        for (let e = this.edges.firstOut(id, lane); e !== NONE; e = this.edges.nextOut(e)) {
          if (!(mask & (1 << this.edges.typeOf(e)))) continue;
          const t = this.refs.target(this.edges.refOf(e));
          if (t >= 0 && !visit(t)) return false;
        }
      }
      if (mask & (1 << MANAGES)) for (const t of managedPods(this.ownership, id)) if (!visit(t)) return false;
    }
    if (directions.incoming) {
      const r = this.reader.getById(id);
      if (r) {
        for (const refId of this.refsResolvingTo(r)) {
          for (let e = this.edges.firstIn(refId); e !== NONE; e = this.edges.nextIn(e)) {
            if ((mask & (1 << this.edges.typeOf(e))) !== 0 && !visit(this.edges.sourceOf(e))) return false;
          }
        }
      }
      if (mask & (1 << MANAGES)) for (const t of managersOf(this.ownership, id)) if (!visit(t)) return false;
    }
    return true;
  }

  private pushRecord(push: (type: number, dir: EdgeDirection, other: ResourceRef, rec: ResourceRecord | undefined) => void, type: number, dir: EdgeDirection, id: number): void {
    const r = this.reader.getById(id);
    if (r) push(type, dir, refOfRecord(r), r);
  }

  private kindKeyOf(kind: KindInfo): string {
    let k = this.kindKeys.get(kind);
    if (k === undefined) {
      k = kindKey(kind);
      this.kindKeys.set(kind, k);
    }
    return k;
  }
}

/** A reference id and a relation type code in one number (exact for refIds below 2^48). */
function packEdge(refId: number, typeCode: number): number {
  return refId * 16 + typeCode;
}

function packedRef(packed: number): number {
  return Math.floor(packed / 16);
}

function packedType(packed: number): number {
  return packed % 16;
}

function typeMask(types: readonly RelationType[] | undefined): number {
  if (!types || types.length === 0) return ALL_TYPES;
  let mask = 0;
  for (const t of types) {
    const code = (RELATION_TYPE_CODE as Record<string, number | undefined>)[t];
    if (code === undefined) throw new KubeatlasError('BAD_USER_INPUT', `unknown relation type ${JSON.stringify(t)}; expected one of ${RELATION_TYPES.join(', ')}`, { field: 'types' });
    mask |= 1 << code;
  }
  return mask;
}

function edgeDirections(direction: RelationDirection): { outgoing: boolean; incoming: boolean } {
  switch (direction) {
    case 'OUTGOING':
      return { outgoing: true, incoming: false };
    case 'INCOMING':
      return { outgoing: false, incoming: true };
    case 'BOTH':
      return { outgoing: true, incoming: true };
    default:
      throw new KubeatlasError('BAD_USER_INPUT', `unknown relation direction ${JSON.stringify(direction)}; expected OUTGOING, INCOMING or BOTH`, { field: 'direction' });
  }
}

function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  if (a === b) return true;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (a[k] !== b[k]) return false;
  return true;
}

function refOfRecord(r: ResourceRecord): ResourceRef {
  return {
    clusterId: r.clusterId,
    apiVersion: apiVersionOf(r.kind),
    kind: r.kind.kind,
    ...(r.namespace ? { namespace: r.namespace } : {}),
    name: r.name,
    ...(r.uid ? { uid: r.uid } : {}),
  };
}

function refOfInfo(i: RefInfo): ResourceRef {
  return {
    clusterId: i.clusterId,
    apiVersion: i.apiVersion,
    kind: i.kind,
    ...(i.namespace ? { namespace: i.namespace } : {}),
    name: i.name,
    ...(i.uid ? { uid: i.uid } : {}),
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareRelations(a: Relation, b: Relation): number {
  if (a.direction !== b.direction) return a.direction === 'OUTGOING' ? -1 : 1;
  if (a.type !== b.type) return RELATION_TYPE_CODE[a.type] - RELATION_TYPE_CODE[b.type];
  return (
    cmp(a.other.kind, b.other.kind) ||
    cmp(a.other.namespace ?? '', b.other.namespace ?? '') ||
    cmp(a.other.name, b.other.name) ||
    cmp(a.other.apiVersion, b.other.apiVersion) ||
    cmp(a.other.uid ?? '', b.other.uid ?? '')
  );
}

function compareRecords(a: ResourceRecord, b: ResourceRecord, ka: string, kb: string): number {
  return cmp(a.kind.kind, b.kind.kind) || cmp(a.namespace, b.namespace) || cmp(a.name, b.name) || cmp(ka, kb) || cmp(a.uid, b.uid) || a.id - b.id;
}

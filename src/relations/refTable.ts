import { targetKindKey } from './refKinds.js';
import type { TargetRef } from './types.js';

/** What the graph knows about an edge target, whether or not it is in the catalog. */
export interface RefInfo {
  readonly clusterId: string;
  readonly apiVersion: string;
  readonly kind: string;
  /** kindKey() the store files the target under. */
  readonly kindKey: string;
  /** "" for cluster-scoped targets. */
  readonly namespace: string;
  readonly name: string;
  readonly uid: string | undefined;
  /** Resolved by uid (else by kindKey/namespace/name). */
  readonly byUid: boolean;
}

/** Looks a reference up in the catalog: the record id, or -1 when absent. */
export type RefLookup = (clusterId: string, uid: string | undefined, kindKey: string, namespace: string, name: string) => number;

/** One live reference: its identity, the record it resolves to and how many edges point at it. */
interface RefEntry extends RefInfo {
  /** Record id, or NO_TARGET. */
  target: number;
  count: number;
}

const NO_TARGET = -1;
/** Measured V8 cost of one reference: its entry object (~104 B), its slot in the entries array (8 B), its entry in a nested index map (~37 B). */
const BYTES_PER_REF = 150;
/** Measured V8 cost of one index map (nested maps exist per cluster, kind and namespace). */
const BYTES_PER_INDEX_MAP = 200;

/** Bound on the canonical-string table (garbage on the wire cannot grow it without limit). */
const MAX_CANONICAL_STRINGS = 65_536;

type NameIndex = Map<string, Map<string, Map<string, Map<string, number>>>>;

/**
 * Interned edge targets. Every distinct target (per cluster) is one small
 * integer id shared by all edges pointing at it; edges store only that id.
 * Each reference is one small object (its fields are read together, so one
 * object keeps them in one or two cache lines) that tracks the record it
 * currently resolves to (-1 while the target is not in the catalog) and how
 * many edges point at it; a reference no edge points at is freed and its id
 * reused.
 *
 * References are found through nested maps (cluster -> uid, or cluster ->
 * kindKey -> namespace -> name) rather than through one concatenated key
 * string: the lookups then hash strings the objects already carry and no
 * key string is kept per reference.
 *
 * Resolution is kept current by the graph calling `refreshUid` / `refreshName`
 * with a record's own identity when that record is ADDED or DELETED, so a
 * target arriving or leaving costs a few map lookups, never a scan of edges.
 */
export class RefTable {
  private readonly byUidIndex = new Map<string, Map<string, number>>();
  private readonly byNameIndex: NameIndex = new Map();
  private readonly entries: Array<RefEntry | undefined> = [];
  private readonly free: number[] = [];
  /** One instance of each apiVersion, kind and namespace string that references hold (few distinct values, held by many references). */
  private readonly strings = new Map<string, string>();
  private live = 0;
  private indexMaps = 0;
  /** Edges pointing at references that do not resolve now. */
  unresolvedEdges = 0;

  constructor(private readonly lookup: RefLookup) {}

  /** Number of live references. */
  get size(): number {
    return this.live;
  }

  /** The id of the reference for `target` seen from a source in `clusterId`, creating (and resolving) it when new. */
  intern(clusterId: string, target: TargetRef): number {
    const kindKey = targetKindKey(target.apiVersion, target.kind);
    const uid = target.byUid && target.uid ? target.uid : undefined;
    const existing = uid !== undefined ? this.idByUid(clusterId, uid) : this.idByName(clusterId, kindKey, target.namespace, target.name);
    if (existing !== undefined) return existing;
    return this.create({
      clusterId,
      apiVersion: this.canonical(target.apiVersion),
      kind: this.canonical(target.kind),
      kindKey,
      namespace: this.canonical(target.namespace),
      name: target.name,
      uid: target.uid,
      byUid: uid !== undefined,
      target: NO_TARGET,
      count: 0,
    });
  }

  /** The reference that resolves by this uid, if any edge points at it. */
  idByUid(clusterId: string, uid: string): number | undefined {
    return this.byUidIndex.get(clusterId)?.get(uid);
  }

  /** The reference that resolves by this kind/namespace/name, if any edge points at it. */
  idByName(clusterId: string, kindKey: string, namespace: string, name: string): number | undefined {
    return this.byNameIndex.get(clusterId)?.get(kindKey)?.get(namespace)?.get(name);
  }

  /** What the reference names. */
  info(refId: number): RefInfo {
    return this.entries[refId]!;
  }

  /**
   * Whether `target`, seen from `clusterId`, is this reference: the same
   * identity `intern` would file it under. Compares strings, no map lookups.
   */
  matches(refId: number, clusterId: string, target: TargetRef): boolean {
    const r = this.entries[refId]!;
    if (r.clusterId !== clusterId) return false;
    if (target.byUid && target.uid) return r.byUid && r.uid === target.uid;
    if (r.byUid || r.name !== target.name || r.namespace !== target.namespace) return false;
    if (r.kind === target.kind && r.apiVersion === target.apiVersion) return true;
    return r.kindKey === targetKindKey(target.apiVersion, target.kind);
  }

  /** A canonical text form of the reference's identity (for snapshots and logs). */
  describe(refId: number): string {
    const r = this.entries[refId]!;
    return r.byUid ? `uid|${r.clusterId}|${r.uid}` : `name|${r.clusterId}|${r.kindKey}|${r.namespace}|${r.name}`;
  }

  /** The record id the reference resolves to, or -1. */
  target(refId: number): number {
    return this.entries[refId]!.target;
  }

  /** Records that one more edge points at the reference. */
  retain(refId: number): void {
    const r = this.entries[refId]!;
    r.count++;
    if (r.target === NO_TARGET) this.unresolvedEdges++;
  }

  /** Records that one edge fewer points at the reference; frees it at zero. */
  release(refId: number): void {
    const r = this.entries[refId]!;
    r.count--;
    if (r.target === NO_TARGET) this.unresolvedEdges--;
    if (r.count === 0) this.drop(refId, r);
  }

  /** Frees a reference created by `intern` that no edge ended up using. */
  releaseIfUnused(refId: number): void {
    const r = this.entries[refId];
    if (r && r.count === 0) this.drop(refId, r);
  }

  /** Re-resolves the uid reference of a record (if any edge points at it) against the catalog. */
  refreshUid(clusterId: string, uid: string): void {
    const refId = this.idByUid(clusterId, uid);
    if (refId !== undefined) this.refresh(this.entries[refId]!);
  }

  /** Re-resolves the name reference of a record (if any edge points at it) against the catalog. */
  refreshName(clusterId: string, kindKey: string, namespace: string, name: string): void {
    const refId = this.idByName(clusterId, kindKey, namespace, name);
    if (refId !== undefined) this.refresh(this.entries[refId]!);
  }

  /** Estimated bytes held. */
  approxBytes(): number {
    return this.live * BYTES_PER_REF + (this.entries.length - this.live) * 8 + this.indexMaps * BYTES_PER_INDEX_MAP;
  }

  private canonical(s: string): string {
    const found = this.strings.get(s);
    if (found !== undefined) return found;
    if (this.strings.size < MAX_CANONICAL_STRINGS) this.strings.set(s, s);
    return s;
  }

  private resolve(r: RefEntry): number {
    return this.lookup(r.clusterId, r.byUid ? r.uid : undefined, r.kindKey, r.namespace, r.name);
  }

  private refresh(r: RefEntry): void {
    const before = r.target;
    const after = this.resolve(r);
    if (before === after) return;
    r.target = after;
    if (before === NO_TARGET) this.unresolvedEdges -= r.count;
    else if (after === NO_TARGET) this.unresolvedEdges += r.count;
  }

  private create(r: RefEntry): number {
    const refId = this.free.length > 0 ? this.free.pop()! : this.entries.length;
    this.entries[refId] = r;
    this.live++;
    if (r.byUid) this.child(this.byUidIndex, r.clusterId).set(r.uid!, refId);
    else this.child(this.child(this.child(this.byNameIndex, r.clusterId), r.kindKey), r.namespace).set(r.name, refId);
    r.target = this.resolve(r);
    return refId;
  }

  private drop(refId: number, r: RefEntry): void {
    if (r.byUid) {
      const m = this.byUidIndex.get(r.clusterId)!;
      m.delete(r.uid!);
      if (m.size === 0) this.unlinkMap(this.byUidIndex, r.clusterId);
    } else {
      const kinds = this.byNameIndex.get(r.clusterId)!;
      const namespaces = kinds.get(r.kindKey)!;
      const names = namespaces.get(r.namespace)!;
      names.delete(r.name);
      if (names.size === 0) {
        this.unlinkMap(namespaces, r.namespace);
        if (namespaces.size === 0) {
          this.unlinkMap(kinds, r.kindKey);
          if (kinds.size === 0) this.unlinkMap(this.byNameIndex, r.clusterId);
        }
      }
    }
    this.entries[refId] = undefined;
    this.live--;
    this.free.push(refId);
  }

  private child<V>(parent: Map<string, Map<string, V>>, key: string): Map<string, V> {
    let m = parent.get(key);
    if (!m) {
      parent.set(key, (m = new Map()));
      this.indexMaps++;
    }
    return m;
  }

  private unlinkMap(parent: Map<string, unknown>, key: string): void {
    parent.delete(key);
    this.indexMaps--;
  }
}

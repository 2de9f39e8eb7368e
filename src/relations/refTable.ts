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

const NO_TARGET = -1;
const INITIAL_CAPACITY = 1024;
/** Per reference slot: target (8 B), count (4 B), flag (1 B) in typed arrays; seven pointers in the parallel string arrays (56 B). */
const BYTES_PER_TYPED_SLOT = 13;
const BYTES_PER_STRING_SLOT = 56;
/** Measured V8 cost of one entry of a Map<string, number> (the index entry of a live reference). */
const BYTES_PER_INDEX_ENTRY = 37;
/** Measured V8 cost of one index map (nested maps exist per cluster, kind and namespace). */
const BYTES_PER_INDEX_MAP = 200;

type NameIndex = Map<string, Map<string, Map<string, Map<string, number>>>>;

/**
 * Interned edge targets. Every distinct target (per cluster) is one small
 * integer id shared by all edges pointing at it; edges store only that id.
 * What a reference names is kept in parallel arrays indexed by its id (no
 * object per reference).
 * Each reference tracks the record it currently resolves to (-1 while the
 * target is not in the catalog) and how many edges point at it; a reference
 * no edge points at is freed and its id reused.
 *
 * References are found through nested maps (cluster -> uid, or cluster ->
 * kindKey -> namespace -> name) rather than through one concatenated key
 * string: the lookups then hash strings the objects already carry (their
 * hashes are cached by V8) and no key string is kept per reference.
 *
 * Resolution is kept current by the graph calling `refreshUid` / `refreshName`
 * with a record's own identity when that record is ADDED or DELETED, so a
 * target arriving or leaving costs a few map lookups, never a scan of edges.
 */
export class RefTable {
  private readonly byUidIndex = new Map<string, Map<string, number>>();
  private readonly byNameIndex: NameIndex = new Map();
  // one slot per reference id, in parallel arrays rather than an object per reference (fewer heap objects for the GC to mark)
  private readonly clusterIds: Array<string | undefined> = [];
  private readonly apiVersions: string[] = [];
  private readonly kinds: string[] = [];
  private readonly kindKeys: string[] = [];
  private readonly namespaces: string[] = [];
  private readonly names: string[] = [];
  private readonly uids: Array<string | undefined> = [];
  private byUidFlags = new Uint8Array(INITIAL_CAPACITY);
  private targets = new Float64Array(INITIAL_CAPACITY).fill(NO_TARGET);
  private counts = new Int32Array(INITIAL_CAPACITY);
  private readonly free: number[] = [];
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
    return this.create(clusterId, target, kindKey, uid !== undefined);
  }

  /** The reference that resolves by this uid, if any edge points at it. */
  idByUid(clusterId: string, uid: string): number | undefined {
    return this.byUidIndex.get(clusterId)?.get(uid);
  }

  /** The reference that resolves by this kind/namespace/name, if any edge points at it. */
  idByName(clusterId: string, kindKey: string, namespace: string, name: string): number | undefined {
    return this.byNameIndex.get(clusterId)?.get(kindKey)?.get(namespace)?.get(name);
  }

  /** What the reference names (a fresh object). */
  info(refId: number): RefInfo {
    return {
      clusterId: this.clusterIds[refId]!,
      apiVersion: this.apiVersions[refId],
      kind: this.kinds[refId],
      kindKey: this.kindKeys[refId],
      namespace: this.namespaces[refId],
      name: this.names[refId],
      uid: this.uids[refId],
      byUid: this.byUidFlags[refId] === 1,
    };
  }

  /**
   * Whether `target`, seen from `clusterId`, is this reference: the same
   * identity `intern` would file it under. Compares strings, no map lookups.
   */
  matches(refId: number, clusterId: string, target: TargetRef): boolean {
    if (this.clusterIds[refId] !== clusterId) return false;
    if (target.byUid && target.uid) return this.byUidFlags[refId] === 1 && this.uids[refId] === target.uid;
    if (this.byUidFlags[refId] !== 0 || this.names[refId] !== target.name || this.namespaces[refId] !== target.namespace) return false;
    if (this.kinds[refId] === target.kind && this.apiVersions[refId] === target.apiVersion) return true;
    return this.kindKeys[refId] === targetKindKey(target.apiVersion, target.kind);
  }

  /** A canonical text form of the reference's identity (for snapshots and logs). */
  describe(refId: number): string {
    return this.byUidFlags[refId] === 1
      ? `uid|${this.clusterIds[refId]}|${this.uids[refId]}`
      : `name|${this.clusterIds[refId]}|${this.kindKeys[refId]}|${this.namespaces[refId]}|${this.names[refId]}`;
  }

  /** The record id the reference resolves to, or -1. */
  target(refId: number): number {
    return this.targets[refId];
  }

  /** Records that one more edge points at the reference. */
  retain(refId: number): void {
    this.counts[refId]++;
    if (this.targets[refId] === NO_TARGET) this.unresolvedEdges++;
  }

  /** Records that one edge fewer points at the reference; frees it at zero. */
  release(refId: number): void {
    this.counts[refId]--;
    if (this.targets[refId] === NO_TARGET) this.unresolvedEdges--;
    if (this.counts[refId] === 0) this.drop(refId);
  }

  /** Frees a reference created by `intern` that no edge ended up using. */
  releaseIfUnused(refId: number): void {
    if (this.counts[refId] === 0 && this.clusterIds[refId] !== undefined) this.drop(refId);
  }

  /** Re-resolves the uid reference of a record (if any edge points at it) against the catalog. */
  refreshUid(clusterId: string, uid: string): void {
    const refId = this.idByUid(clusterId, uid);
    if (refId !== undefined) this.refresh(refId);
  }

  /** Re-resolves the name reference of a record (if any edge points at it) against the catalog. */
  refreshName(clusterId: string, kindKey: string, namespace: string, name: string): void {
    const refId = this.idByName(clusterId, kindKey, namespace, name);
    if (refId !== undefined) this.refresh(refId);
  }

  /** Estimated bytes held. */
  approxBytes(): number {
    return this.targets.length * BYTES_PER_TYPED_SLOT + this.clusterIds.length * BYTES_PER_STRING_SLOT + this.live * BYTES_PER_INDEX_ENTRY + this.indexMaps * BYTES_PER_INDEX_MAP;
  }

  private resolve(refId: number): number {
    return this.lookup(this.clusterIds[refId]!, this.byUidFlags[refId] === 1 ? this.uids[refId] : undefined, this.kindKeys[refId], this.namespaces[refId], this.names[refId]);
  }

  private refresh(refId: number): void {
    const before = this.targets[refId];
    const after = this.resolve(refId);
    if (before === after) return;
    this.targets[refId] = after;
    if (before === NO_TARGET) this.unresolvedEdges -= this.counts[refId];
    else if (after === NO_TARGET) this.unresolvedEdges += this.counts[refId];
  }

  private create(clusterId: string, t: TargetRef, kindKey: string, byUid: boolean): number {
    const refId = this.free.length > 0 ? this.free.pop()! : this.clusterIds.length;
    if (refId >= this.targets.length) this.grow(refId + 1);
    this.clusterIds[refId] = clusterId;
    this.apiVersions[refId] = t.apiVersion;
    this.kinds[refId] = t.kind;
    this.kindKeys[refId] = kindKey;
    this.namespaces[refId] = t.namespace;
    this.names[refId] = t.name;
    this.uids[refId] = t.uid;
    this.byUidFlags[refId] = byUid ? 1 : 0;
    this.counts[refId] = 0;
    this.live++;
    if (byUid) this.child(this.byUidIndex, clusterId).set(t.uid!, refId);
    else this.child(this.child(this.child(this.byNameIndex, clusterId), kindKey), t.namespace).set(t.name, refId);
    this.targets[refId] = this.resolve(refId);
    return refId;
  }

  private drop(refId: number): void {
    const clusterId = this.clusterIds[refId]!;
    if (this.byUidFlags[refId] === 1) {
      const m = this.byUidIndex.get(clusterId)!;
      m.delete(this.uids[refId]!);
      if (m.size === 0) this.unlinkMap(this.byUidIndex, clusterId);
    } else {
      const kinds = this.byNameIndex.get(clusterId)!;
      const namespaces = kinds.get(this.kindKeys[refId])!;
      const names = namespaces.get(this.namespaces[refId])!;
      names.delete(this.names[refId]);
      if (names.size === 0) {
        this.unlinkMap(namespaces, this.namespaces[refId]);
        if (namespaces.size === 0) {
          this.unlinkMap(kinds, this.kindKeys[refId]);
          if (kinds.size === 0) this.unlinkMap(this.byNameIndex, clusterId);
        }
      }
    }
    this.clusterIds[refId] = undefined;
    this.uids[refId] = undefined;
    this.names[refId] = '';
    this.targets[refId] = NO_TARGET;
    this.live--;
    this.free.push(refId);
  }

  private grow(min: number): void {
    const capacity = Math.max(min, Math.ceil(this.targets.length * 1.5));
    const flags = new Uint8Array(capacity);
    flags.set(this.byUidFlags);
    this.byUidFlags = flags;
    const targets = new Float64Array(capacity).fill(NO_TARGET);
    targets.set(this.targets);
    this.targets = targets;
    const counts = new Int32Array(capacity);
    counts.set(this.counts);
    this.counts = counts;
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

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
export type RefLookup = (ref: RefInfo) => number;

/** Key of a reference that resolves by uid. */
export function uidKey(clusterId: string, uid: string): string {
  return `u\u0000${clusterId}\u0000${uid}`;
}

/** Key of a reference that resolves by kind, namespace and name. */
export function nameKey(clusterId: string, kindKey: string, namespace: string, name: string): string {
  return `n\u0000${clusterId}\u0000${kindKey}\u0000${namespace}\u0000${name}`;
}

const NO_TARGET = -1;
/** Rough V8 cost of one reference beyond its key's characters: Map entry, RefInfo object, slots in the parallel arrays. */
const BYTES_PER_REF = 160;

/**
 * Interned edge targets. Every distinct target (per cluster, per key) is one
 * small integer id shared by all edges pointing at it; edges store only that
 * id. Each reference tracks the record it currently resolves to (-1 while
 * the target is not in the catalog) and how many edges point at it; a
 * reference no edge points at is freed and its id reused.
 *
 * Resolution is kept current by the graph calling `refresh` with a record's
 * own keys when that record is ADDED or DELETED, so a target arriving or
 * leaving costs two map lookups, never a scan of the edges.
 */
export class RefTable {
  private readonly idByKey = new Map<string, number>();
  private readonly keys: Array<string | undefined> = [];
  private readonly infos: Array<RefInfo | undefined> = [];
  private readonly targets: number[] = [];
  private readonly counts: number[] = [];
  private readonly free: number[] = [];
  private keyChars = 0;
  /** Edges pointing at references that do not resolve now. */
  unresolvedEdges = 0;

  constructor(private readonly lookup: RefLookup) {}

  /** Number of live references. */
  get size(): number {
    return this.idByKey.size;
  }

  /** The id of the reference for `target` seen from a source in `clusterId`, creating (and resolving) it when new. */
  intern(clusterId: string, target: TargetRef): number {
    const kindKey = targetKindKey(target.apiVersion, target.kind);
    const byUid = target.byUid && target.uid !== undefined && target.uid !== '';
    const key = byUid ? uidKey(clusterId, target.uid!) : nameKey(clusterId, kindKey, target.namespace, target.name);
    const existing = this.idByKey.get(key);
    if (existing !== undefined) return existing;
    const info: RefInfo = {
      clusterId,
      apiVersion: target.apiVersion,
      kind: target.kind,
      kindKey,
      namespace: target.namespace,
      name: target.name,
      uid: target.uid,
      byUid,
    };
    return this.create(key, info);
  }

  /** The id of the reference with this key, if any edge points at it. */
  idOf(key: string): number | undefined {
    return this.idByKey.get(key);
  }

  info(refId: number): RefInfo {
    return this.infos[refId]!;
  }

  key(refId: number): string {
    return this.keys[refId]!;
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
    if (this.counts[refId] === 0 && this.keys[refId] !== undefined) this.drop(refId);
  }

  /** Re-resolves the reference with this key (if any) against the catalog. */
  refresh(key: string): void {
    const refId = this.idByKey.get(key);
    if (refId === undefined) return;
    const before = this.targets[refId];
    const after = this.lookup(this.infos[refId]!);
    if (before === after) return;
    this.targets[refId] = after;
    if (before === NO_TARGET) this.unresolvedEdges -= this.counts[refId];
    else if (after === NO_TARGET) this.unresolvedEdges += this.counts[refId];
  }

  /** Estimated bytes held. */
  approxBytes(): number {
    return this.idByKey.size * BYTES_PER_REF + this.keyChars * 2;
  }

  private create(key: string, info: RefInfo): number {
    const refId = this.free.length > 0 ? this.free.pop()! : this.keys.length;
    this.idByKey.set(key, refId);
    this.keys[refId] = key;
    this.infos[refId] = info;
    this.targets[refId] = this.lookup(info);
    this.counts[refId] = 0;
    this.keyChars += key.length;
    return refId;
  }

  private drop(refId: number): void {
    const key = this.keys[refId]!;
    this.idByKey.delete(key);
    this.keyChars -= key.length;
    this.keys[refId] = undefined;
    this.infos[refId] = undefined;
    this.targets[refId] = NO_TARGET;
    this.free.push(refId);
  }
}

import type { KubeObject } from '../../kube/types.js';
import type { RelationType, SourceInfo, TargetRef } from '../types.js';

/**
 * A rule that derives edges of one relation type from a single source object,
 * without looking at any other object. The graph re-runs a source's rules on
 * every ADDED/MODIFIED of the source and compares the result, in order, with
 * the edges it stored last time, so a rule must be a pure function of
 * (object, source), return its targets in an order that depends only on the
 * object, each at most once, and never throw on malformed input.
 */
export interface EdgeRule {
  readonly type: RelationType;
  /** kindKey()s of the kinds the rule reads, or "*" for every kind. */
  readonly sourceKinds: readonly string[] | '*';
  targets(obj: KubeObject, source: SourceInfo): TargetRef[];
}

/**
 * Collects targets, dropping duplicates (same kind/namespace/name/uid/byUid).
 * A linear scan: an object names a handful of targets, and comparing fields
 * is cheaper than building a key string per target on every event.
 */
export class TargetSet {
  readonly list: TargetRef[] = [];

  add(t: TargetRef): void {
    for (const o of this.list) {
      if (o.name === t.name && o.kind === t.kind && o.namespace === t.namespace && o.apiVersion === t.apiVersion && o.uid === t.uid && o.byUid === t.byUid) return;
    }
    this.list.push(t);
  }
}

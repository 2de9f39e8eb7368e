import type { KubeObject } from '../../kube/types.js';
import type { RelationType, SourceInfo, TargetRef } from '../types.js';

/**
 * A rule that derives edges of one relation type from a single source object,
 * without looking at any other object. The graph re-runs a source's rules on
 * every ADDED/MODIFIED of the source and diffs the result, so a rule must be a
 * pure function of (object, source) and return each target at most once.
 */
export interface EdgeRule {
  readonly type: RelationType;
  /** kindKey()s of the kinds the rule reads, or "*" for every kind. */
  readonly sourceKinds: readonly string[] | '*';
  targets(obj: KubeObject, source: SourceInfo): TargetRef[];
}

/** Collects targets, dropping duplicates (same kind/namespace/name/uid/byUid). */
export class TargetSet {
  private readonly seen = new Set<string>();
  readonly list: TargetRef[] = [];

  add(t: TargetRef): void {
    const key = `${t.byUid ? 'u' : 'n'}\u0000${t.apiVersion}\u0000${t.kind}\u0000${t.namespace}\u0000${t.name}\u0000${t.uid ?? ''}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.list.push(t);
  }
}

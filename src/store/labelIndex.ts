import type { LabelSelector, Requirement } from '../kube/labelSelector.js';
import type { LabelSet } from './labelSets.js';

/**
 * The objects of one collection that share a namespace and a label set.
 * Selectors are evaluated once per group, not once per object.
 */
export interface LabelGroup {
  readonly namespace: string;
  readonly set: LabelSet;
  /** Record ids of the members. */
  readonly ids: Set<number>;
}

/**
 * Label index of one (cluster, kind) collection:
 * `key -> value -> groups` posting lists (so `key=value` and `key in (...)`
 * are direct lookups and `key` / `!key` a union over one key's values),
 * plus every group for selectors with no indexable requirement.
 */
export class LabelIndex {
  private readonly groups = new Map<LabelSet, Map<string, LabelGroup>>();
  private readonly postings = new Map<string, Map<string, Set<LabelGroup>>>();
  private groupCount = 0;

  /** Number of distinct (namespace, label set) groups. */
  get size(): number {
    return this.groupCount;
  }

  add(id: number, namespace: string, set: LabelSet): void {
    let byNs = this.groups.get(set);
    if (!byNs) {
      byNs = new Map();
      this.groups.set(set, byNs);
    }
    let group = byNs.get(namespace);
    if (!group) {
      group = { namespace, set, ids: new Set() };
      byNs.set(namespace, group);
      this.groupCount++;
      for (const k in set.labels) {
        let values = this.postings.get(k);
        if (!values) {
          values = new Map();
          this.postings.set(k, values);
        }
        let list = values.get(set.labels[k]);
        if (!list) {
          list = new Set();
          values.set(set.labels[k], list);
        }
        list.add(group);
      }
    }
    group.ids.add(id);
  }

  remove(id: number, namespace: string, set: LabelSet): void {
    const byNs = this.groups.get(set);
    const group = byNs?.get(namespace);
    if (!byNs || !group) return;
    group.ids.delete(id);
    if (group.ids.size > 0) return;
    byNs.delete(namespace);
    if (byNs.size === 0) this.groups.delete(set);
    this.groupCount--;
    for (const k in set.labels) {
      const values = this.postings.get(k);
      const list = values?.get(set.labels[k]);
      if (!values || !list) continue;
      list.delete(group);
      if (list.size === 0) {
        values.delete(set.labels[k]);
        if (values.size === 0) this.postings.delete(k);
      }
    }
  }

  /**
   * Groups whose labels match the selector, optionally only in one namespace.
   * Uses the posting lists of the indexable requirements (`=`, `==`, `in`,
   * `exists`), smallest first, and checks the rest per group; scans the
   * groups only when no requirement is indexable.
   */
  matchingGroups(selector: LabelSelector, namespace?: string): LabelGroup[] {
    if (selector.isNothing()) return [];
    const out: LabelGroup[] = [];
    const candidates = this.candidateGroups(selector.requirements);
    if (candidates === undefined) {
      for (const byNs of this.groups.values()) {
        if (namespace !== undefined) {
          const g = byNs.get(namespace);
          if (g && selector.matches(g.set.labels)) out.push(g);
        } else {
          for (const g of byNs.values()) if (selector.matches(g.set.labels)) out.push(g);
        }
      }
      return out;
    }
    for (const g of candidates) {
      if (namespace !== undefined && g.namespace !== namespace) continue;
      if (selector.matches(g.set.labels)) out.push(g);
    }
    return out;
  }

  /** Every group (for scans by callers that filter per group). */
  *allGroups(): IterableIterator<LabelGroup> {
    for (const byNs of this.groups.values()) yield* byNs.values();
  }

  /**
   * The smallest candidate set the posting lists give for the indexable
   * requirements (a superset of the matches), or undefined when none is indexable.
   */
  private candidateGroups(requirements: readonly Requirement[]): Iterable<LabelGroup> | undefined {
    let best: Set<LabelGroup>[] | undefined;
    let bestSize = Infinity;
    for (const r of requirements) {
      let lists: Set<LabelGroup>[];
      if (r.operator === '=' || r.operator === '==' || r.operator === 'in') {
        const values = this.postings.get(r.key);
        lists = [];
        if (values) for (const v of r.values) {
          const l = values.get(v);
          if (l) lists.push(l);
        }
      } else if (r.operator === 'exists' || r.operator === 'gt' || r.operator === 'lt') {
        const values = this.postings.get(r.key);
        lists = values ? [...values.values()] : [];
      } else {
        continue;
      }
      let size = 0;
      for (const l of lists) size += l.size;
      if (size < bestSize) {
        best = lists;
        bestSize = size;
        if (size === 0) break;
      }
    }
    if (best === undefined) return undefined;
    if (best.length === 1) return best[0];
    const union: LabelGroup[] = [];
    for (const l of best) for (const g of l) union.push(g);
    return union;
  }
}

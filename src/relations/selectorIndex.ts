import type { LabelSelector } from '../kube/labelSelector.js';

/** One indexed selector: who owns it and where it can match. */
export interface IndexedSelector {
  readonly sourceId: number;
  readonly clusterId: string;
  readonly namespace: string;
  readonly selector: LabelSelector;
  /** LabelSelector.toString(), to detect an unchanged selector on MODIFIED. */
  readonly text: string;
  readonly bucket: string;
}

/** Rough V8 cost of one indexed selector (entry object, Map/Set slots, the selector's requirement objects). */
const BYTES_PER_SELECTOR = 320;

/**
 * Reverse index of pod selectors (Services, PDBs, NetworkPolicies) so that a
 * pod change finds the few selectors that may match it without scanning
 * every selector of the cluster.
 *
 * Each selector is filed in exactly one bucket of its (cluster, namespace):
 * - `=key=value` for its first `key=value` requirement (a matching pod must
 *   carry that label);
 * - else `?key` for its first requirement that needs the key present
 *   (`in` with several values, `exists`, `gt`/`lt`);
 * - else `*` (only negative requirements, or `{}` which selects every pod).
 * A pod's candidates are the `=k=v` and `?k` buckets of each of its labels
 * plus `*`; the caller then checks each candidate's `matches`.
 */
export class SelectorIndex {
  private readonly bySource = new Map<number, IndexedSelector>();
  private readonly buckets = new Map<string, Set<number>>();

  get size(): number {
    return this.bySource.size;
  }

  get(sourceId: number): IndexedSelector | undefined {
    return this.bySource.get(sourceId);
  }

  /** Files (or re-files) the selector of `sourceId`. */
  put(sourceId: number, clusterId: string, namespace: string, selector: LabelSelector): IndexedSelector {
    this.remove(sourceId);
    const entry: IndexedSelector = {
      sourceId,
      clusterId,
      namespace,
      selector,
      text: selector.toString(),
      bucket: bucketKey(clusterId, namespace, bucketSuffix(selector)),
    };
    this.bySource.set(sourceId, entry);
    let set = this.buckets.get(entry.bucket);
    if (!set) this.buckets.set(entry.bucket, (set = new Set()));
    set.add(sourceId);
    return entry;
  }

  remove(sourceId: number): void {
    const entry = this.bySource.get(sourceId);
    if (!entry) return;
    this.bySource.delete(sourceId);
    const set = this.buckets.get(entry.bucket);
    if (set) {
      set.delete(sourceId);
      if (set.size === 0) this.buckets.delete(entry.bucket);
    }
  }

  /** Source ids of the selectors in (cluster, namespace) that select a pod with these labels. */
  matching(clusterId: string, namespace: string, labels: Readonly<Record<string, string>>): number[] {
    const out: number[] = [];
    const consider = (suffix: string) => {
      const set = this.buckets.get(bucketKey(clusterId, namespace, suffix));
      if (!set) return;
      for (const id of set) if (this.bySource.get(id)!.selector.matches(labels)) out.push(id);
    };
    for (const key of Object.keys(labels)) {
      consider(`=${key}=${labels[key]}`);
      consider(`?${key}`);
    }
    consider('*');
    return out;
  }

  approxBytes(): number {
    return this.bySource.size * BYTES_PER_SELECTOR;
  }
}

function bucketKey(clusterId: string, namespace: string, suffix: string): string {
  return `${clusterId}\u0000${namespace}\u0000${suffix}`;
}

function bucketSuffix(selector: LabelSelector): string {
  const pairs = selector.equalityPairs();
  if (pairs.length > 0) return `=${pairs[0][0]}=${pairs[0][1]}`;
  for (const r of selector.requirements) {
    if (r.operator === 'in' || r.operator === 'exists' || r.operator === 'gt' || r.operator === 'lt' || r.operator === '=' || r.operator === '==') return `?${r.key}`;
  }
  return '*';
}

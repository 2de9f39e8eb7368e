import type { LabelSelector } from '../kube/labelSelector.js';

/** Where a selector is filed within its namespace. */
type Bucket = { readonly key: string; readonly value: string } | { readonly key: string; readonly value: undefined } | undefined;

/** One indexed selector: who owns it and where it can match. */
export interface IndexedSelector {
  readonly sourceId: number;
  readonly clusterId: string;
  readonly namespace: string;
  readonly selector: LabelSelector;
  /** LabelSelector.toString(), to detect an unchanged selector on MODIFIED. */
  readonly text: string;
  /** The raw selector fields it was built from (selectorInputOf), to skip re-parsing an unchanged one. */
  readonly input: string;
  readonly bucket: Bucket;
}

/** The selectors of one namespace, by bucket. */
interface NamespaceSelectors {
  /** label key -> label value -> sources whose selector requires key=value. */
  readonly pairs: Map<string, Map<string, Set<number>>>;
  /** label key -> sources whose selector requires the key (but no single value). */
  readonly keys: Map<string, Set<number>>;
  /** Sources whose selector requires no label at all. */
  readonly any: Set<number>;
  size: number;
}

/** Rough V8 cost of one indexed selector (entry object, Set slot, the selector's requirement objects). */
const BYTES_PER_SELECTOR = 320;

/**
 * Reverse index of pod selectors (Services, PDBs, NetworkPolicies) so that a
 * pod change finds the few selectors that may match it without scanning
 * every selector of the cluster.
 *
 * Each selector is filed in exactly one bucket of its (cluster, namespace):
 * - under `key=value` for its first `key=value` requirement (a matching pod
 *   must carry that label);
 * - else under `key` for its first requirement that needs the key present
 *   (`in` with several values, `exists`, `gt`/`lt`);
 * - else under "any" (only negative requirements, or `{}` which selects every pod).
 * A pod's candidates are the `key=value` and `key` buckets of each of its
 * labels plus "any"; `matching` then checks each candidate's selector.
 * Buckets are nested maps keyed by the label strings themselves, so a lookup
 * builds no key string.
 */
export class SelectorIndex {
  private readonly bySource = new Map<number, IndexedSelector>();
  private readonly byNamespace = new Map<string, Map<string, NamespaceSelectors>>();

  get size(): number {
    return this.bySource.size;
  }

  get(sourceId: number): IndexedSelector | undefined {
    return this.bySource.get(sourceId);
  }

  /** Files (or re-files) the selector of `sourceId`. */
  put(sourceId: number, clusterId: string, namespace: string, selector: LabelSelector, input: string): IndexedSelector {
    this.remove(sourceId);
    const entry: IndexedSelector = { sourceId, clusterId, namespace, selector, text: selector.toString(), input, bucket: bucketOf(selector) };
    this.bySource.set(sourceId, entry);
    let namespaces = this.byNamespace.get(clusterId);
    if (!namespaces) this.byNamespace.set(clusterId, (namespaces = new Map()));
    let ns = namespaces.get(namespace);
    if (!ns) namespaces.set(namespace, (ns = { pairs: new Map(), keys: new Map(), any: new Set(), size: 0 }));
    ns.size++;
    const b = entry.bucket;
    if (b === undefined) ns.any.add(sourceId);
    else if (b.value === undefined) setIn(ns.keys, b.key).add(sourceId);
    else {
      let values = ns.pairs.get(b.key);
      if (!values) ns.pairs.set(b.key, (values = new Map()));
      setIn(values, b.value).add(sourceId);
    }
    return entry;
  }

  remove(sourceId: number): void {
    const entry = this.bySource.get(sourceId);
    if (!entry) return;
    this.bySource.delete(sourceId);
    const namespaces = this.byNamespace.get(entry.clusterId)!;
    const ns = namespaces.get(entry.namespace)!;
    const b = entry.bucket;
    if (b === undefined) ns.any.delete(sourceId);
    else if (b.value === undefined) deleteIn(ns.keys, b.key, sourceId);
    else {
      const values = ns.pairs.get(b.key)!;
      deleteIn(values, b.value, sourceId);
      if (values.size === 0) ns.pairs.delete(b.key);
    }
    if (--ns.size === 0) {
      namespaces.delete(entry.namespace);
      if (namespaces.size === 0) this.byNamespace.delete(entry.clusterId);
    }
  }

  /** Source ids of the selectors in (cluster, namespace) that select a pod with these labels. */
  matching(clusterId: string, namespace: string, labels: Readonly<Record<string, string>>): number[] {
    const out: number[] = [];
    const ns = this.byNamespace.get(clusterId)?.get(namespace);
    if (!ns) return out;
    for (const key in labels) {
      this.collect(ns.pairs.get(key)?.get(labels[key]), labels, out);
      this.collect(ns.keys.get(key), labels, out);
    }
    this.collect(ns.any, labels, out);
    return out;
  }

  approxBytes(): number {
    return this.bySource.size * BYTES_PER_SELECTOR;
  }

  private collect(candidates: Set<number> | undefined, labels: Readonly<Record<string, string>>, out: number[]): void {
    if (candidates) for (const id of candidates) if (this.bySource.get(id)!.selector.matches(labels)) out.push(id);
  }
}

function bucketOf(selector: LabelSelector): Bucket {
  const pairs = selector.equalityPairs();
  if (pairs.length > 0) return { key: pairs[0][0], value: pairs[0][1] };
  for (const r of selector.requirements) {
    if (r.operator === 'in' || r.operator === 'exists' || r.operator === 'gt' || r.operator === 'lt' || r.operator === '=' || r.operator === '==') return { key: r.key, value: undefined };
  }
  return undefined;
}

function setIn(m: Map<string, Set<number>>, key: string): Set<number> {
  let s = m.get(key);
  if (!s) m.set(key, (s = new Set()));
  return s;
}

function deleteIn(m: Map<string, Set<number>>, key: string, id: number): void {
  const s = m.get(key);
  if (!s) return;
  s.delete(id);
  if (s.size === 0) m.delete(key);
}

import { BUILTIN_KINDS, kindKey, resolveKindName, type KindInfo } from '../kube/kinds.js';
import { LabelSelectorError, parseLabelSelector, type LabelSelector } from '../kube/labelSelector.js';
import { KubeatlasError } from '../util/errors.js';
import type { CompiledFilter, ResourceFilterInput, ResourceRecord } from './types.js';

/**
 * Validates a user filter (GraphQL ResourceFilter) into a CompiledFilter.
 *
 * - `kinds`: any name `resolveKindName` accepts ("Pod", "pods", "po",
 *   "apps/v1/Deployment", "apps/Deployment", "deployments.apps"), resolved
 *   against `knownKinds` plus the built-in kinds. A bare name that matches
 *   several kinds (core and events.k8s.io "Event") selects all of them. A
 *   name that matches nothing: BAD_USER_INPUT, details `{ field: "kinds", value }`.
 * - `labelSelector`: Kubernetes syntax; a parse error is BAD_USER_INPUT with
 *   details `{ field: "labelSelector" }` and the parser's message in the
 *   error message. Blank selects everything.
 * - A null/absent or empty list, and a null/absent or empty string, mean
 *   "no restriction" on that field.
 * - `status` matches Resource.status exactly (case-sensitive, e.g. "Running").
 */
export function compileFilter(input: ResourceFilterInput | null | undefined, knownKinds: readonly KindInfo[]): CompiledFilter {
  const f = input ?? {};
  return {
    clusters: stringSet(f.clusters, 'clusters'),
    kindKeys: resolveKinds(f.kinds, knownKinds),
    namespaces: stringSet(f.namespaces, 'namespaces'),
    selector: compileSelector(f.labelSelector),
    name: optionalString(f.name, 'name'),
    nameContains: optionalString(f.nameContains, 'nameContains'),
    status: optionalString(f.status, 'status'),
  };
}

/** Whether a record passes a filter. Cheap: set lookups and string compares; the selector last. */
export function matchesFilter(filter: CompiledFilter, record: ResourceRecord): boolean {
  if (filter.clusters !== undefined && !filter.clusters.has(record.clusterId)) return false;
  if (filter.kindKeys !== undefined && !filter.kindKeys.has(kindKeyOf(record))) return false;
  if (filter.namespaces !== undefined && !filter.namespaces.has(record.namespace)) return false;
  if (filter.name !== undefined && record.name !== filter.name) return false;
  if (filter.nameContains !== undefined && !record.name.includes(filter.nameContains)) return false;
  if (filter.status !== undefined && record.status !== filter.status) return false;
  if (filter.selector !== undefined && !filter.selector.matches(record.labels)) return false;
  return true;
}

/** Whether the filter restricts anything beyond what the collection structure answers (cluster, kind, namespace). */
export function hasRecordPredicates(filter: CompiledFilter): boolean {
  return filter.name !== undefined || filter.nameContains !== undefined || filter.status !== undefined || filter.selector !== undefined;
}

const kindKeys = new WeakMap<KindInfo, string>();

/** kindKey of a record's kind (the store's records carry it; others are cached per KindInfo). */
export function kindKeyOf(record: ResourceRecord): string {
  const own = (record as { kindKey?: unknown }).kindKey;
  if (typeof own === 'string') return own;
  let k = kindKeys.get(record.kind);
  if (k === undefined) {
    k = kindKey(record.kind);
    kindKeys.set(record.kind, k);
  }
  return k;
}

function resolveKinds(names: readonly string[] | null | undefined, knownKinds: readonly KindInfo[]): ReadonlySet<string> | undefined {
  if (names === null || names === undefined || names.length === 0) return undefined;
  const candidates = knownKinds.length ? [...knownKinds, ...BUILTIN_KINDS] : BUILTIN_KINDS;
  const out = new Set<string>();
  for (const name of names) {
    if (typeof name !== 'string') throw new KubeatlasError('BAD_USER_INPUT', 'kinds: every entry must be a string', { field: 'kinds' });
    const found = resolveKindName(name, candidates);
    if (found.length === 0) throw new KubeatlasError('BAD_USER_INPUT', `kinds: unknown kind ${JSON.stringify(name)}`, { field: 'kinds', value: name });
    for (const k of found) out.add(kindKey(k));
  }
  return out;
}

function compileSelector(selector: string | null | undefined): LabelSelector | undefined {
  if (selector === null || selector === undefined) return undefined;
  if (typeof selector !== 'string') throw new KubeatlasError('BAD_USER_INPUT', 'labelSelector: must be a string', { field: 'labelSelector' });
  if (selector.trim() === '') return undefined;
  try {
    return parseLabelSelector(selector);
  } catch (e) {
    if (e instanceof LabelSelectorError) {
      throw new KubeatlasError('BAD_USER_INPUT', `labelSelector: ${e.message}`, { field: 'labelSelector', value: selector }, { cause: e });
    }
    throw e;
  }
}

function stringSet(values: readonly string[] | null | undefined, field: string): ReadonlySet<string> | undefined {
  if (values === null || values === undefined || values.length === 0) return undefined;
  for (const v of values) if (typeof v !== 'string') throw new KubeatlasError('BAD_USER_INPUT', `${field}: every entry must be a string`, { field });
  return new Set(values);
}

function optionalString(v: string | null | undefined, field: string): string | undefined {
  if (v === null || v === undefined || v === '') return undefined;
  if (typeof v !== 'string') throw new KubeatlasError('BAD_USER_INPUT', `${field}: must be a string`, { field });
  return v;
}

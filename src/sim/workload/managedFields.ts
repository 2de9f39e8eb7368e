/**
 * managedFields entries shaped like the ones a real apiserver records
 * (structured-merge-diff "FieldsV1" sets). The sets are derived from the
 * object itself with the list/map semantics of the Kubernetes OpenAPI
 * schema that matter for the kinds the simulator generates: associative
 * lists keyed by name/port/type, atomic lists and maps, sets of scalars.
 *
 * Hand-written because the real implementation (sigs.k8s.io/structured-merge-diff)
 * is Go-only and schema-driven; this reproduces its output shape for the
 * generated objects, which is what clients (kubectl, kubeatlas slimming) see.
 */

export type FieldsV1 = Record<string, unknown>;

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Update' | 'Apply';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: FieldsV1;
  subresource?: string;
}

/** Associative lists: the fields that identify an item, by list field name. */
const LIST_KEYS: Record<string, readonly string[]> = {
  containers: ['name'],
  initContainers: ['name'],
  env: ['name'],
  volumes: ['name'],
  imagePullSecrets: ['name'],
  volumeMounts: ['mountPath'],
  conditions: ['type'],
  podIPs: ['ip'],
  ownerReferences: ['uid'],
  topologySpreadConstraints: ['topologyKey', 'whenUnsatisfiable'],
};

/** Lists and maps the schema marks atomic: owned as a whole (a leaf in the set). */
const ATOMIC = new Set([
  'command', 'args', 'tolerations', 'selector', 'nodeSelector', 'envFrom', 'accessModes', 'podSelector', 'ingress', 'egress',
  'policyTypes', 'rules', 'subjects', 'roleRef', 'hostIPs', 'containerStatuses', 'initContainerStatuses', 'endpoints',
  'subsets', 'volumeClaimTemplates', 'metrics', 'policies', 'clusterIPs', 'ipFamilies', 'images', 'addresses', 'tls',
  'defaultBackend', 'securityContext', 'items', 'sources', 'aggregationRule', 'nodeSelectorTerms', 'active',
  'uncountedTerminatedPods', 'values', 'loadBalancer', 'currentMetrics', 'secretKeyRef', 'configMapKeyRef', 'fieldRef',
  'resourceFieldRef',
]);

/** Associative lists whose items are atomic (owned whole). */
const ATOMIC_ITEMS = new Set(['imagePullSecrets', 'ownerReferences']);

/** Struct fields recorded without their own "." member (required, non-pointer structs). */
const NO_SELF = new Set(['metadata', 'spec', 'status', 'template', 'containers', 'initContainers', 'strategy', 'updateStrategy', 'jobTemplate', 'scaleTargetRef', 'daemonEndpoints', 'kubeletEndpoint', 'nodeInfo']);

/** Lists of scalars that are sets ("v:" members). */
const SCALAR_SETS = new Set(['finalizers', 'podCIDRs']);

/**
 * Container ports are keyed by containerPort+protocol, Service ports (which
 * always carry a defaulted targetPort) by port+protocol; EndpointSlice ports
 * (no targetPort) are an atomic list.
 */
function keyFieldsFor(field: string, item: Record<string, unknown>): readonly string[] | undefined {
  if (field === 'ports') return 'containerPort' in item ? ['containerPort', 'protocol'] : 'targetPort' in item ? ['port', 'protocol'] : undefined;
  return LIST_KEYS[field];
}

function itemKey(keys: readonly string[], item: Record<string, unknown>): string {
  const parts = [...keys].sort().map((k) => `${JSON.stringify(k)}:${JSON.stringify(item[k])}`);
  return `k:{${parts.join(',')}}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Field sets of `spec` objects already seen. Generators reuse one pod
 * template spec object for a Deployment, its ReplicaSet and their entries,
 * so its (immutable) set is computed once; the result is shared read-only.
 */
const specSets = new WeakMap<object, FieldsV1>();

function fieldSet(field: string, value: unknown): FieldsV1 {
  if (ATOMIC.has(field)) return {};
  if (field === 'spec' && isPlainObject(value)) {
    let set = specSets.get(value);
    if (!set) {
      set = childrenOf(value);
      specSets.set(value, set);
    }
    return set;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return {};
    if (SCALAR_SETS.has(field)) {
      const out: FieldsV1 = { '.': {} };
      for (const v of value) out[`v:${JSON.stringify(v)}`] = {};
      return out;
    }
    const first = value[0];
    const keys = isPlainObject(first) ? keyFieldsFor(field, first) : undefined;
    if (!keys) return {};
    const out: FieldsV1 = NO_SELF.has(field) ? {} : { '.': {} };
    for (const item of value as Array<Record<string, unknown>>) out[itemKey(keys, item)] = ATOMIC_ITEMS.has(field) ? {} : { '.': {}, ...childrenOf(item) };
    return out;
  }
  if (isPlainObject(value)) {
    const children = childrenOf(value);
    if (Object.keys(children).length === 0) return {};
    return NO_SELF.has(field) ? children : { '.': {}, ...children };
  }
  return {};
}

function childrenOf(obj: Record<string, unknown>): FieldsV1 {
  const out: FieldsV1 = {};
  for (const k of Object.keys(obj).sort()) {
    const v = obj[k];
    if (v === undefined) continue;
    out[`f:${k}`] = fieldSet(k, v);
  }
  return out;
}

/**
 * The FieldsV1 set a manager owns after writing `fields` (a partial object with
 * the top-level fields it set, e.g. `{ metadata: { labels }, spec }`).
 */
export function fieldsV1Of(fields: Record<string, unknown>): FieldsV1 {
  return childrenOf(fields);
}

export function managedEntry(manager: string, apiVersion: string, time: string, fieldsV1: FieldsV1, options: { subresource?: string; operation?: 'Update' | 'Apply' } = {}): ManagedFieldsEntry {
  const e: ManagedFieldsEntry = { manager, operation: options.operation ?? 'Update', apiVersion, time, fieldsType: 'FieldsV1', fieldsV1 };
  if (options.subresource) e.subresource = options.subresource;
  return e;
}

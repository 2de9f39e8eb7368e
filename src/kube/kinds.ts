/**
 * The resource kinds kubeatlas knows without discovery, and helpers to name
 * them. A KindInfo identifies a collection on the wire: group/version/plural.
 */

export interface KindInfo {
  /** "" for the core group. */
  group: string;
  version: string;
  kind: string;
  /** Lower-case plural used in URLs, e.g. "pods". */
  plural: string;
  namespaced: boolean;
  shortNames?: readonly string[];
}

/** "v1" for core, "apps/v1" otherwise. */
export function apiVersionOf(k: Pick<KindInfo, 'group' | 'version'>): string {
  return k.group === '' ? k.version : `${k.group}/${k.version}`;
}

/** Stable key of a kind, independent of version: "Pod", "apps/Deployment", "events.k8s.io/Event". */
export function kindKey(k: Pick<KindInfo, 'group' | 'kind'>): string {
  return k.group === '' ? k.kind : `${k.group}/${k.kind}`;
}

/** Splits an apiVersion ("apps/v1", "v1") into group and version. */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/**
 * URL path of a collection: /api/v1/pods, /api/v1/namespaces/ns/pods,
 * /apis/apps/v1/namespaces/ns/deployments. `namespace` only for namespaced kinds.
 */
export function collectionPath(k: KindInfo, namespace?: string): string {
  const base = k.group === '' ? `/api/${k.version}` : `/apis/${k.group}/${k.version}`;
  return namespace && k.namespaced ? `${base}/namespaces/${encodeURIComponent(namespace)}/${k.plural}` : `${base}/${k.plural}`;
}

/** URL path of one object. */
export function objectPath(k: KindInfo, name: string, namespace?: string): string {
  return `${collectionPath(k, namespace)}/${encodeURIComponent(name)}`;
}

const kinds = (group: string, version: string, list: Array<[kind: string, plural: string, namespaced: boolean, shortNames?: string[]]>): KindInfo[] =>
  list.map(([kind, plural, namespaced, shortNames]) => ({ group, version, kind, plural, namespaced, ...(shortNames ? { shortNames } : {}) }));

/**
 * The built-in set kubeatlas watches by default (issue: "Kinds: a built-in set").
 * Core events are watched through core/v1 (every server has it); events.k8s.io/v1
 * is known for discovery and naming but not watched twice by default.
 */
export const BUILTIN_KINDS: readonly KindInfo[] = Object.freeze([
  ...kinds('', 'v1', [
    ['Namespace', 'namespaces', false, ['ns']],
    ['Node', 'nodes', false, ['no']],
    ['Pod', 'pods', true, ['po']],
    ['Service', 'services', true, ['svc']],
    ['ConfigMap', 'configmaps', true, ['cm']],
    ['Secret', 'secrets', true],
    ['ServiceAccount', 'serviceaccounts', true, ['sa']],
    ['PersistentVolumeClaim', 'persistentvolumeclaims', true, ['pvc']],
    ['PersistentVolume', 'persistentvolumes', false, ['pv']],
    ['Event', 'events', true, ['ev']],
  ]),
  ...kinds('discovery.k8s.io', 'v1', [['EndpointSlice', 'endpointslices', true]]),
  ...kinds('storage.k8s.io', 'v1', [['StorageClass', 'storageclasses', false, ['sc']]]),
  ...kinds('apps', 'v1', [
    ['Deployment', 'deployments', true, ['deploy']],
    ['ReplicaSet', 'replicasets', true, ['rs']],
    ['StatefulSet', 'statefulsets', true, ['sts']],
    ['DaemonSet', 'daemonsets', true, ['ds']],
  ]),
  ...kinds('batch', 'v1', [
    ['Job', 'jobs', true],
    ['CronJob', 'cronjobs', true, ['cj']],
  ]),
  ...kinds('networking.k8s.io', 'v1', [
    ['Ingress', 'ingresses', true, ['ing']],
    ['NetworkPolicy', 'networkpolicies', true, ['netpol']],
  ]),
  ...kinds('autoscaling', 'v2', [['HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, ['hpa']]]),
  ...kinds('policy', 'v1', [['PodDisruptionBudget', 'poddisruptionbudgets', true, ['pdb']]]),
  ...kinds('rbac.authorization.k8s.io', 'v1', [
    ['Role', 'roles', true],
    ['RoleBinding', 'rolebindings', true],
    ['ClusterRole', 'clusterroles', false],
    ['ClusterRoleBinding', 'clusterrolebindings', false],
  ]),
]);

/**
 * Finds a kind by any name a user may type: "Pod", "pods", "po",
 * "apps/v1/Deployment", "apps/Deployment", "deployments.apps". Case-insensitive
 * for kind names and plurals. Returns every match (a bare "Event" may be ambiguous
 * when both core and events.k8s.io are known; callers decide).
 */
export function resolveKindName(name: string, known: readonly KindInfo[] = BUILTIN_KINDS): KindInfo[] {
  const n = name.trim();
  if (!n) return [];
  const parts = n.split('/');
  if (parts.length === 3) {
    const [group, version, kind] = parts;
    return known.filter((k) => k.group === group && k.version === version && eqi(k.kind, kind));
  }
  if (parts.length === 2) {
    const [a, b] = parts;
    // "v1/Pod" (core group/version) or "apps/Deployment" (group/kind)
    const byVersion = known.filter((k) => k.group === '' && k.version === a && eqi(k.kind, b));
    if (byVersion.length) return byVersion;
    return known.filter((k) => k.group === a && (eqi(k.kind, b) || eqi(k.plural, b)));
  }
  const dot = n.indexOf('.');
  if (dot > 0) {
    const plural = n.slice(0, dot);
    const group = n.slice(dot + 1);
    const byGroup = known.filter((k) => k.group === group && (eqi(k.plural, plural) || eqi(k.kind, plural)));
    if (byGroup.length) return byGroup;
  }
  return known.filter((k) => eqi(k.kind, n) || eqi(k.plural, n) || (k.shortNames ?? []).some((s) => eqi(s, n)));
}

function eqi(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

import type { KubeObject } from '../../../src/kube/types.js';
import { captured } from './fixtures.js';
import type { Prng } from './prng.js';

/**
 * A small, dense universe of related objects for randomized tests: a few
 * names per kind in two namespaces, so that random changes keep hitting the
 * same targets. Bodies start from objects captured on the real apiserver and
 * get random labels, selectors, owners, volumes and references.
 */

const NAMESPACES = ['demo', 'prod'];
const APPS = ['web', 'db', 'api'];
const TIERS = ['frontend', 'backend'];

export interface Slot {
  /** Stable identity: kind/namespace/name. */
  key: string;
  kind: string;
  namespace: string;
  name: string;
}

export type UidOf = (kind: string, namespace: string, name: string) => string;

const slots: Slot[] = [];
const slot = (kind: string, namespace: string, name: string) => slots.push({ key: `${kind}/${namespace}/${name}`, kind, namespace, name });
for (const n of ['node-a', 'node-b']) slot('Node', '', n);
for (const n of ['pv-1', 'pv-2']) slot('PersistentVolume', '', n);
slot('StorageClass', '', 'standard');
slot('ClusterRole', '', 'view');
slot('ClusterRoleBinding', '', 'viewers');
for (const ns of NAMESPACES) {
  for (const n of ['cfg-1', 'cfg-2']) slot('ConfigMap', ns, n);
  for (const n of ['sec-1', 'sec-2']) slot('Secret', ns, n);
  for (const n of ['default', 'app-sa']) slot('ServiceAccount', ns, n);
  for (const n of ['claim-1', 'claim-2']) slot('PersistentVolumeClaim', ns, n);
  for (const n of ['web', 'api']) slot('Deployment', ns, n);
  for (const n of ['web-1', 'web-2', 'api-1']) slot('ReplicaSet', ns, n);
  for (const n of ['p-1', 'p-2', 'p-3', 'p-4', 'p-5', 'p-6']) slot('Pod', ns, n);
  for (const n of ['svc-1', 'svc-2', 'svc-3']) slot('Service', ns, n);
  slot('PodDisruptionBudget', ns, 'pdb');
  slot('NetworkPolicy', ns, 'np');
  slot('EndpointSlice', ns, 'svc-1-abcde');
  slot('Ingress', ns, 'ing');
  slot('HorizontalPodAutoscaler', ns, 'hpa');
  slot('Role', ns, 'reader');
  slot('RoleBinding', ns, 'readers');
  slot('Event', ns, 'ev-1');
  slot('Event', ns, 'ev-2');
}

export const UNIVERSE: readonly Slot[] = slots;

function labels(rng: Prng): Record<string, string> {
  const l: Record<string, string> = {};
  if (rng.chance(0.85)) l.app = rng.pick(APPS);
  if (rng.chance(0.5)) l.tier = rng.pick(TIERS);
  if (rng.chance(0.2)) l.canary = 'true';
  return l;
}

function matchLabels(rng: Prng): Record<string, string> {
  const l: Record<string, string> = {};
  if (rng.chance(0.8)) l.app = rng.pick(APPS);
  if (rng.chance(0.3)) l.tier = rng.pick(TIERS);
  return l;
}

function labelSelector(rng: Prng): Record<string, unknown> | undefined {
  switch (rng.int(5)) {
    case 0:
      return undefined;
    case 1:
      return {};
    case 2:
      return { matchExpressions: [{ key: 'tier', operator: 'Exists' }] };
    case 3:
      return { matchExpressions: [{ key: 'canary', operator: 'DoesNotExist' }], matchLabels: rng.chance(0.5) ? { app: rng.pick(APPS) } : undefined };
    default:
      return { matchLabels: matchLabels(rng) };
  }
}

/** An owner reference to `name`, with its current uid, or (owner deleted, or never created) a uid that matches nothing. */
function ownerRef(rng: Prng, uidOf: UidOf, kind: string, apiVersion: string, namespace: string, name: string) {
  return { apiVersion, kind, name, uid: rng.chance(0.9) ? uidOf(kind, namespace, name) : `gone-${rng.int(1000)}`, controller: true };
}

function podSpec(rng: Prng, ns: string): Record<string, unknown> {
  const volumes: unknown[] = [];
  if (rng.chance(0.6)) volumes.push({ name: 'cfg', configMap: { name: rng.pick(['cfg-1', 'cfg-2', 'cfg-missing']) } });
  if (rng.chance(0.4)) volumes.push({ name: 'sec', secret: { secretName: rng.pick(['sec-1', 'sec-2']) } });
  if (rng.chance(0.3)) volumes.push({ name: 'data', persistentVolumeClaim: { claimName: rng.pick(['claim-1', 'claim-2']) } });
  if (rng.chance(0.3)) volumes.push({ name: 'proj', projected: { sources: [{ configMap: { name: rng.pick(['cfg-1', 'cfg-2']) } }, { secret: { name: 'sec-2' } }] } });
  const env = rng.chance(0.5) ? [{ name: 'X', valueFrom: { secretKeyRef: { name: rng.pick(['sec-1', 'sec-2']), key: 'k' } } }] : undefined;
  const spec: Record<string, unknown> = {
    volumes,
    containers: [{ name: 'main', image: 'busybox:1.36', ...(env ? { env } : {}), ...(rng.chance(0.3) ? { envFrom: [{ configMapRef: { name: 'cfg-2' } }] } : {}) }],
  };
  if (rng.chance(0.7)) spec.serviceAccountName = rng.pick(['default', 'app-sa']);
  if (rng.chance(0.2)) spec.imagePullSecrets = [{ name: 'sec-1' }];
  void ns;
  return spec;
}

/** A random body for a slot; `uid` is the object's own uid, `uidOf` gives the current uids of others. */
export function randomObject(rng: Prng, s: Slot, uid: string, uidOf: UidOf): KubeObject {
  const meta = (extra: Record<string, unknown> = {}) => ({ name: s.name, ...(s.namespace ? { namespace: s.namespace } : {}), uid, ...extra });
  const ns = s.namespace;
  switch (s.kind) {
    case 'Node':
      return { ...captured('node-a'), metadata: meta({ labels: { 'kubernetes.io/hostname': s.name } }) };
    case 'PersistentVolume': {
      const pv = captured('persistentvolume-pv-0001');
      const claimNs = rng.pick(NAMESPACES);
      const claim = rng.pick(['claim-1', 'claim-2']);
      const spec = { ...(pv.spec as object), storageClassName: rng.chance(0.8) ? 'standard' : '', claimRef: rng.chance(0.7) ? { kind: 'PersistentVolumeClaim', namespace: claimNs, name: claim, uid: uidOf('PersistentVolumeClaim', claimNs, claim) } : undefined };
      return { ...pv, metadata: meta(), spec };
    }
    case 'StorageClass':
      return { ...captured('storageclass-standard'), metadata: meta() };
    case 'ClusterRole':
      return { ...captured('clusterrole-monitoring.aggregated'), metadata: meta() };
    case 'ClusterRoleBinding':
      return { ...captured('clusterrolebinding-monitoring'), metadata: meta(), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'ServiceAccount', name: 'app-sa', namespace: rng.pick(NAMESPACES) }] };
    case 'ConfigMap':
      return { ...captured('configmap-web-config'), metadata: meta({ labels: labels(rng) }) };
    case 'Secret':
      return { ...captured('secret-web-secret'), metadata: meta() };
    case 'ServiceAccount':
      return { ...captured('serviceaccount-web-sa'), metadata: meta(), imagePullSecrets: [{ name: 'sec-1' }] };
    case 'PersistentVolumeClaim': {
      const pvc = captured('persistentvolumeclaim-data-claim');
      return { ...pvc, metadata: meta(), spec: { ...(pvc.spec as object), volumeName: rng.chance(0.6) ? rng.pick(['pv-1', 'pv-2']) : undefined } };
    }
    case 'Deployment': {
      const d = captured('deployment-web');
      return { ...d, metadata: meta({ labels: labels(rng) }), spec: { selector: { matchLabels: { app: s.name } }, template: { metadata: { labels: labels(rng) }, spec: podSpec(rng, ns) } } };
    }
    case 'ReplicaSet': {
      const rs = captured('replicaset-web-f77c755dc');
      const dep = s.name.startsWith('web') ? 'web' : 'api';
      return {
        ...rs,
        metadata: meta({ labels: labels(rng), ownerReferences: rng.chance(0.9) ? [ownerRef(rng, uidOf, 'Deployment', 'apps/v1', ns, dep)] : undefined }),
        spec: { template: { metadata: { labels: labels(rng) }, spec: podSpec(rng, ns) } },
      };
    }
    case 'Pod': {
      const pod = captured('pod-runner');
      const owner = rng.int(4);
      const ownerReferences =
        owner === 0 ? undefined : [ownerRef(rng, uidOf, 'ReplicaSet', 'apps/v1', ns, rng.pick(['web-1', 'web-2', 'api-1'])), ...(owner === 3 ? [ownerRef(rng, uidOf, 'Deployment', 'apps/v1', ns, 'api')] : [])];
      const spec = { ...podSpec(rng, ns), ...(rng.chance(0.7) ? { nodeName: rng.pick(['node-a', 'node-b', 'node-gone']) } : {}) };
      return { ...pod, metadata: meta({ labels: labels(rng), ownerReferences }), spec, status: { phase: rng.pick(['Pending', 'Running']) } };
    }
    case 'Service': {
      const svc = captured('service-web');
      const selector = rng.chance(0.15) ? undefined : matchLabels(rng);
      return { ...svc, metadata: meta(), spec: { ...(svc.spec as object), selector, type: rng.chance(0.1) ? 'ExternalName' : 'ClusterIP' } };
    }
    case 'PodDisruptionBudget': {
      const pdb = captured('poddisruptionbudget-web');
      return { ...pdb, metadata: meta(), spec: { minAvailable: 1, selector: labelSelector(rng) } };
    }
    case 'NetworkPolicy': {
      const np = captured('networkpolicy-web-allow-frontend');
      return { ...np, metadata: meta(), spec: { ...(np.spec as object), podSelector: labelSelector(rng) ?? {} } };
    }
    case 'EndpointSlice': {
      const es = captured('endpointslice-runner-4jj2g');
      const pods = rng.some(['p-1', 'p-2', 'p-3', 'p-4'], 0.5);
      return {
        ...es,
        metadata: meta({ ownerReferences: [ownerRef(rng, uidOf, 'Service', 'v1', ns, 'svc-1')] }),
        endpoints: pods.length ? pods.map((p) => ({ addresses: ['10.0.0.1'], targetRef: { kind: 'Pod', namespace: ns, name: p, ...(rng.chance(0.8) ? { uid: uidOf('Pod', ns, p) } : {}) } })) : null,
      };
    }
    case 'Ingress': {
      const ing = captured('ingress-web');
      const backend = (name: string) => ({ service: { name, port: { number: 80 } } });
      return { ...ing, metadata: meta(), spec: { defaultBackend: rng.chance(0.5) ? backend('svc-3') : undefined, rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend(rng.pick(['svc-1', 'svc-2', 'svc-9'])) }] } }] } };
    }
    case 'HorizontalPodAutoscaler': {
      const hpa = captured('horizontalpodautoscaler-web.autoscaling-v2');
      return { ...hpa, metadata: meta(), spec: { ...(hpa.spec as object), scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: rng.pick(['web', 'api']) } } };
    }
    case 'Role':
      return { ...captured('role-pod-reader'), metadata: meta() };
    case 'RoleBinding':
      return {
        ...captured('rolebinding-read-pods'),
        metadata: meta(),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: rng.pick(['Role', 'ClusterRole']), name: rng.pick(['reader', 'view']) },
        subjects: [{ kind: 'ServiceAccount', name: rng.pick(['default', 'app-sa']) }],
      };
    case 'Event': {
      const ev = captured('event-core-created-via-core.core-v1');
      const target = rng.pick(['p-1', 'p-2', 'p-3']);
      return { ...ev, metadata: meta(), involvedObject: { kind: 'Pod', namespace: ns, name: target, uid: uidOf('Pod', ns, target), apiVersion: 'v1' } };
    }
    default:
      throw new Error(`universe: unhandled kind ${s.kind}`);
  }
}

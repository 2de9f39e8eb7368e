import type { KubeObject } from '../../kube/types.js';
import type { SimStore } from '../types.js';
import { clusterIndexOf } from '../controllers/clusterIndex.js';
import { AppGenerator, type NamespaceInfo } from './apps.js';
import { buildNodeLease, clusterBirth, generateNode, kubeProxyTemplate, storeHasKind } from './bootstrap.js';
import { ENVIRONMENTS, PLATFORM_DAEMONSETS, TEAMS } from './catalog.js';
import { buildRole, buildRoleBinding, buildSecret, fakeDockerConfig } from './config.js';
import { controllerRef, type GenContext } from './context.js';
import { buildNamespace, caBundlePlaceholder, namespaceDefaults } from './core.js';
import { daemonPod, daemonSetWithPods } from './daemons.js';
import { ClusterLayout, layoutNodeOf } from './layout.js';
import { buildNetworkPolicy, buildService, MANAGED_BY_LABEL, SERVICE_NAME_LABEL } from './networking.js';
import { managedEntry } from './managedFields.js';
import { meta } from './context.js';
import { isoSeconds } from './time.js';
import { Rng } from './random.js';
import { daemonTemplate } from './templates.js';
import { DAY, HOUR, MINUTE } from './time.js';
import { daemonSetStatus } from './workloads.js';

/**
 * The generated workload of a simulated cluster: team namespaces full of
 * applications, platform DaemonSets, and enough nodes to run it all
 * (about one node per 30 pods). About `objects` objects in total, pods
 * making up roughly two thirds, as in real clusters.
 */

export interface WorkloadOptions {
  clusterName: string;
  seed: number;
  objects: number;
  /** Epoch ms the workload's history ends at (default: now). */
  now?: number;
}

export interface ExistingCluster {
  /** Nodes already in the store (from bootstrap). */
  nodes: KubeObject[];
  /** kube-system/kube-proxy, to extend to added nodes. */
  kubeProxy?: KubeObject;
  /** Optional kinds the store serves ("coordination.k8s.io/Lease"). */
  hasKind(ref: string): boolean;
  /** Names of the pods already in kube-system (new kube-proxy pods must not collide). */
  systemPodNames?: readonly string[];
  /** The cluster's CA bundle (as published in kube-root-ca.crt), for the namespaces the workload adds. */
  caPem?: string;
}

export interface WorkloadStats {
  objects: number;
  byKind: Record<string, number>;
  nodes: number;
}

/** Pods per node the generator aims at. */
const PODS_PER_NODE = 30;
/** Share of objects that are pods. */
const POD_SHARE = 0.64;

/** Generates the workload through `emit` (pure: no store access). */
export function generateWorkload(opts: WorkloadOptions, existing: ExistingCluster, emit: (kind: string, obj: KubeObject) => void): WorkloadStats {
  const target = Math.max(0, Math.floor(opts.objects));
  const byKind: Record<string, number> = {};
  let count = 0;
  const counted = (kind: string, obj: KubeObject): void => {
    count++;
    byKind[kind] = (byKind[kind] ?? 0) + 1;
    emit(kind, obj);
  };
  const now = opts.now ?? Date.now();
  const rng = new Rng(opts.seed, 2);
  const ctx: GenContext = { rng, now, clusterName: opts.clusterName, emit: counted };
  const layout = new ClusterLayout(rng);
  for (const n of existing.nodes) layout.addNode(layoutNodeOf(n));
  const born = clusterBirth(opts.seed, now);
  if (target === 0) return { objects: 0, byKind, nodes: layout.nodes.length };

  // Nodes: ~1 per 30 pods; pods on added nodes include kube-proxy (and platform daemons below).
  const platform = target >= 400;
  const wantedNodes = Math.max(existing.nodes.length, Math.round((target * POD_SHARE) / PODS_PER_NODE));
  const proxyUid = existing.kubeProxy?.metadata.uid as string | undefined;
  const proxyTemplate = kubeProxyTemplate();
  const proxyOwner = proxyUid ? controllerRef('apps/v1', 'DaemonSet', 'kube-proxy', proxyUid) : undefined;
  const systemPods = new Set(existing.systemPodNames ?? []);
  for (let index = layout.nodes.length; index < wantedNodes; index++) {
    const ready = !(index >= 8 && rng.chance(1 / 60));
    const created = born + rng.int(1, Math.max(1, Math.floor((now - born) / DAY))) * DAY - rng.int(0, 23) * HOUR;
    const { node, layout: ln } = generateNode({ clusterName: opts.clusterName, index, created: Math.min(created, now - HOUR), now, ready, rng });
    counted('Node', node);
    layout.addNode(ln);
    if (existing.hasKind('coordination.k8s.io/Lease')) counted('coordination.k8s.io/Lease', buildNodeLease(ln.name, node.metadata.uid as string, rng.uuid(), created + 1_000, ready ? now - rng.int(1, 9) * 1000 : now - rng.int(5, 60) * MINUTE));
    if (proxyOwner) counted('Pod', daemonPod({ namespace: 'kube-system', name: 'kube-proxy', template: proxyTemplate }, proxyOwner, ln, rng, created + 30_000, layout.place(ln, true), systemPods));
  }

  const caPem = existing.caPem ?? caBundlePlaceholder(opts.clusterName, new Rng(opts.seed, 4));
  const newNamespace = (name: string, created: number, labels: Record<string, string>): void => {
    counted('Namespace', buildNamespace({ name, uid: rng.uuid(), created, labels, manager: 'kubectl-create' }));
    for (const obj of namespaceDefaults(name, created, rng, caPem)) counted(obj.kind as string, obj);
  };

  // Platform namespaces: node agents on every node.
  if (platform) {
    const created = born + 2 * HOUR;
    const platformNs = [...new Set<string>(PLATFORM_DAEMONSETS.map((d) => d.namespace))].filter((n) => n !== 'kube-system');
    for (const ns of platformNs) newNamespace(ns, created, { 'app.kubernetes.io/managed-by': 'Helm', team: 'platform' });
    for (const d of PLATFORM_DAEMONSETS) {
      const labels = { 'app.kubernetes.io/name': d.name, 'app.kubernetes.io/instance': d.name, 'app.kubernetes.io/managed-by': 'Helm' };
      const selector = { 'app.kubernetes.io/name': d.name, 'app.kubernetes.io/instance': d.name };
      const template = daemonTemplate(d.name, d.image, d.port, d.portName, selector, { hostPaths: d.name === 'fluent-bit' ? [['varlog', '/var/log']] : d.name === 'node-exporter' ? [['proc', '/proc'], ['sys', '/sys']] : [] });
      for (const obj of daemonSetWithPods({ namespace: d.namespace, name: d.name, uid: rng.uuid(), created: created + HOUR, labels, selector, template }, layout.nodes, rng, (n, h) => layout.place(n, h))) counted(obj.kind === 'DaemonSet' ? 'apps/DaemonSet' : 'Pod', obj);
    }
  }

  // Team namespaces: ~1 per 900 objects, each a team's environment.
  const apps = new AppGenerator(ctx, layout, new Rng(opts.seed, 3));
  /** A Service without selector for a database outside the cluster, with a hand-made EndpointSlice. */
  const externalService = (ns: NamespaceInfo, created: number): void => {
    const name = `${ns.team}-external-db`;
    ns.used.add(name);
    const svcUid = rng.uuid();
    const labels = { team: ns.team, 'app.kubernetes.io/name': name };
    counted('Service', buildService({ namespace: ns.name, name, uid: svcUid, created, labels, ports: [{ name: 'postgres', port: 5432, targetPort: 5432 }], clusterIP: layout.serviceIp() }));
    counted('discovery.k8s.io/EndpointSlice', {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: meta({ name, namespace: ns.name, uid: rng.uuid(), generation: 1, created, labels: { [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: 'staff' }, managedFields: [managedEntry('kubectl-client-side-apply', 'discovery.k8s.io/v1', isoSeconds(created), { 'f:addressType': {}, 'f:endpoints': {}, 'f:metadata': { 'f:labels': { '.': {}, [`f:${SERVICE_NAME_LABEL}`]: {}, [`f:${MANAGED_BY_LABEL}`]: {} } }, 'f:ports': {} })] }),
      addressType: 'IPv4',
      endpoints: [{ addresses: [`10.20.${rng.int(0, 255)}.${rng.int(1, 254)}`], conditions: { ready: true } }],
      ports: [{ name: 'postgres', protocol: 'TCP', port: 5432 }],
    });
  };

  const nsCount = Math.max(1, Math.min(400, Math.round(target / 900)));
  const namespaces: NamespaceInfo[] = [];
  for (let i = 0; i < nsCount; i++) {
    const team = TEAMS[i % TEAMS.length];
    const env = ENVIRONMENTS[Math.floor(i / TEAMS.length) % ENVIRONMENTS.length];
    const round = Math.floor(i / (TEAMS.length * ENVIRONMENTS.length));
    const name = round ? `${team}-${env}-${round + 1}` : `${team}-${env}`;
    const created = Math.min(now - DAY, born + rng.int(1, 60) * DAY);
    newNamespace(name, created, { team, environment: env, 'istio-injection': rng.chance(0.3) ? 'enabled' : 'disabled' });
    counted('Secret', buildSecret({ namespace: name, name: 'regcred', uid: rng.uuid(), created: created + MINUTE, type: 'kubernetes.io/dockerconfigjson', data: fakeDockerConfig(team) }));
    counted('rbac.authorization.k8s.io/Role', buildRole({ namespace: name, name: `${team}-developer`, uid: rng.uuid(), created: created + MINUTE, labels: { team }, rules: [{ verbs: ['get', 'list', 'watch'], apiGroups: ['', 'apps', 'batch'], resources: ['pods', 'pods/log', 'deployments', 'replicasets', 'jobs', 'cronjobs', 'configmaps', 'services'] }, { verbs: ['create'], apiGroups: [''], resources: ['pods/portforward'] }] }));
    counted(
      'rbac.authorization.k8s.io/RoleBinding',
      buildRoleBinding({ namespace: name, name: `${team}-developers`, uid: rng.uuid(), created: created + MINUTE, labels: { team }, subjects: [{ kind: 'Group', name: `${team}-devs` }, { kind: 'User', name: `${team}-lead@example.com` }, { kind: 'ServiceAccount', name: 'default', namespace: name }], roleRef: { kind: 'Role', name: `${team}-developer` } }),
    );
    counted('rbac.authorization.k8s.io/RoleBinding', buildRoleBinding({ namespace: name, name: `${team}-admins`, uid: rng.uuid(), created: created + MINUTE, labels: { team }, subjects: [{ kind: 'Group', name: `${team}-admins` }], roleRef: { kind: 'ClusterRole', name: 'admin' } }));
    if (rng.chance(0.5)) counted('networking.k8s.io/NetworkPolicy', buildNetworkPolicy({ namespace: name, name: 'default-deny-ingress', uid: rng.uuid(), created: created + MINUTE, podSelector: {}, denyAll: true }));
    if (i < 40 && rng.chance(0.5)) counted('rbac.authorization.k8s.io/ClusterRoleBinding', buildRoleBinding({ name: `${name}-viewers`, uid: rng.uuid(), created: created + MINUTE, labels: { team }, subjects: [{ kind: 'Group', name: `${team}-devs` }], roleRef: { kind: 'ClusterRole', name: 'view' } }));
    const info: NamespaceInfo = { name, team, env, created, pullSecret: 'regcred', used: new Set() };
    if (rng.chance(0.25)) externalService(info, created + HOUR);
    namespaces.push(info);
  }

  // Applications until the budget is (almost) spent.
  const budget = target;
  let turn = 0;
  while (count < budget - 8) {
    const ns = namespaces[turn++ % namespaces.length];
    const left = budget - count;
    const maxReplicas = Math.max(1, Math.min(60, Math.floor(left / 3)));
    const kind = left < 20 ? 'deployment' : rng.weighted([['deployment', 82], ['stateful', 6], ['cron', 12]] as const);
    if (kind === 'deployment') apps.deploymentApp(ns, maxReplicas);
    else if (kind === 'stateful') apps.statefulApp(ns, maxReplicas);
    else apps.cronApp(ns);
  }
  // Top up with events about running pods.
  while (count < budget) {
    const p = apps.samplePod();
    if (!p) break;
    const at = now - rng.int(1, 55) * MINUTE;
    apps.event(p.namespace, { kind: 'Pod', namespace: p.namespace, name: p.name, uid: p.uid, apiVersion: 'v1', fieldPath: `spec.containers{${p.container}}` }, 'Pulled', `Container image "${p.image}" already present on machine`, 'Normal', 'kubelet', p.node, at);
  }
  return { objects: count, byKind, nodes: layout.nodes.length };
}

/** Loads about `objects` objects of a realistic workload into the store. Deterministic for a seed. */
export function seedWorkload(store: SimStore, opts: { clusterName: string; seed: number; objects: number; now?: number }): void {
  if (!(opts.objects > 0)) return;
  const nodes = store.list('Node');
  const kubeProxy = store.get('apps/DaemonSet', 'kube-system', 'kube-proxy');
  const BATCH = 2000;
  let batch: Array<{ kind: string; object: KubeObject }> = [];
  const index = clusterIndexOf(store);
  const flush = (): void => {
    for (const { kind, object } of batch) index.prime(kind, object);
    store.load(batch);
    batch = [];
  };
  const systemPodNames = store.list('Pod', 'kube-system').map((p) => p.metadata.name ?? '');
  const caPem = (store.get('ConfigMap', 'kube-system', 'kube-root-ca.crt')?.data as Record<string, string> | undefined)?.['ca.crt'];
  const stats = generateWorkload(opts, { nodes, kubeProxy, hasKind: (ref) => storeHasKind(store, ref), systemPodNames, caPem }, (kind, object) => {
    batch.push({ kind, object });
    if (batch.length >= BATCH) flush();
  });
  if (batch.length) flush();
  if (kubeProxy && stats.nodes > nodes.length) {
    const readyNodes = store.list('Node').filter((n) => (n.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
    store.mutate('apps/DaemonSet', 'kube-system', 'kube-proxy', (ds) => {
      ds.status = daemonSetStatus((ds.metadata.generation as number | undefined) ?? 1, stats.nodes, { replicas: stats.nodes, ready: readyNodes });
    }, 'kube-controller-manager');
  }
  index.endPriming();
}

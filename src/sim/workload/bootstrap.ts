import type { KubeObject } from '../../kube/types.js';
import type { SimStore } from '../types.js';
import { clusterIndexOf } from '../controllers/clusterIndex.js';
import { buildClusterRbac } from './rbac.js';
import { buildConfigMap, buildServiceAccount } from './config.js';
import { controllerRef, type GenContext } from './context.js';
import { buildNamespace, caBundlePlaceholder, kindRefOf, namespaceDefaults } from './core.js';
import { daemonSetWithPods } from './daemons.js';
import { ClusterLayout, type LayoutNode } from './layout.js';
import { buildEndpointSlice, buildService } from './networking.js';
import { buildNode, nodeIpOf } from './nodes.js';
import { podTemplateHash } from './podTemplateHash.js';
import { buildPod, type PodTemplate } from './pods.js';
import { Rng } from './random.js';
import { buildStorageClass, DEFAULT_STORAGE_CLASS } from './storage.js';
import { daemonTemplate } from './templates.js';
import { DAY, MINUTE, isoMicros } from './time.js';
import { buildDeployment, buildReplicaSet, deploymentStatus, replicaSetAnnotations, replicaSetStatus } from './workloads.js';
import { isoSeconds } from './time.js';
import { meta } from './context.js';
import { managedEntry } from './managedFields.js';

/**
 * The objects a freshly installed cluster has before anyone deploys
 * anything: system namespaces, three nodes, default ServiceAccounts and CA
 * bundles, the `kubernetes` Service, a default StorageClass, bootstrap RBAC,
 * CoreDNS and kube-proxy.
 */

export const BOOTSTRAP_NODE_COUNT = 3;
const ZONES = ['a', 'b', 'c'] as const;
export const REGION = 'europe-west1';

/** When the simulated cluster was created: 20-400 days before `now`, fixed by the seed. */
export function clusterBirth(seed: number, now: number): number {
  return now - new Rng(seed, 99).int(20, 400) * DAY;
}

export interface NodeOptions {
  clusterName: string;
  index: number;
  created: number;
  now: number;
  ready: boolean;
  rng: Rng;
  pool?: string;
}

/** One node of the cluster, with its name derived from cluster, pool and index. */
export function generateNode(o: NodeOptions): { node: KubeObject; layout: LayoutNode } {
  const pool = o.pool ?? (o.index % 5 === 4 ? 'highmem-pool' : 'default-pool');
  const zone = `${REGION}-${ZONES[o.index % 3]}`;
  const groupHash = new Rng(o.index >> 6, 3).hex(8);
  const name = `gke-${o.clusterName}-${pool}-${groupHash}-${o.rng.nameSuffix(4)}`;
  const highmem = pool === 'highmem-pool';
  const node = buildNode({
    name,
    uid: o.rng.uuid(),
    created: o.created,
    index: o.index,
    zone,
    region: REGION,
    pool,
    instanceType: highmem ? 'n2-highmem-8' : 'e2-standard-8',
    cpu: 8,
    memoryKi: highmem ? 65_842_088 : 32_880_304,
    ready: o.ready,
    heartbeat: o.ready ? o.now - o.rng.int(1, 40) * 1000 : o.now - o.rng.int(5, 90) * MINUTE,
    images: NODE_IMAGES,
    rng: o.rng,
  });
  return { node, layout: { name, ip: nodeIpOf(o.index), zone, index: o.index, ready: o.ready, pods: 0, nextIp: 0 } };
}

const NODE_IMAGES = [
  'registry.k8s.io/kube-proxy:v1.28.7',
  'registry.k8s.io/coredns/coredns:v1.10.1',
  'prom/node-exporter:v1.7.0',
  'fluent/fluent-bit:2.2.2',
  'envoyproxy/envoy:v1.29.1',
  'registry.k8s.io/pause:3.9',
  'registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.10.0',
];

/** A node's Lease in kube-node-lease, renewed by its kubelet. */
export function buildNodeLease(nodeName: string, nodeUid: string, uid: string, created: number, renewed: number): KubeObject {
  return {
    kind: 'Lease',
    apiVersion: 'coordination.k8s.io/v1',
    metadata: meta({
      name: nodeName,
      namespace: 'kube-node-lease',
      uid,
      created,
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: nodeUid }],
      managedFields: [managedEntry('kubelet', 'coordination.k8s.io/v1', isoSeconds(renewed), { 'f:metadata': { 'f:ownerReferences': { '.': {}, [`k:{"uid":"${nodeUid}"}`]: {} } }, 'f:spec': { 'f:holderIdentity': {}, 'f:leaseDurationSeconds': {}, 'f:renewTime': {} } })],
    }),
    spec: { holderIdentity: nodeName, leaseDurationSeconds: 40, renewTime: isoMicros(renewed) },
  };
}

/** The kube-proxy DaemonSet's pod template (shared by bootstrap and the seed when it adds nodes). */
export function kubeProxyTemplate(): PodTemplate {
  const t = daemonTemplate('kube-proxy', 'registry.k8s.io/kube-proxy:v1.28.7', 10256, 'healthz', { 'k8s-app': 'kube-proxy' }, {
    priorityClassName: 'system-node-critical',
    hostPaths: [['lib-modules', '/lib/modules'], ['xtables-lock', '/run/xtables.lock']],
    serviceAccount: 'kube-proxy',
  });
  const c = (t.spec.containers as Array<Record<string, unknown>>)[0];
  c.command = ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf', '--hostname-override=$(NODE_NAME)'];
  c.env = [{ name: 'NODE_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } }];
  c.securityContext = { privileged: true };
  return t;
}

/** Generates the bootstrap objects (pure; `hasKind` tells which optional kinds the store serves). */
export function generateBootstrap(o: { clusterName: string; seed: number; now: number; hasKind: (ref: string) => boolean; emit: GenContext['emit']; caPem?: string }): void {
  const rng = new Rng(o.seed, 1);
  const born = clusterBirth(o.seed, o.now);
  const emit = (obj: KubeObject): void => o.emit(kindRefOf(obj), obj);
  const placeholder = caBundlePlaceholder(o.clusterName, rng);
  const caPem = o.caPem ?? placeholder;

  for (const [i, name] of ['kube-system', 'kube-public', 'kube-node-lease', 'default'].entries()) {
    emit(buildNamespace({ name, uid: rng.uuid(), created: born + i * 10 }));
  }
  for (const name of ['default', 'kube-node-lease', 'kube-public', 'kube-system']) for (const obj of namespaceDefaults(name, born + 60_000, rng, caPem)) emit(obj);

  const layout = new ClusterLayout(rng);
  for (let i = 0; i < BOOTSTRAP_NODE_COUNT; i++) {
    const { node, layout: ln } = generateNode({ clusterName: o.clusterName, index: i, created: born + 30_000 + i * 5_000, now: o.now, ready: true, rng });
    emit(node);
    layout.addNode(ln);
    if (o.hasKind('coordination.k8s.io/Lease')) emit(buildNodeLease(ln.name, node.metadata.uid as string, rng.uuid(), born + 31_000 + i * 5_000, o.now - rng.int(1, 9) * 1000));
  }

  // The apiserver's own Service and its EndpointSlice (managed by the apiserver, not the slice controller).
  const kubernetesSvc = buildService({
    namespace: 'default',
    name: 'kubernetes',
    uid: rng.uuid(),
    created: born,
    labels: { component: 'apiserver', provider: 'kubernetes' },
    ports: [{ name: 'https', port: 443, targetPort: 6443 }],
    clusterIP: '10.96.0.1',
    manager: 'kube-apiserver',
  });
  emit(kubernetesSvc);
  emit({
    kind: 'EndpointSlice',
    apiVersion: 'discovery.k8s.io/v1',
    metadata: meta({
      name: 'kubernetes',
      namespace: 'default',
      uid: rng.uuid(),
      generation: 1,
      created: born,
      labels: { 'kubernetes.io/service-name': 'kubernetes' },
      managedFields: [managedEntry('kube-apiserver', 'discovery.k8s.io/v1', isoSeconds(born), { 'f:addressType': {}, 'f:endpoints': {}, 'f:metadata': { 'f:labels': { '.': {}, 'f:kubernetes.io/service-name': {} } }, 'f:ports': {} })],
    }),
    addressType: 'IPv4',
    endpoints: [{ addresses: ['172.16.0.2'], conditions: { ready: true } }],
    ports: [{ name: 'https', protocol: 'TCP', port: 6443 }],
  });

  emit(buildStorageClass({ name: DEFAULT_STORAGE_CLASS, uid: rng.uuid(), created: born + 120_000, isDefault: true, type: 'pd-balanced' }));
  emit(buildStorageClass({ name: 'premium-rwo', uid: rng.uuid(), created: born + 120_000, isDefault: false, type: 'pd-ssd' }));
  for (const obj of buildClusterRbac(rng, born)) emit(obj);
  if (o.hasKind('scheduling.k8s.io/PriorityClass')) {
    for (const [name, value] of [['system-cluster-critical', 2000000000], ['system-node-critical', 2000001000]] as const) {
      emit({
        kind: 'PriorityClass',
        apiVersion: 'scheduling.k8s.io/v1',
        metadata: meta({ name, uid: rng.uuid(), generation: 1, created: born, managedFields: [managedEntry('kube-apiserver', 'scheduling.k8s.io/v1', isoSeconds(born), { 'f:description': {}, 'f:preemptionPolicy': {}, 'f:value': {} })] }),
        value,
        description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
        preemptionPolicy: 'PreemptLowerPriority',
      });
    }
  }

  // kube-proxy on every node.
  emit(buildServiceAccount({ namespace: 'kube-system', name: 'kube-proxy', uid: rng.uuid(), created: born + 90_000 }));
  emit(buildConfigMap({ namespace: 'kube-system', name: 'kube-proxy', uid: rng.uuid(), created: born + 90_000, labels: { app: 'kube-proxy' }, data: { 'config.conf': 'apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: iptables\nclusterCIDR: 10.244.0.0/14\n' }, manager: 'kubeadm' }));
  const proxyTemplate = kubeProxyTemplate();
  for (const obj of daemonSetWithPods({ namespace: 'kube-system', name: 'kube-proxy', uid: rng.uuid(), created: born + 90_000, labels: { 'k8s-app': 'kube-proxy' }, selector: { 'k8s-app': 'kube-proxy' }, template: proxyTemplate, manager: 'kubeadm' }, layout.nodes, rng, (n, h) => layout.place(n, h))) emit(obj);

  // CoreDNS: ConfigMap, ServiceAccount, Deployment -> ReplicaSet -> 2 pods, Service kube-dns + slice.
  emit(buildServiceAccount({ namespace: 'kube-system', name: 'coredns', uid: rng.uuid(), created: born + 90_000 }));
  emit(buildConfigMap({ namespace: 'kube-system', name: 'coredns', uid: rng.uuid(), created: born + 90_000, data: { Corefile: '.:53 {\n    errors\n    health {\n       lameduck 5s\n    }\n    ready\n    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods insecure\n       fallthrough in-addr.arpa ip6.arpa\n       ttl 30\n    }\n    prometheus :9153\n    forward . /etc/resolv.conf {\n       max_concurrent 1000\n    }\n    cache 30\n    loop\n    reload\n    loadbalance\n}\n' }, manager: 'kubeadm' }));
  const dnsLabels = { 'k8s-app': 'kube-dns' };
  const dnsTemplate: PodTemplate = {
    metadata: { creationTimestamp: null, labels: dnsLabels },
    spec: {
      volumes: [{ name: 'config-volume', configMap: { name: 'coredns', items: [{ key: 'Corefile', path: 'Corefile' }], defaultMode: 420 } }],
      containers: [
        {
          name: 'coredns',
          image: 'registry.k8s.io/coredns/coredns:v1.10.1',
          args: ['-conf', '/etc/coredns/Corefile'],
          ports: [
            { name: 'dns', containerPort: 53, protocol: 'UDP' },
            { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
            { name: 'metrics', containerPort: 9153, protocol: 'TCP' },
          ],
          resources: { limits: { memory: '170Mi' }, requests: { cpu: '100m', memory: '70Mi' } },
          volumeMounts: [{ name: 'config-volume', readOnly: true, mountPath: '/etc/coredns' }],
          livenessProbe: { httpGet: { path: '/health', port: 8080, scheme: 'HTTP' }, initialDelaySeconds: 60, timeoutSeconds: 5, periodSeconds: 10, successThreshold: 1, failureThreshold: 5 },
          readinessProbe: { httpGet: { path: '/ready', port: 8181, scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'IfNotPresent',
        },
      ],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'Default',
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      serviceAccountName: 'coredns',
      serviceAccount: 'coredns',
      securityContext: {},
      schedulerName: 'default-scheduler',
      tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }, { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
      priorityClassName: 'system-cluster-critical',
    },
  };
  const hash = podTemplateHash(dnsTemplate);
  const depUid = rng.uuid();
  const rsUid = rng.uuid();
  const rsName = `coredns-${hash}`;
  const withHash: PodTemplate = { metadata: { ...dnsTemplate.metadata, labels: { ...dnsLabels, 'pod-template-hash': hash } }, spec: dnsTemplate.spec };
  const created = born + 95_000;
  emit(buildReplicaSet({ namespace: 'kube-system', name: rsName, uid: rsUid, created, generation: 1, owner: controllerRef('apps/v1', 'Deployment', 'coredns', depUid), labels: withHash.metadata.labels, annotations: replicaSetAnnotations(2, 1), replicas: 2, selector: { ...dnsLabels, 'pod-template-hash': hash }, template: withHash, status: replicaSetStatus(1, { replicas: 2, ready: 2 }) }));
  const endpoints = [];
  for (let i = 0; i < 2; i++) {
    const node = layout.nodes[i];
    const ip = layout.place(node);
    const name = `${rsName}-${rng.nameSuffix(5)}`;
    const uid = rng.uuid();
    emit(buildPod({ namespace: 'kube-system', name, generateName: `${rsName}-`, uid, created, template: withHash, owner: controllerRef('apps/v1', 'ReplicaSet', rsName, rsUid), node, podIP: ip, state: 'running', startedAt: created + 4_000, tokenVolumeSuffix: rng.nameSuffix(5), rng }));
    endpoints.push({ ip, ready: true, podName: name, podUid: uid, nodeName: node.name, zone: node.zone });
  }
  const at = isoSeconds(created + 20_000);
  emit(buildDeployment({ namespace: 'kube-system', name: 'coredns', uid: depUid, created, updated: created, generation: 1, revision: 1, labels: dnsLabels, replicas: 2, selector: dnsLabels, template: dnsTemplate, status: deploymentStatus({ generation: 1, desired: 2, counts: { replicas: 2, ready: 2, updated: 2 }, newRsName: rsName, at }) }));
  const dnsSvcUid = rng.uuid();
  const dnsSvcLabels = { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' };
  emit(buildService({ namespace: 'kube-system', name: 'kube-dns', uid: dnsSvcUid, created, labels: dnsSvcLabels, selector: dnsLabels, ports: [{ name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, targetPort: 53 }, { name: 'metrics', port: 9153, targetPort: 9153 }], clusterIP: '10.96.0.10', manager: 'kubeadm' }));
  emit(buildEndpointSlice({ namespace: 'kube-system', name: `kube-dns-${rng.nameSuffix(5)}`, uid: rng.uuid(), created, service: { name: 'kube-dns', uid: dnsSvcUid, labels: dnsSvcLabels }, endpoints, ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53 }, { name: 'metrics', port: 9153 }], changed: created + 6_000 }));
}

/** Whether the store serves a kind. */
export function storeHasKind(store: SimStore, ref: string): boolean {
  try {
    store.kind(ref);
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates the objects every fresh cluster has (namespaces, nodes, defaults).
 * Deterministic for a seed. `caPem`: the CA bundle to publish in every
 * namespace's kube-root-ca.crt (a PEM-shaped placeholder when absent);
 * `now`: the end of the generated history (default: the current time).
 */
export function bootstrapCluster(store: SimStore, opts: { clusterName: string; seed: number; now?: number; caPem?: string }): void {
  const batch: Array<{ kind: string; object: KubeObject }> = [];
  generateBootstrap({ clusterName: opts.clusterName, seed: opts.seed, now: opts.now ?? Date.now(), caPem: opts.caPem, hasKind: (ref) => storeHasKind(store, ref), emit: (kind, object) => batch.push({ kind, object }) });
  // Hand the objects to the controllers' index too, so that starting them does not parse the store again.
  const index = clusterIndexOf(store);
  for (const { kind, object } of batch) index.prime(kind, object);
  store.load(batch);
  index.endPriming();
}

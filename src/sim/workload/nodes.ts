import type { KubeObject } from '../../kube/types.js';
import { fullImageName, imageDigest } from './catalog.js';
import { meta, type Labels } from './context.js';
import { fieldsV1Of, managedEntry } from './managedFields.js';
import type { Obj } from './pods.js';
import type { Rng } from './random.js';
import { isoSeconds } from './time.js';

/** Node objects shaped like a real kubelet registers and reports them. */

export interface NodeInput {
  name: string;
  uid: string;
  created: number;
  /** Index in the cluster: picks pod CIDR and internal IP. */
  index: number;
  zone: string;
  region: string;
  pool: string;
  instanceType: string;
  cpu: number;
  memoryKi: number;
  ready: boolean;
  /** Last heartbeat. */
  heartbeat: number;
  images: readonly string[];
  rng: Rng;
  role?: 'control-plane';
}

/** 10.244.0.0/14 split into /24s. */
export function podCidrOf(index: number): string {
  return `10.${244 + ((index >> 8) & 3)}.${index & 255}.0/24`;
}

export function nodeIpOf(index: number): string {
  return `10.128.${(index >> 8) & 255}.${(index & 255) + 2 > 255 ? ((index & 255) + 2) % 256 : (index & 255) + 2}`;
}

/** The n-th pod IP in a node's CIDR (wraps inside .2 - .254). */
export function podIpOf(nodeIndex: number, n: number): string {
  return `10.${244 + ((nodeIndex >> 8) & 3)}.${nodeIndex & 255}.${2 + (n % 253)}`;
}

function nodeCondition(type: string, ok: boolean, heartbeat: string, since: string, reasons: [string, string, string, string]): Obj {
  const [okReason, okMessage, badReason, badMessage] = reasons;
  return { type, status: ok ? (type === 'Ready' ? 'True' : 'False') : 'Unknown', lastHeartbeatTime: heartbeat, lastTransitionTime: since, reason: ok ? okReason : badReason, message: ok ? okMessage : badMessage };
}

export function buildNode(n: NodeInput): KubeObject {
  const labels: Labels = {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/instance-type': n.instanceType,
    'beta.kubernetes.io/os': 'linux',
    'cloud.google.com/gke-nodepool': n.pool,
    'failure-domain.beta.kubernetes.io/region': n.region,
    'failure-domain.beta.kubernetes.io/zone': n.zone,
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': n.name,
    'kubernetes.io/os': 'linux',
    'node.kubernetes.io/instance-type': n.instanceType,
    'topology.gke.io/zone': n.zone,
    'topology.kubernetes.io/region': n.region,
    'topology.kubernetes.io/zone': n.zone,
  };
  if (n.role) labels['node-role.kubernetes.io/control-plane'] = '';
  const annotations: Labels = {
    'csi.volume.kubernetes.io/nodeid': JSON.stringify({ 'pd.csi.storage.gke.io': `projects/sim/zones/${n.zone}/instances/${n.name}` }),
    'node.alpha.kubernetes.io/ttl': '0',
    'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
  };
  const cidr = podCidrOf(n.index);
  const ip = nodeIpOf(n.index);
  const created = isoSeconds(n.created);
  const hb = isoSeconds(n.heartbeat);
  const since = isoSeconds(n.created + 40_000);
  const memory = `${n.memoryKi}Ki`;
  const allocMemory = `${n.memoryKi - 1_200_000}Ki`;
  const spec: Obj = { podCIDR: cidr, podCIDRs: [cidr], providerID: `gce://sim/${n.zone}/${n.name}` };
  if (!n.ready) {
    spec.taints = [
      { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule', timeAdded: hb },
      { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: isoSeconds(n.heartbeat + 5_000) },
    ];
  }
  const pressure = (type: string, okReason: string, okMessage: string): Obj =>
    nodeCondition(type, n.ready, hb, n.ready ? since : hb, [okReason, okMessage, 'NodeStatusUnknown', 'Kubelet stopped posting node status.']);
  const status: Obj = {
    capacity: { cpu: String(n.cpu), 'ephemeral-storage': '101430960Ki', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory, pods: '110' },
    allocatable: { cpu: `${n.cpu * 1000 - 60 - n.cpu * 10}m`, 'ephemeral-storage': '47060071478', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: allocMemory, pods: '110' },
    conditions: [
      pressure('MemoryPressure', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
      pressure('DiskPressure', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
      pressure('PIDPressure', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
      pressure('Ready', 'KubeletReady', 'kubelet is posting ready status. AppArmor enabled'),
    ],
    addresses: [
      { type: 'InternalIP', address: ip },
      { type: 'ExternalIP', address: `34.${100 + ((n.index >> 8) & 63)}.${n.index & 255}.${(n.index * 7) & 255}` },
      { type: 'InternalDNS', address: `${n.name}.c.sim.internal` },
      { type: 'Hostname', address: `${n.name}.c.sim.internal` },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: n.rng.hex(32),
      systemUUID: n.rng.uuid(),
      bootID: n.rng.uuid(),
      kernelVersion: '6.1.75+',
      osImage: 'Container-Optimized OS from Google',
      containerRuntimeVersion: 'containerd://1.7.13',
      kubeletVersion: 'v1.28.7',
      kubeProxyVersion: 'v1.28.7',
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
    images: n.images.map((img, i) => ({ names: [`${fullImageName(img).replace(/:[^:/]+$/, '')}@${imageDigest(img)}`, fullImageName(img)], sizeBytes: 2_000_000 + ((i * 7_919_317 + img.length * 1_234_567) % 400_000_000) })),
  };
  if (!n.ready) (status.conditions as Obj[]).forEach((c) => (c.status = 'Unknown'));
  return {
    kind: 'Node',
    apiVersion: 'v1',
    metadata: meta({
      name: n.name,
      uid: n.uid,
      created: n.created,
      labels,
      annotations,
      managedFields: [
        managedEntry('kubelet', 'v1', created, fieldsV1Of({ metadata: { annotations: { 'volumes.kubernetes.io/controller-managed-attach-detach': '' }, labels }, spec: { providerID: '' } })),
        managedEntry('kube-controller-manager', 'v1', created, fieldsV1Of({ metadata: { annotations: { 'node.alpha.kubernetes.io/ttl': '' } }, spec: { podCIDR: '', podCIDRs: [cidr], ...(spec.taints ? { taints: [] } : {}) } })),
        managedEntry('kubelet', 'v1', hb, fieldsV1Of({ metadata: { annotations: { 'csi.volume.kubernetes.io/nodeid': '' } }, status: { allocatable: status.allocatable, capacity: status.capacity, conditions: status.conditions, images: [], nodeInfo: { bootID: '' } } }), { subresource: 'status' }),
      ],
    }),
    spec,
    status,
  };
}

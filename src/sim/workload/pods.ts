import type { KubeObject, OwnerReference } from '../../kube/types.js';
import { fullImageName, imageId } from './catalog.js';
import { meta, type Labels } from './context.js';
import { fieldsV1Of, managedEntry, type FieldsV1 } from './managedFields.js';
import type { Rng } from './random.js';
import { isoSeconds } from './time.js';

/**
 * Pods as controllers, the scheduler and kubelets leave them: spec from a
 * template plus what admission adds, status for each lifecycle state, and the
 * managedFields of kube-controller-manager, kube-scheduler and the kubelet.
 * Pods of one template share the template's immutable subtrees (containers,
 * probes, env); the store serializes every object on write, so nothing
 * downstream sees the sharing.
 */

export type Obj = Record<string, unknown>;

export interface PodTemplate {
  metadata: { creationTimestamp?: null; labels: Labels; annotations?: Labels };
  spec: Obj;
}

/** The lifecycle states the simulator produces. */
export type PodState = 'running' | 'notReady' | 'crashLoop' | 'pending' | 'creating' | 'succeeded' | 'failed';

export interface NodeRef {
  name: string;
  ip: string;
  zone: string;
}

export interface PodInput {
  namespace: string;
  name: string;
  generateName?: string;
  uid: string;
  created: number;
  template: PodTemplate;
  owner?: OwnerReference;
  /** Labels added by the controller (pod-template-hash, statefulset pod-name...), merged after the template's. */
  extraLabels?: Labels;
  finalizers?: string[];
  node?: NodeRef;
  podIP?: string;
  state: PodState;
  restartCount?: number;
  /** When containers (last) started. */
  startedAt?: number;
  hostname?: string;
  subdomain?: string;
  /** DaemonSet pods: pinned to this node by required node affinity. */
  daemonSetNode?: string;
  /** Suffix of the kube-api-access projected volume. */
  tokenVolumeSuffix: string;
  /** Random source for container IDs. */
  rng: Rng;
  /** Message for Pending/unschedulable pods. */
  unschedulableMessage?: string;
}

const TOKEN_SOURCES = [
  { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
  { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
  { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
];

const DEFAULT_TOLERATIONS = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];

const DAEMONSET_TOLERATIONS = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

interface ContainerLike {
  name: string;
  image: string;
  volumeMounts?: unknown[];
  [k: string]: unknown;
}

/** Pod spec = template spec + admission (token volume, default tolerations, priority) + scheduling. */
export function podSpec(input: Pick<PodInput, 'template' | 'node' | 'hostname' | 'subdomain' | 'daemonSetNode' | 'tokenVolumeSuffix'>): Obj {
  const t = input.template.spec;
  const tokenVolume = `kube-api-access-${input.tokenVolumeSuffix}`;
  const mount = { name: tokenVolume, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' };
  const volumes = [...((t.volumes as unknown[]) ?? []), { name: tokenVolume, projected: { sources: TOKEN_SOURCES, defaultMode: 420 } }];
  const containers = (t.containers as ContainerLike[]).map((c) => ({ ...c, volumeMounts: [...(c.volumeMounts ?? []), mount] }));
  const spec: Obj = { volumes, containers };
  if (t.initContainers) spec.initContainers = (t.initContainers as ContainerLike[]).map((c) => ({ ...c, volumeMounts: [...(c.volumeMounts ?? []), mount] }));
  spec.restartPolicy = t.restartPolicy;
  spec.terminationGracePeriodSeconds = t.terminationGracePeriodSeconds;
  spec.dnsPolicy = t.dnsPolicy;
  if (t.nodeSelector) spec.nodeSelector = t.nodeSelector;
  spec.serviceAccountName = t.serviceAccountName ?? 'default';
  spec.serviceAccount = t.serviceAccountName ?? 'default';
  if (input.node) spec.nodeName = input.node.name;
  if (t.hostNetwork) spec.hostNetwork = true;
  spec.securityContext = t.securityContext ?? {};
  if (t.imagePullSecrets) spec.imagePullSecrets = t.imagePullSecrets;
  if (input.hostname) spec.hostname = input.hostname;
  if (input.subdomain) spec.subdomain = input.subdomain;
  if (input.daemonSetNode) {
    spec.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [input.daemonSetNode] }] }] } } };
  } else if (t.affinity) spec.affinity = t.affinity;
  spec.schedulerName = t.schedulerName ?? 'default-scheduler';
  // Shared, read-only arrays when the template adds none (the store serializes every object on write).
  const own = t.tolerations as unknown[] | undefined;
  const defaults = input.daemonSetNode ? DAEMONSET_TOLERATIONS : DEFAULT_TOLERATIONS;
  spec.tolerations = own?.length ? [...own, ...defaults] : defaults;
  if (t.priorityClassName) spec.priorityClassName = t.priorityClassName;
  spec.priority = t.priorityClassName === 'system-node-critical' ? 2000001000 : t.priorityClassName === 'system-cluster-critical' ? 2000000000 : 0;
  spec.enableServiceLinks = true;
  spec.preemptionPolicy = 'PreemptLowerPriority';
  return spec;
}

/** Quality of service class from container resources (Guaranteed / Burstable / BestEffort). */
export function qosClassOf(containers: readonly Obj[]): string {
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const r = (c.resources ?? {}) as { requests?: Labels; limits?: Labels };
    const req = r.requests ?? {};
    const lim = r.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const k of ['cpu', 'memory']) if (lim[k] === undefined || (req[k] !== undefined && req[k] !== lim[k])) guaranteed = false;
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function condition(type: string, status: 'True' | 'False', at: number, reason?: string, message?: string): Obj {
  const c: Obj = { type, status, lastProbeTime: null, lastTransitionTime: isoSeconds(at) };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

function containerId(rng: Rng): string {
  return `containerd://${rng.hex(64)}`;
}

/** status.containerStatuses for a state. */
function containerStatuses(containers: readonly ContainerLike[], input: PodInput, started: number): Obj[] {
  const { state, rng } = input;
  const restarts = input.restartCount ?? 0;
  return containers.map((c, i) => {
    const base = { name: c.name };
    const image = fullImageName(c.image);
    const id = imageId(c.image);
    const main = i === 0;
    switch (state) {
      case 'creating':
        return { ...base, state: { waiting: { reason: 'ContainerCreating' } }, lastState: {}, ready: false, restartCount: 0, image: c.image, imageID: '', started: false };
      case 'crashLoop':
        if (main) {
          return {
            ...base,
            state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 5m0s restarting failed container=${c.name} pod=${input.name}_${input.namespace}(${input.uid})` } },
            lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: isoSeconds(started - 40_000), finishedAt: isoSeconds(started - 38_000), containerID: containerId(rng) } },
            ready: false,
            restartCount: Math.max(restarts, 3),
            image,
            imageID: id,
            containerID: containerId(rng),
            started: false,
          };
        }
        break;
      case 'succeeded':
      case 'failed': {
        const ok = state === 'succeeded';
        return {
          ...base,
          state: { terminated: { exitCode: ok ? 0 : 1, reason: ok ? 'Completed' : 'Error', startedAt: isoSeconds(started), finishedAt: isoSeconds(started + 20_000 + (i + 1) * 7_000), containerID: containerId(rng) } },
          lastState: {},
          ready: false,
          restartCount: 0,
          image,
          imageID: id,
          containerID: containerId(rng),
          started: false,
        };
      }
      default:
        break;
    }
    const ready = !(state === 'notReady' && main);
    const cs: Obj = { ...base, state: { running: { startedAt: isoSeconds(started + 2_000) } }, lastState: {}, ready, restartCount: main ? restarts : 0, image, imageID: id, containerID: containerId(rng), started: true };
    if (main && restarts > 0) {
      cs.lastState = { terminated: { exitCode: 137, reason: 'OOMKilled', startedAt: isoSeconds(started - 3_600_000), finishedAt: isoSeconds(started), containerID: containerId(rng) } };
    }
    return cs;
  });
}

/** Pod status for a lifecycle state. */
export function podStatus(input: PodInput, spec: Obj): Obj {
  const containers = spec.containers as ContainerLike[];
  const qosClass = qosClassOf(containers);
  const created = input.created;
  const started = input.startedAt ?? created + 1_000;
  if (input.state === 'pending') {
    const message = input.unschedulableMessage ?? '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.';
    return { phase: 'Pending', conditions: [condition('PodScheduled', 'False', created, 'Unschedulable', message)], qosClass };
  }
  const node = input.node as NodeRef;
  const hostIPs = [{ ip: node.ip }];
  const statuses = containerStatuses(containers, input, started);
  const ready = input.state === 'running';
  const notReadyNames = statuses.filter((s) => !s.ready).map((s) => s.name as string);
  const notReadyMsg = `containers with unready status: [${notReadyNames.join(' ')}]`;
  let conditions: Obj[];
  let phase: string;
  switch (input.state) {
    case 'creating':
      phase = 'Pending';
      conditions = [
        condition('Initialized', 'True', created),
        condition('Ready', 'False', created, 'ContainersNotReady', notReadyMsg),
        condition('ContainersReady', 'False', created, 'ContainersNotReady', notReadyMsg),
        condition('PodScheduled', 'True', created),
      ];
      return { phase, conditions, hostIP: node.ip, hostIPs, startTime: isoSeconds(started), containerStatuses: statuses, qosClass };
    case 'succeeded':
    case 'failed':
      phase = input.state === 'succeeded' ? 'Succeeded' : 'Failed';
      conditions = [
        condition('Initialized', 'True', started, input.state === 'succeeded' ? 'PodCompleted' : undefined),
        condition('Ready', 'False', started + 30_000, 'PodCompleted'),
        condition('ContainersReady', 'False', started + 30_000, 'PodCompleted'),
        condition('PodScheduled', 'True', created),
      ];
      break;
    default:
      phase = 'Running';
      conditions = [
        condition('Initialized', 'True', started),
        ready ? condition('Ready', 'True', started + 5_000) : condition('Ready', 'False', started + 5_000, 'ContainersNotReady', notReadyMsg),
        ready ? condition('ContainersReady', 'True', started + 5_000) : condition('ContainersReady', 'False', started + 5_000, 'ContainersNotReady', notReadyMsg),
        condition('PodScheduled', 'True', created),
      ];
  }
  const status: Obj = { phase, conditions, hostIP: node.ip, hostIPs };
  if (input.podIP) {
    status.podIP = input.podIP;
    status.podIPs = [{ ip: input.podIP }];
  }
  status.startTime = isoSeconds(started);
  status.containerStatuses = statuses;
  status.qosClass = qosClass;
  return status;
}

const kcmFieldsCache = new Map<string, FieldsV1>();

/** The kube-controller-manager's field set on the pods of one owner (computed once per owner). */
function controllerFields(input: PodInput, labels: Labels, spec: Obj): FieldsV1 {
  const key = `${input.owner?.uid ?? input.namespace + '/' + input.name}|${input.daemonSetNode ? 'ds' : ''}|${input.hostname ?? ''}`;
  let f = kcmFieldsCache.get(key);
  if (!f) {
    if (kcmFieldsCache.size > 2000) kcmFieldsCache.clear();
    const t = input.template.spec;
    const md: Obj = {};
    if (input.generateName) md.generateName = input.generateName;
    md.labels = labels;
    if (input.template.metadata.annotations) md.annotations = input.template.metadata.annotations;
    if (input.owner) md.ownerReferences = [input.owner];
    if (input.finalizers) md.finalizers = input.finalizers;
    const s: Obj = { ...t, enableServiceLinks: true };
    if (spec.affinity && input.daemonSetNode) s.affinity = spec.affinity;
    if (input.hostname) s.hostname = input.hostname;
    if (input.subdomain) s.subdomain = input.subdomain;
    f = fieldsV1Of({ metadata: md, spec: s });
    kcmFieldsCache.set(key, f);
  }
  return f;
}

const statusFieldsCache = new Map<string, FieldsV1>();

/** The kubelet's (or scheduler's) field set on a pod status (qosClass is the apiserver's, not theirs). */
function statusFields(status: Obj, state: PodState): FieldsV1 {
  const podIPs = status.podIPs;
  const key = `${state}|${podIPs ? 1 : 0}`;
  let inner = statusFieldsCache.get(key);
  if (!inner) {
    const { podIPs: _ips, qosClass: _qos, ...rest } = status;
    void _ips;
    void _qos;
    inner = (fieldsV1Of({ status: rest })['f:status'] ?? {}) as FieldsV1;
    statusFieldsCache.set(key, inner);
  }
  if (!podIPs) return { 'f:status': inner };
  const ip = (podIPs as Array<{ ip: string }>)[0].ip;
  return { 'f:status': { ...inner, 'f:podIPs': { '.': {}, [`k:{"ip":${JSON.stringify(ip)}}`]: { '.': {}, 'f:ip': {} } } } };
}

/** A complete Pod object. */
export function buildPod(input: PodInput): KubeObject {
  const labels: Labels = input.extraLabels ? { ...input.template.metadata.labels, ...input.extraLabels } : input.template.metadata.labels;
  const spec = podSpec(input);
  const status = podStatus(input, spec);
  const createdIso = isoSeconds(input.created);
  const managedFields: unknown[] = [];
  if (input.owner) managedFields.push(managedEntry('kube-controller-manager', 'v1', createdIso, controllerFields(input, labels, spec)));
  if (input.state === 'pending') managedFields.push(managedEntry('kube-scheduler', 'v1', createdIso, statusFields(status, input.state), { subresource: 'status' }));
  else managedFields.push(managedEntry('kubelet', 'v1', isoSeconds(input.startedAt ?? input.created + 6_000), statusFields(status, input.state), { subresource: 'status' }));
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: meta({
      name: input.name,
      generateName: input.generateName,
      namespace: input.namespace,
      uid: input.uid,
      created: input.created,
      labels,
      annotations: input.template.metadata.annotations,
      ownerReferences: input.owner ? [input.owner] : undefined,
      finalizers: input.finalizers,
      managedFields,
    }),
    spec,
    status,
  };
}

import type { KubeObject } from '../kube/types.js';
import type { SimKind } from './types.js';
import { randomSuffix } from './names.js';

/**
 * API defaulting and create-time strategy of the real apiserver for the
 * kinds kubeatlas reads (shapes copied from the v1.28.7 captures). Every
 * function is idempotent: applying it to an already-defaulted object changes
 * nothing, so seeded objects and round-tripped objects stay stable.
 */

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function obj(parent: Obj, key: string): Obj {
  const v = parent[key];
  if (isObj(v)) return v;
  const o: Obj = {};
  parent[key] = o;
  return o;
}

function setDefault(o: Obj, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null) o[key] = value;
}

function defaultProbe(p: unknown): void {
  if (!isObj(p)) return;
  setDefault(p, 'timeoutSeconds', 1);
  setDefault(p, 'periodSeconds', 10);
  setDefault(p, 'successThreshold', 1);
  setDefault(p, 'failureThreshold', 3);
  if (isObj(p.httpGet)) setDefault(p.httpGet, 'scheme', 'HTTP');
}

function imagePullPolicy(image: unknown): string {
  if (typeof image !== 'string') return 'IfNotPresent';
  const noDigest = image.split('@')[0];
  const lastSlash = noDigest.lastIndexOf('/');
  const colon = noDigest.indexOf(':', lastSlash + 1);
  if (image.includes('@')) return 'IfNotPresent';
  if (colon < 0) return 'Always';
  return noDigest.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultContainer(c: unknown): void {
  if (!isObj(c)) return;
  if (Array.isArray(c.ports)) for (const p of c.ports) if (isObj(p)) setDefault(p, 'protocol', 'TCP');
  if (Array.isArray(c.env)) {
    for (const e of c.env) {
      if (!isObj(e) || !isObj(e.valueFrom)) continue;
      if (isObj(e.valueFrom.fieldRef)) setDefault(e.valueFrom.fieldRef, 'apiVersion', 'v1');
      if (isObj(e.valueFrom.resourceFieldRef)) setDefault(e.valueFrom.resourceFieldRef, 'divisor', '0');
    }
  }
  setDefault(c, 'resources', {});
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  setDefault(c, 'terminationMessagePath', '/dev/termination-log');
  setDefault(c, 'terminationMessagePolicy', 'File');
  setDefault(c, 'imagePullPolicy', imagePullPolicy(c.image));
}

/** PodSpec defaults shared by pods and pod templates. */
export function defaultPodSpec(spec: Obj): void {
  if (Array.isArray(spec.volumes)) {
    for (const v of spec.volumes) {
      if (!isObj(v)) continue;
      if (isObj(v.configMap)) setDefault(v.configMap, 'defaultMode', 420);
      if (isObj(v.secret)) setDefault(v.secret, 'defaultMode', 420);
      if (isObj(v.projected)) setDefault(v.projected, 'defaultMode', 420);
      if (isObj(v.downwardAPI)) setDefault(v.downwardAPI, 'defaultMode', 420);
    }
  }
  for (const list of [spec.initContainers, spec.containers, spec.ephemeralContainers]) if (Array.isArray(list)) list.forEach(defaultContainer);
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  if (spec.serviceAccountName === undefined && typeof spec.serviceAccount === 'string') spec.serviceAccountName = spec.serviceAccount;
  if (typeof spec.serviceAccountName === 'string') spec.serviceAccount = spec.serviceAccountName;
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'schedulerName', 'default-scheduler');
}

function defaultPodTemplate(tpl: unknown): void {
  if (!isObj(tpl)) return;
  const md = obj(tpl, 'metadata');
  if (!('creationTimestamp' in md)) md.creationTimestamp = null;
  defaultPodSpec(obj(tpl, 'spec'));
}

function hasAnyResources(c: Obj, which: 'requests' | 'limits'): boolean {
  const r = c.resources;
  return isObj(r) && isObj(r[which]) && Object.keys(r[which] as Obj).length > 0;
}

function qosClass(spec: Obj): string {
  const cs = [...(Array.isArray(spec.initContainers) ? spec.initContainers : []), ...(Array.isArray(spec.containers) ? spec.containers : [])].filter(isObj);
  if (cs.every((c) => !hasAnyResources(c, 'requests') && !hasAnyResources(c, 'limits'))) return 'BestEffort';
  const guaranteed = cs.every((c) => {
    const r = c.resources as Obj | undefined;
    const lim = (r?.limits as Obj | undefined) ?? {};
    const req = (r?.requests as Obj | undefined) ?? lim;
    return ['cpu', 'memory'].every((k) => lim[k] !== undefined && String(req[k] ?? lim[k]) === String(lim[k]));
  });
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** Pod create: defaults plus what admission adds (service account token volume, default tolerations, priority). */
function defaultPodOnCreate(pod: Obj): void {
  const spec = obj(pod, 'spec');
  setDefault(spec, 'serviceAccountName', 'default');
  defaultPodSpec(spec);
  const vols = Array.isArray(spec.volumes) ? (spec.volumes as Obj[]) : [];
  if (!vols.some((v) => typeof v.name === 'string' && v.name.startsWith('kube-api-access-')) && spec.automountServiceAccountToken !== false) {
    const vname = `kube-api-access-${randomSuffix(5)}`;
    vols.unshift({
      name: vname,
      projected: {
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
        ],
        defaultMode: 420,
      },
    });
    spec.volumes = vols;
    for (const c of [...(Array.isArray(spec.initContainers) ? spec.initContainers : []), ...(Array.isArray(spec.containers) ? spec.containers : [])]) {
      if (!isObj(c)) continue;
      const mounts = Array.isArray(c.volumeMounts) ? (c.volumeMounts as Obj[]) : [];
      mounts.push({ name: vname, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' });
      c.volumeMounts = mounts;
    }
  }
  const tol = Array.isArray(spec.tolerations) ? (spec.tolerations as Obj[]) : [];
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
    if (!tol.some((t) => t.key === key)) tol.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
  }
  spec.tolerations = tol;
  setDefault(spec, 'priority', 0);
  setDefault(spec, 'enableServiceLinks', true);
  setDefault(spec, 'preemptionPolicy', 'PreemptLowerPriority');
  const status = obj(pod, 'status');
  setDefault(status, 'phase', 'Pending');
  setDefault(status, 'qosClass', qosClass(spec));
}

/**
 * Allocates ClusterIPs from 10.104.0.0/13, inside the default service CIDR
 * 10.96.0.0/12 but clear of the addresses the bootstrap (10.96.0.1 kubernetes,
 * 10.96.0.10 kube-dns) and the seeded workload (10.100.0.0 and up) assign.
 */
let nextServiceIp = 1;
function allocateClusterIp(): string {
  const n = nextServiceIp++;
  return `10.${104 + ((n >> 16) & 7)}.${(n >> 8) & 255}.${n & 255}`;
}

function defaultService(svc: Obj): void {
  const spec = obj(svc, 'spec');
  setDefault(spec, 'type', 'ClusterIP');
  if (Array.isArray(spec.ports)) {
    for (const p of spec.ports) {
      if (!isObj(p)) continue;
      setDefault(p, 'protocol', 'TCP');
      setDefault(p, 'targetPort', p.port);
    }
  }
  if (spec.type !== 'ExternalName') {
    if (spec.clusterIP === undefined || spec.clusterIP === '') spec.clusterIP = allocateClusterIp();
    setDefault(spec, 'clusterIPs', [spec.clusterIP]);
    setDefault(spec, 'ipFamilies', ['IPv4']);
    setDefault(spec, 'ipFamilyPolicy', 'SingleStack');
    setDefault(spec, 'internalTrafficPolicy', 'Cluster');
  }
  setDefault(spec, 'sessionAffinity', 'None');
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
    setDefault(spec, 'externalTrafficPolicy', 'Cluster');
    if (Array.isArray(spec.ports)) for (const p of spec.ports) if (isObj(p)) setDefault(p, 'nodePort', 30000 + Math.floor(Math.random() * 2767));
  }
  const status = obj(svc, 'status');
  setDefault(status, 'loadBalancer', {});
}

function defaultWorkload(kind: string, o: Obj, uid: string): void {
  const spec = obj(o, 'spec');
  switch (kind) {
    case 'Deployment':
      setDefault(spec, 'replicas', 1);
      defaultPodTemplate(spec.template);
      if (spec.strategy === undefined) spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } };
      else if (isObj(spec.strategy)) {
        setDefault(spec.strategy, 'type', 'RollingUpdate');
        if (spec.strategy.type === 'RollingUpdate') {
          const ru = obj(spec.strategy, 'rollingUpdate');
          setDefault(ru, 'maxUnavailable', '25%');
          setDefault(ru, 'maxSurge', '25%');
        }
      }
      setDefault(spec, 'revisionHistoryLimit', 10);
      setDefault(spec, 'progressDeadlineSeconds', 600);
      break;
    case 'ReplicaSet':
      setDefault(spec, 'replicas', 1);
      defaultPodTemplate(spec.template);
      break;
    case 'StatefulSet':
      setDefault(spec, 'replicas', 1);
      defaultPodTemplate(spec.template);
      setDefault(spec, 'podManagementPolicy', 'OrderedReady');
      setDefault(spec, 'updateStrategy', { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
      setDefault(spec, 'revisionHistoryLimit', 10);
      setDefault(spec, 'persistentVolumeClaimRetentionPolicy', { whenDeleted: 'Retain', whenScaled: 'Retain' });
      if (Array.isArray(spec.volumeClaimTemplates)) {
        for (const t of spec.volumeClaimTemplates) {
          if (!isObj(t)) continue;
          setDefault(t, 'kind', 'PersistentVolumeClaim');
          setDefault(t, 'apiVersion', 'v1');
          const md = obj(t, 'metadata');
          if (!('creationTimestamp' in md)) md.creationTimestamp = null;
          setDefault(obj(t, 'spec'), 'volumeMode', 'Filesystem');
          setDefault(obj(t, 'status'), 'phase', 'Pending');
        }
      }
      break;
    case 'DaemonSet': {
      defaultPodTemplate(spec.template);
      setDefault(spec, 'updateStrategy', { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
      setDefault(spec, 'revisionHistoryLimit', 10);
      const md = obj(o, 'metadata');
      const ann = obj(md, 'annotations');
      setDefault(ann, 'deprecated.daemonset.template.generation', '1');
      break;
    }
    case 'Job': {
      setDefault(spec, 'parallelism', 1);
      setDefault(spec, 'completions', 1);
      setDefault(spec, 'backoffLimit', 6);
      setDefault(spec, 'completionMode', 'NonIndexed');
      setDefault(spec, 'suspend', false);
      const tpl = obj(spec, 'template');
      const tmd = obj(tpl, 'metadata');
      if (spec.manualSelector !== true && spec.selector === undefined) {
        spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
        const labels = obj(tmd, 'labels');
        setDefault(labels, 'batch.kubernetes.io/controller-uid', uid);
        setDefault(labels, 'batch.kubernetes.io/job-name', (o.metadata as Obj).name);
        setDefault(labels, 'controller-uid', uid);
        setDefault(labels, 'job-name', (o.metadata as Obj).name);
      }
      defaultPodTemplate(tpl);
      const tspec = obj(tpl, 'spec');
      if (tspec.restartPolicy === 'Always') tspec.restartPolicy = 'Never';
      break;
    }
    case 'CronJob': {
      setDefault(spec, 'concurrencyPolicy', 'Allow');
      setDefault(spec, 'suspend', false);
      setDefault(spec, 'successfulJobsHistoryLimit', 3);
      setDefault(spec, 'failedJobsHistoryLimit', 1);
      const jt = obj(spec, 'jobTemplate');
      const jmd = obj(jt, 'metadata');
      if (!('creationTimestamp' in jmd)) jmd.creationTimestamp = null;
      defaultPodTemplate(obj(obj(jt, 'spec'), 'template'));
      break;
    }
  }
}

/** Initial status the real registries set on create (status sent by the client is dropped for these kinds). */
function createStatus(kind: SimKind, o: Obj): void {
  switch (kind.kind) {
    case 'Deployment':
    case 'ReplicaSet':
    case 'Job':
    case 'CronJob':
      if (kind.group !== '' && o.status === undefined) o.status = {};
      break;
    case 'StatefulSet':
      setDefault(o, 'status', { replicas: 0, availableReplicas: 0 });
      break;
    case 'DaemonSet':
      setDefault(o, 'status', { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 });
      break;
    case 'Ingress':
      setDefault(obj(o, 'status'), 'loadBalancer', {});
      break;
    case 'HorizontalPodAutoscaler':
      setDefault(o, 'status', { desiredReplicas: 0, currentMetrics: null });
      break;
    case 'PodDisruptionBudget':
      setDefault(o, 'status', { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
      break;
  }
}

/**
 * Applies the API defaults of `kind` to `o` in place. `create` adds what only
 * creation does (admission on pods, initial status, allocated ClusterIPs,
 * job selectors); updates get the defaulting every write goes through, so a
 * merge patch that replaces a list gets its defaults back. Unknown kinds are
 * left as they are.
 */
export function applyDefaults(kind: SimKind, o: KubeObject, phase: 'create' | 'update'): void {
  const m = o as unknown as Obj;
  const md = o.metadata as Obj;
  const uid = md.uid as string;
  if (phase === 'update') {
    if (kind.group === '' && kind.kind === 'Pod') {
      defaultPodSpec(obj(m, 'spec'));
      return;
    }
    if (kind.group === '' && (kind.kind === 'Namespace' || kind.kind === 'Service' || kind.kind === 'PersistentVolumeClaim' || kind.kind === 'PersistentVolume')) return;
    if (kind.group === 'batch' && kind.kind === 'Job') {
      defaultPodTemplate(obj(m, 'spec').template);
      return;
    }
  }
  if (kind.group === '') {
    switch (kind.kind) {
      case 'Pod':
        defaultPodOnCreate(m);
        return;
      case 'Namespace': {
        const labels = obj(md, 'labels');
        labels['kubernetes.io/metadata.name'] = md.name;
        const spec = obj(m, 'spec');
        setDefault(spec, 'finalizers', ['kubernetes']);
        const status = obj(m, 'status');
        setDefault(status, 'phase', 'Active');
        return;
      }
      case 'Service':
        defaultService(m);
        return;
      case 'Secret': {
        setDefault(m, 'type', 'Opaque');
        if (isObj(m.stringData)) {
          const data = obj(m, 'data');
          for (const [k, v] of Object.entries(m.stringData)) data[k] = Buffer.from(String(v)).toString('base64');
          delete m.stringData;
        }
        return;
      }
      case 'PersistentVolumeClaim': {
        setDefault(obj(m, 'spec'), 'volumeMode', 'Filesystem');
        setDefault(obj(m, 'status'), 'phase', 'Pending');
        const fin = Array.isArray(md.finalizers) ? (md.finalizers as string[]) : [];
        if (!fin.includes('kubernetes.io/pvc-protection')) md.finalizers = [...fin, 'kubernetes.io/pvc-protection'];
        return;
      }
      case 'PersistentVolume': {
        const spec = obj(m, 'spec');
        setDefault(spec, 'persistentVolumeReclaimPolicy', 'Retain');
        setDefault(spec, 'volumeMode', 'Filesystem');
        setDefault(obj(m, 'status'), 'phase', 'Pending');
        const fin = Array.isArray(md.finalizers) ? (md.finalizers as string[]) : [];
        if (!fin.includes('kubernetes.io/pv-protection')) md.finalizers = [...fin, 'kubernetes.io/pv-protection'];
        return;
      }
      case 'Event':
        setDefault(m, 'eventTime', null);
        return;
      case 'ReplicationController':
        setDefault(obj(m, 'spec'), 'replicas', 1);
        defaultPodTemplate(obj(m, 'spec').template);
        return;
    }
    return;
  }
  if (kind.group === 'apps' || kind.group === 'batch') defaultWorkload(kind.kind, m, uid);
  if (kind.group === 'storage.k8s.io' && kind.kind === 'StorageClass') {
    setDefault(m, 'reclaimPolicy', 'Delete');
    setDefault(m, 'volumeBindingMode', 'Immediate');
  }
  if (phase === 'create') createStatus(kind, m);
}

/** Kinds whose metadata.generation the real server maintains. */
export function tracksGeneration(kind: SimKind): boolean {
  if (kind.group === 'apps' || kind.group === 'batch' || kind.group === 'policy' || kind.group === 'discovery.k8s.io') return true;
  if (kind.group === 'networking.k8s.io') return true;
  if (kind.group === 'apiextensions.k8s.io' || kind.group === 'example.kubeatlas.io') return true;
  if (kind.group === 'admissionregistration.k8s.io' || kind.group === 'flowcontrol.apiserver.k8s.io') return true;
  return false;
}

import type { KubeObject, OwnerReference } from '../../kube/types.js';
import { appliedEntry, markApplied } from './applied.js';
import { controllerRef, meta, type Labels } from './context.js';
import { fieldsV1Of, managedEntry } from './managedFields.js';
import type { Obj, PodTemplate } from './pods.js';
import { isoSeconds } from './time.js';

/**
 * Workload controllers' objects (Deployment, ReplicaSet, StatefulSet,
 * DaemonSet, Job, CronJob) and the status each controller reports for given
 * pod counts. The seed and the simulated controllers share the status
 * functions, so a seeded object and one a controller just reconciled look
 * the same.
 */

export interface PodCounts {
  /** Pods that exist and are not terminating (not Succeeded/Failed). */
  replicas: number;
  ready: number;
  /** Ready pods running the newest template. */
  updated?: number;
}

function cond(type: string, status: string, at: string, reason: string, message: string, updateTime = true): Obj {
  const c: Obj = { type, status };
  if (updateTime) c.lastUpdateTime = at;
  c.lastTransitionTime = at;
  c.reason = reason;
  c.message = message;
  return c;
}

/** Deployment status as the deployment controller writes it. */
/**
 * Deployment status as the deployment controller writes it. `rolledOut`:
 * the newest ReplicaSet has been fully available once (Progressing stays
 * NewReplicaSetAvailable afterwards, even when pods later become unready).
 */
export function deploymentStatus(o: { generation: number; desired: number; counts: PodCounts; newRsName: string; at: string; progressedAt?: string; rolledOut?: boolean }): Obj {
  const { counts } = o;
  const s: Obj = { observedGeneration: o.generation };
  if (counts.replicas) s.replicas = counts.replicas;
  if (counts.updated ?? counts.replicas) s.updatedReplicas = counts.updated ?? counts.replicas;
  if (counts.ready) {
    s.readyReplicas = counts.ready;
    s.availableReplicas = counts.ready;
  }
  const unavailable = Math.max(0, Math.max(o.desired, counts.replicas) - counts.ready);
  if (unavailable) s.unavailableReplicas = unavailable;
  const available = counts.ready >= o.desired - Math.floor(o.desired * 0.25);
  const progressed = o.rolledOut || ((counts.updated ?? counts.replicas) >= o.desired && counts.ready >= o.desired && counts.replicas <= o.desired);
  s.conditions = [
    available
      ? cond('Available', 'True', o.at, 'MinimumReplicasAvailable', 'Deployment has minimum availability.')
      : cond('Available', 'False', o.at, 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.'),
    progressed
      ? cond('Progressing', 'True', o.progressedAt ?? o.at, 'NewReplicaSetAvailable', `ReplicaSet "${o.newRsName}" has successfully progressed.`)
      : cond('Progressing', 'True', o.progressedAt ?? o.at, 'ReplicaSetUpdated', `ReplicaSet "${o.newRsName}" is progressing.`),
  ];
  return s;
}

/** ReplicaSet status as the replicaset controller writes it. */
export function replicaSetStatus(generation: number, counts: PodCounts): Obj {
  const s: Obj = { replicas: counts.replicas };
  if (counts.replicas) s.fullyLabeledReplicas = counts.replicas;
  if (counts.ready) {
    s.readyReplicas = counts.ready;
    s.availableReplicas = counts.ready;
  }
  s.observedGeneration = generation;
  return s;
}

export function statefulSetStatus(generation: number, counts: PodCounts, revision: string): Obj {
  const s: Obj = { observedGeneration: generation, replicas: counts.replicas };
  if (counts.ready) s.readyReplicas = counts.ready;
  s.currentReplicas = counts.replicas;
  s.updatedReplicas = counts.replicas;
  s.currentRevision = revision;
  s.updateRevision = revision;
  s.collisionCount = 0;
  s.availableReplicas = counts.ready;
  return s;
}

export function daemonSetStatus(generation: number, desired: number, counts: PodCounts): Obj {
  const s: Obj = {
    currentNumberScheduled: counts.replicas,
    numberMisscheduled: 0,
    desiredNumberScheduled: desired,
    numberReady: counts.ready,
    observedGeneration: generation,
    updatedNumberScheduled: counts.replicas,
  };
  if (counts.ready) s.numberAvailable = counts.ready;
  if (desired - counts.ready > 0) s.numberUnavailable = desired - counts.ready;
  return s;
}

const STATUS_MANAGER_FIELDS = new Map<string, Obj>();

/** kube-controller-manager's status entry, computed from the status shape (cached by shape). */
function statusEntry(apiVersion: string, time: string, status: Obj) {
  const key = `${apiVersion}|${Object.keys(status).join(',')}|${Array.isArray(status.conditions) ? (status.conditions as Obj[]).map((c) => c.type).join(',') : ''}`;
  let f = STATUS_MANAGER_FIELDS.get(key);
  if (!f) {
    f = fieldsV1Of({ status });
    STATUS_MANAGER_FIELDS.set(key, f);
  }
  return managedEntry('kube-controller-manager', apiVersion, time, f, { subresource: 'status' });
}

export interface DeploymentInput {
  namespace: string;
  name: string;
  uid: string;
  created: number;
  /** Last rollout (template change) time. */
  updated: number;
  generation: number;
  revision: number;
  labels: Labels;
  replicas: number;
  selector: Labels;
  template: PodTemplate;
  status: Obj;
}

export function buildDeployment(d: DeploymentInput): KubeObject {
  const spec: Obj = {
    replicas: d.replicas,
    selector: { matchLabels: d.selector },
    template: d.template,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
    revisionHistoryLimit: 10,
    progressDeadlineSeconds: 600,
  };
  const userAnnotations: Record<string, string> = {};
  markApplied(userAnnotations, { apiVersion: 'apps/v1', kind: 'Deployment', name: d.name, namespace: d.namespace, labels: d.labels, fields: { spec } });
  const createdIso = isoSeconds(d.created);
  const updatedIso = isoSeconds(d.updated);
  const managedFields = [
    appliedEntry('apps/v1', updatedIso, { labels: d.labels, annotations: userAnnotations }, { spec }),
    managedEntry('kube-controller-manager', 'apps/v1', updatedIso, { 'f:metadata': { 'f:annotations': { 'f:deployment.kubernetes.io/revision': {} } } }),
    statusEntry('apps/v1', updatedIso, d.status),
  ];
  void createdIso;
  return {
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    metadata: meta({
      name: d.name,
      namespace: d.namespace,
      uid: d.uid,
      generation: d.generation,
      created: d.created,
      labels: d.labels,
      annotations: { 'deployment.kubernetes.io/revision': String(d.revision), ...userAnnotations },
      managedFields,
    }),
    spec,
    status: d.status,
  };
}

export interface ReplicaSetInput {
  namespace: string;
  name: string;
  uid: string;
  created: number;
  generation: number;
  owner: OwnerReference;
  labels: Labels;
  annotations: Labels;
  replicas: number;
  selector: Labels;
  template: PodTemplate;
  status: Obj;
}

export function buildReplicaSet(r: ReplicaSetInput): KubeObject {
  const spec: Obj = { replicas: r.replicas, selector: { matchLabels: r.selector }, template: r.template };
  const at = isoSeconds(r.created);
  const tplFields = { metadata: { labels: r.template.metadata.labels, ...(r.template.metadata.annotations ? { annotations: r.template.metadata.annotations } : {}) }, spec: r.template.spec };
  return {
    kind: 'ReplicaSet',
    apiVersion: 'apps/v1',
    metadata: meta({
      name: r.name,
      namespace: r.namespace,
      uid: r.uid,
      generation: r.generation,
      created: r.created,
      labels: r.labels,
      annotations: r.annotations,
      ownerReferences: [r.owner],
      managedFields: [
        managedEntry('kube-controller-manager', 'apps/v1', at, fieldsV1Of({ metadata: { annotations: r.annotations, labels: r.labels, ownerReferences: [r.owner] }, spec: { replicas: r.replicas, selector: {}, template: tplFields } })),
        statusEntry('apps/v1', at, r.status),
      ],
    }),
    spec,
    status: r.status,
  };
}

/** The annotations the deployment controller puts on its ReplicaSets. */
export function replicaSetAnnotations(desired: number, revision: number): Labels {
  return {
    'deployment.kubernetes.io/desired-replicas': String(desired),
    'deployment.kubernetes.io/max-replicas': String(desired + Math.ceil(desired * 0.25)),
    'deployment.kubernetes.io/revision': String(revision),
  };
}

export interface StatefulSetInput {
  namespace: string;
  name: string;
  uid: string;
  created: number;
  labels: Labels;
  replicas: number;
  selector: Labels;
  serviceName: string;
  template: PodTemplate;
  claimName: string;
  storage: string;
  storageClassName: string;
  status: Obj;
}

export function buildStatefulSet(s: StatefulSetInput): KubeObject {
  const spec: Obj = {
    replicas: s.replicas,
    selector: { matchLabels: s.selector },
    template: s.template,
    volumeClaimTemplates: [
      {
        kind: 'PersistentVolumeClaim',
        apiVersion: 'v1',
        metadata: { name: s.claimName, creationTimestamp: null },
        spec: { accessModes: ['ReadWriteOnce'], storageClassName: s.storageClassName, resources: { requests: { storage: s.storage } }, volumeMode: 'Filesystem' },
        status: { phase: 'Pending' },
      },
    ],
    serviceName: s.serviceName,
    podManagementPolicy: 'OrderedReady',
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
    revisionHistoryLimit: 10,
    persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
  };
  const annotations: Record<string, string> = {};
  markApplied(annotations, { apiVersion: 'apps/v1', kind: 'StatefulSet', name: s.name, namespace: s.namespace, labels: s.labels, fields: { spec } });
  const at = isoSeconds(s.created);
  return {
    kind: 'StatefulSet',
    apiVersion: 'apps/v1',
    metadata: meta({
      name: s.name,
      namespace: s.namespace,
      uid: s.uid,
      generation: 1,
      created: s.created,
      labels: s.labels,
      annotations,
      managedFields: [appliedEntry('apps/v1', at, { labels: s.labels, annotations }, { spec }), statusEntry('apps/v1', at, s.status)],
    }),
    spec,
    status: s.status,
  };
}

export interface DaemonSetInput {
  namespace: string;
  name: string;
  uid: string;
  created: number;
  labels: Labels;
  selector: Labels;
  template: PodTemplate;
  status: Obj;
  manager?: string;
}

export function buildDaemonSet(d: DaemonSetInput): KubeObject {
  const spec: Obj = {
    selector: { matchLabels: d.selector },
    template: d.template,
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
    revisionHistoryLimit: 10,
  };
  const at = isoSeconds(d.created);
  const annotations = { 'deprecated.daemonset.template.generation': '1' };
  return {
    kind: 'DaemonSet',
    apiVersion: 'apps/v1',
    metadata: meta({
      name: d.name,
      namespace: d.namespace,
      uid: d.uid,
      generation: 1,
      created: d.created,
      labels: d.labels,
      annotations,
      managedFields: [
        managedEntry(d.manager ?? 'helm', 'apps/v1', at, fieldsV1Of({ metadata: { annotations, labels: d.labels }, spec: { ...spec, selector: {} } })),
        statusEntry('apps/v1', at, d.status),
      ],
    }),
    spec,
    status: d.status,
  };
}

export interface CronJobInput {
  namespace: string;
  name: string;
  uid: string;
  created: number;
  labels: Labels;
  schedule: string;
  template: PodTemplate;
  lastScheduleTime?: number;
  lastSuccessfulTime?: number;
  active?: Array<{ name: string; uid: string }>;
}

export function buildCronJob(c: CronJobInput): KubeObject {
  const spec: Obj = {
    schedule: c.schedule,
    concurrencyPolicy: 'Forbid',
    suspend: false,
    jobTemplate: { metadata: { creationTimestamp: null }, spec: { backoffLimit: 2, template: c.template } },
    successfulJobsHistoryLimit: 3,
    failedJobsHistoryLimit: 1,
  };
  const status: Obj = {};
  if (c.active?.length) status.active = c.active.map((j) => ({ kind: 'Job', namespace: c.namespace, name: j.name, uid: j.uid, apiVersion: 'batch/v1' }));
  if (c.lastScheduleTime) status.lastScheduleTime = isoSeconds(c.lastScheduleTime);
  if (c.lastSuccessfulTime) status.lastSuccessfulTime = isoSeconds(c.lastSuccessfulTime);
  const annotations: Record<string, string> = {};
  markApplied(annotations, { apiVersion: 'batch/v1', kind: 'CronJob', name: c.name, namespace: c.namespace, labels: c.labels, fields: { spec } });
  const at = isoSeconds(c.created);
  const mf = [appliedEntry('batch/v1', at, { labels: c.labels, annotations }, { spec })];
  if (Object.keys(status).length) mf.push(statusEntry('batch/v1', isoSeconds(c.lastScheduleTime ?? c.created), status));
  return {
    kind: 'CronJob',
    apiVersion: 'batch/v1',
    metadata: meta({ name: c.name, namespace: c.namespace, uid: c.uid, generation: 1, created: c.created, labels: c.labels, annotations, managedFields: mf }),
    spec,
    status,
  };
}

export type JobOutcome = 'running' | 'succeeded' | 'failed';

export interface JobInput {
  namespace: string;
  name: string;
  uid: string;
  created: number;
  owner?: OwnerReference;
  template: PodTemplate;
  backoffLimit: number;
  outcome: JobOutcome;
  /** Pods that failed (Failed jobs: backoffLimit + 1). */
  failedPods: number;
  finished?: number;
  scheduledAt?: number;
}

/** The labels the job controller stamps on a Job's pod template and pods. */
export function jobPodLabels(name: string, uid: string): Labels {
  return { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': name, 'controller-uid': uid, 'job-name': name };
}

export function jobStatus(j: Pick<JobInput, 'outcome' | 'failedPods' | 'created' | 'finished' | 'backoffLimit'>, active: number, succeeded: number): Obj {
  const start = isoSeconds(j.created);
  const s: Obj = {};
  const end = isoSeconds(j.finished ?? j.created + 60_000);
  if (j.outcome === 'succeeded') {
    s.conditions = [{ type: 'Complete', status: 'True', lastProbeTime: end, lastTransitionTime: end }];
  } else if (j.outcome === 'failed') {
    s.conditions = [{ type: 'Failed', status: 'True', lastProbeTime: end, lastTransitionTime: end, reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }];
  }
  s.startTime = start;
  if (j.outcome === 'succeeded') s.completionTime = end;
  if (active) s.active = active;
  if (succeeded) s.succeeded = succeeded;
  if (j.failedPods) s.failed = j.failedPods;
  s.uncountedTerminatedPods = {};
  s.ready = 0;
  return s;
}

export function buildJob(j: JobInput, status: Obj): KubeObject {
  const podLabels = jobPodLabels(j.name, j.uid);
  const template: PodTemplate = { metadata: { ...j.template.metadata, labels: { ...j.template.metadata.labels, ...podLabels } }, spec: j.template.spec };
  const spec: Obj = {
    parallelism: 1,
    completions: 1,
    backoffLimit: j.backoffLimit,
    selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': j.uid } },
    template,
    completionMode: 'NonIndexed',
    suspend: false,
    podReplacementPolicy: 'TerminatingOrFailed',
  };
  const annotations: Labels = {};
  if (j.scheduledAt) annotations['batch.kubernetes.io/cronjob-scheduled-timestamp'] = isoSeconds(j.scheduledAt);
  const at = isoSeconds(j.created);
  const mdFields: Obj = {};
  if (Object.keys(annotations).length) mdFields.annotations = annotations;
  if (j.owner) mdFields.ownerReferences = [j.owner];
  const specFields = { backoffLimit: 0, completionMode: '', completions: 0, parallelism: 0, suspend: false, template: { spec: j.template.spec } };
  return {
    kind: 'Job',
    apiVersion: 'batch/v1',
    metadata: meta({
      name: j.name,
      namespace: j.namespace,
      uid: j.uid,
      generation: 1,
      created: j.created,
      labels: podLabels,
      annotations,
      ownerReferences: j.owner ? [j.owner] : undefined,
      managedFields: [
        managedEntry('kube-controller-manager', 'batch/v1', at, fieldsV1Of({ metadata: mdFields, spec: specFields })),
        statusEntry('batch/v1', isoSeconds(j.finished ?? j.created), status),
      ],
    }),
    spec,
    status,
  };
}

export { controllerRef };

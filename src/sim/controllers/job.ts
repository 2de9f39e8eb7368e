import type { KubeObject } from '../../kube/types.js';
import { controllerRef } from '../workload/context.js';
import { isoSeconds } from '../workload/time.js';
import { jobPodLabels } from '../workload/workloads.js';
import { keyOf } from './clusterIndex.js';
import { involvedOf, sameJson, type Controller, type ControllerContext } from './context.js';
import { createPod, deletePod, isActive, MANAGER, type PodTemplateLike } from './podFactory.js';

const TRACKING = 'batch.kubernetes.io/job-tracking';

interface JobSpec {
  parallelism?: number;
  completions?: number;
  backoffLimit?: number;
  suspend?: boolean;
  template?: PodTemplateLike;
}

type Cond = { type: string; status: string };

/**
 * Jobs: run pods (parallelism at a time) until `completions` succeeded, or
 * give up after backoffLimit failures; finished pods lose the job-tracking
 * finalizer once counted, as with the real tracking-with-finalizers.
 */
export function jobController(ctx: ControllerContext): Controller {
  const { store, index } = ctx;

  const reconcile = (ns: string, name: string): void => {
    const job = store.get('batch/Job', ns, name);
    if (!job || job.metadata.deletionTimestamp) return;
    const uid = job.metadata.uid ?? '';
    const spec = (job.spec ?? {}) as JobSpec;
    const prev = (job.status ?? {}) as { conditions?: Cond[]; startTime?: string; completionTime?: string; succeeded?: number; failed?: number };
    const finished = prev.conditions?.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
    const pods = index.podsOf(uid);
    const succeeded = Math.max(prev.succeeded ?? 0, pods.filter((p) => p.phase === 'Succeeded').length);
    const failed = Math.max(prev.failed ?? 0, pods.filter((p) => p.phase === 'Failed').length);
    let active = pods.filter(isActive);
    const completions = spec.completions ?? 1;
    const now = isoSeconds(Date.now());
    const status: Record<string, unknown> = {};
    let condition: Record<string, unknown> | undefined;
    if (!finished) {
      if (succeeded >= completions) {
        condition = { type: 'Complete', status: 'True', lastProbeTime: now, lastTransitionTime: now };
      } else if (failed > (spec.backoffLimit ?? 6)) {
        condition = { type: 'Failed', status: 'True', lastProbeTime: now, lastTransitionTime: now, reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
        for (const p of active) deletePod(store, ns, p.name);
        active = [];
      } else if (!spec.suspend && spec.template && !index.terminatingNamespaces.has(ns)) {
        const want = Math.min(spec.parallelism ?? 1, completions - succeeded) - active.length;
        for (let i = 0; i < want; i++) {
          const pod = createPod(store, ctx.rng, {
            namespace: ns,
            generateName: `${name}-`,
            template: spec.template,
            owner: controllerRef('batch/v1', 'Job', name, uid),
            extraLabels: jobPodLabels(name, uid),
            finalizers: [TRACKING],
          });
          if (pod) ctx.recorder.record({ involved: involvedOf(job), reason: 'SuccessfulCreate', message: `Created pod: ${pod.metadata.name}`, component: 'job-controller' });
        }
        active = index.podsOf(uid).filter(isActive);
      }
    }
    // Counted pods drop the tracking finalizer.
    for (const p of pods) {
      if (p.phase !== 'Succeeded' && p.phase !== 'Failed') continue;
      store.mutate('Pod', ns, p.name, (o) => {
        if (o.metadata.finalizers?.includes(TRACKING)) o.metadata.finalizers = o.metadata.finalizers.filter((f) => f !== TRACKING);
      }, MANAGER);
    }
    if (condition || prev.conditions) status.conditions = condition ? [...(prev.conditions ?? []), condition] : prev.conditions;
    status.startTime = prev.startTime ?? now;
    if (condition?.type === 'Complete') status.completionTime = now;
    else if (prev.completionTime) status.completionTime = prev.completionTime;
    if (active.length) status.active = active.length;
    if (succeeded) status.succeeded = succeeded;
    if (failed) status.failed = failed;
    status.uncountedTerminatedPods = {};
    status.ready = active.filter((p) => p.ready).length;
    if (sameJson(status, job.status)) return;
    store.mutate('batch/Job', ns, name, (o) => (o.status = status), MANAGER);
    if (condition) ctx.recorder.record({ involved: involvedOf(job), reason: condition.type === 'Complete' ? 'Completed' : 'BackoffLimitExceeded', message: condition.type === 'Complete' ? 'Job completed' : 'Job has reached the specified backoff limit', type: condition.type === 'Complete' ? 'Normal' : 'Warning', component: 'job-controller' });
  };

  const enqueue = (ns: string, name: string): void => ctx.queue.enqueue(`job|${keyOf(ns, name)}`, () => reconcile(ns, name));

  return (ch, prevPod) => {
    const k = ch.kind;
    if (k.group === 'batch' && k.kind === 'Job') {
      if (ch.type !== 'DELETED') enqueue(ch.object.metadata.namespace ?? '', ch.object.metadata.name ?? '');
      return;
    }
    if (k.group === '' && k.kind === 'Pod') {
      const uid = ch.object.metadata.ownerReferences?.find((r) => r.controller)?.uid ?? prevPod?.ownerUid;
      const owner = uid ? index.owners.get(uid) : undefined;
      if (owner?.kind === 'batch/Job') enqueue(owner.namespace, owner.name);
    }
  };
}

/**
 * Makes a CronJob fire now, as its schedule would: a Job from its
 * jobTemplate (named `<cronjob>-<minutes since epoch>`), status.lastScheduleTime
 * updated, and Jobs beyond the history limits deleted (with their pods, by
 * the garbage collector). Returns the created Job, or undefined when the
 * CronJob is gone or suspended, or a Job for this minute exists.
 * `keepJobs` overrides the history limits (the churn engine keeps a CronJob's
 * job count constant).
 */
export function runCronJobNow(ctx: Pick<ControllerContext, 'store' | 'index' | 'rng' | 'recorder'>, namespace: string, name: string, annotations?: Record<string, string>, keepJobs?: number): KubeObject | undefined {
  const { store, index } = ctx;
  const cj = store.get('batch/CronJob', namespace, name);
  if (!cj || cj.metadata.deletionTimestamp) return undefined;
  const spec = (cj.spec ?? {}) as { suspend?: boolean; jobTemplate?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: Record<string, unknown> }; successfulJobsHistoryLimit?: number; failedJobsHistoryLimit?: number };
  if (spec.suspend || !spec.jobTemplate?.spec) return undefined;
  const now = Date.now();
  const jobName = `${name}-${Math.floor(now / 60_000)}`;
  if (store.get('batch/Job', namespace, jobName)) return undefined;
  const uid = ctx.rng.uuid();
  const scheduled = isoSeconds(Math.floor(now / 60_000) * 60_000);
  const job: KubeObject = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName,
      namespace,
      uid,
      labels: { ...(spec.jobTemplate.metadata?.labels ?? {}), ...jobPodLabels(jobName, uid) },
      annotations: { ...(spec.jobTemplate.metadata?.annotations ?? {}), 'batch.kubernetes.io/cronjob-scheduled-timestamp': scheduled, ...(annotations ?? {}) },
      ownerReferences: [controllerRef('batch/v1', 'CronJob', name, cj.metadata.uid ?? '')],
    },
    spec: {
      parallelism: 1,
      completions: 1,
      backoffLimit: 6,
      ...spec.jobTemplate.spec,
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } },
      template: {
        ...(spec.jobTemplate.spec.template as object),
        metadata: { ...(((spec.jobTemplate.spec.template as { metadata?: object } | undefined)?.metadata) ?? {}), labels: { ...((((spec.jobTemplate.spec.template as { metadata?: { labels?: Record<string, string> } } | undefined)?.metadata?.labels) ?? {})), ...jobPodLabels(jobName, uid) } },
      },
      completionMode: 'NonIndexed',
      suspend: false,
    },
  };
  const created = store.create('batch/Job', job, MANAGER);
  store.mutate('batch/CronJob', namespace, name, (o) => {
    const st = (o.status ?? {}) as Record<string, unknown>;
    st.lastScheduleTime = scheduled;
    o.status = st;
    if (annotations) o.metadata.annotations = { ...(o.metadata.annotations ?? {}), ...annotations };
  }, MANAGER);
  ctx.recorder.record({ involved: involvedOf(cj), reason: 'SuccessfulCreate', message: `Created job ${jobName}`, component: 'cronjob-controller' });
  // History limits: keep the newest N jobs (finished or not), the one just created included.
  const keep = keepJobs ?? (spec.successfulJobsHistoryLimit ?? 3) + (spec.failedJobsHistoryLimit ?? 1);
  const jobs = index
    .controllersOf(cj.metadata.uid ?? '')
    .filter((k) => k.startsWith('batch/Job|'))
    .map((k) => k.slice(k.indexOf('/', 'batch/Job|'.length) + 1))
    .filter((n) => n !== jobName)
    .sort((a, b) => Number(b.slice(b.lastIndexOf('-') + 1)) - Number(a.slice(a.lastIndexOf('-') + 1)));
  for (const old of jobs.slice(Math.max(0, keep - 1))) {
    for (const p of index.podsOf(store.get('batch/Job', namespace, old)?.metadata.uid ?? '')) store.delete('Pod', namespace, p.name);
    store.delete('batch/Job', namespace, old);
    ctx.recorder.record({ involved: involvedOf(cj), reason: 'SuccessfulDelete', message: `Deleted job ${old}`, component: 'cronjob-controller' });
  }
  return created;
}

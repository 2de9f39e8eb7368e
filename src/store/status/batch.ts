import type { KubeObject } from '../../kube/types.js';
import { arr, isTrue, obj } from './fields.js';

/**
 * Job, as kubectl's STATUS column (1.30+): Complete > Failed > Terminating >
 * Suspended > FailureTarget > SuccessCriteriaMet > Running.
 */
export function jobStatus(job: KubeObject): string {
  const status = obj(job.status);
  if (isTrue(status, 'Complete')) return 'Complete';
  if (isTrue(status, 'Failed')) return 'Failed';
  if (job.metadata?.deletionTimestamp) return 'Terminating';
  if (isTrue(status, 'Suspended') || obj(job.spec)?.suspend === true) return 'Suspended';
  if (isTrue(status, 'FailureTarget')) return 'FailureTarget';
  if (isTrue(status, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

/** CronJob: Terminating > Suspended (spec.suspend) > Active (a Job of it is running) > Scheduled. */
export function cronJobStatus(cj: KubeObject): string {
  if (cj.metadata?.deletionTimestamp) return 'Terminating';
  if (obj(cj.spec)?.suspend === true) return 'Suspended';
  if (arr(obj(cj.status)?.active).length > 0) return 'Active';
  return 'Scheduled';
}

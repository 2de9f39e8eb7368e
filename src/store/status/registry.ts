import type { KubeObject } from '../../kube/types.js';
import { cronJobStatus, jobStatus } from './batch.js';
import { eventStatus } from './event.js';
import { genericStatus } from './generic.js';
import { nodeStatus } from './node.js';
import { namespaceStatus, volumeStatus } from './phase.js';
import { podStatus } from './pod.js';
import { serviceStatus } from './service.js';
import type { StatusSummarizer } from './types.js';
import { daemonSetStatus, deploymentStatus, replicaSetStatus, statefulSetStatus } from './workloads.js';

/**
 * kindKey -> one-word status summarizer. The table of values and rules is
 * docs/status.md; each summarizer's doc comment states its rule. Kinds not
 * listed use `genericStatus` (deletion, status.phase, Ready condition).
 */
const SUMMARIZERS: ReadonlyMap<string, StatusSummarizer> = new Map<string, StatusSummarizer>([
  ['Pod', podStatus],
  ['apps/Deployment', deploymentStatus],
  ['apps/ReplicaSet', replicaSetStatus],
  ['apps/StatefulSet', statefulSetStatus],
  ['apps/DaemonSet', daemonSetStatus],
  ['batch/Job', jobStatus],
  ['batch/CronJob', cronJobStatus],
  ['Node', nodeStatus],
  ['PersistentVolumeClaim', volumeStatus],
  ['PersistentVolume', volumeStatus],
  ['Namespace', namespaceStatus],
  ['Service', serviceStatus],
  ['Event', eventStatus],
  ['events.k8s.io/Event', eventStatus],
]);

/** The summarizer for a kindKey (the generic one for unlisted kinds). */
export function summarizerFor(kindKey: string): StatusSummarizer {
  return SUMMARIZERS.get(kindKey) ?? genericStatus;
}

/** The one-word status of an object; undefined when none applies. Never throws. */
export function summarizeStatus(kindKey: string, obj: KubeObject): string | undefined {
  try {
    return summarizerFor(kindKey)(obj);
  } catch {
    return undefined;
  }
}

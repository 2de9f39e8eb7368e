import type { KubeObject } from '../../kube/types.js';
import type { Logger } from '../../util/logger.js';
import type { SimChange, SimStore } from '../types.js';
import type { Rng } from '../workload/random.js';
import type { ClusterIndex, PodInfo } from './clusterIndex.js';
import type { EventRecorder } from './eventRecorder.js';
import type { WorkQueue } from './workQueue.js';

/** What every simulated controller gets. */
export interface ControllerContext {
  store: SimStore;
  index: ClusterIndex;
  queue: WorkQueue;
  recorder: EventRecorder;
  rng: Rng;
  log: Logger;
  /** How long the kubelet takes to finish a graceful pod deletion. */
  kubeletDeleteDelayMs: number;
  /** Pending → ContainerCreating → Running steps of the kubelet. */
  kubeletStartDelayMs: number;
  /** How long a Job's pod runs before it succeeds. */
  jobRunMs: number;
}

/** A controller: reacts to committed changes by enqueueing reconciles. */
export type Controller = (change: SimChange, previousPod: PodInfo | undefined) => void;

/** `JSON.stringify` equality, for "did the status change?" checks on plain JSON values. */
export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

type Condition = Record<string, unknown> & { type: string; status?: string; reason?: string; message?: string };

/**
 * Keeps a condition's timestamps while its status/reason/message stay the
 * same, so a reconcile that changes nothing writes nothing.
 */
export function keepConditionTimes(previous: unknown, next: unknown): void {
  if (!Array.isArray(previous) || !Array.isArray(next)) return;
  for (const c of next as Condition[]) {
    const old = (previous as Condition[]).find((p) => p.type === c.type);
    if (!old) continue;
    if (old.status === c.status) {
      if ('lastTransitionTime' in old) c.lastTransitionTime = old.lastTransitionTime;
      if (old.reason === c.reason && old.message === c.message && 'lastUpdateTime' in old) c.lastUpdateTime = old.lastUpdateTime;
      if ('lastProbeTime' in old) c.lastProbeTime = old.lastProbeTime;
    }
  }
}

/** The involvedObject of an event about `obj`. */
export function involvedOf(obj: KubeObject, fieldPath?: string): { kind: string; namespace: string; name: string; uid: string; apiVersion: string; resourceVersion?: string; fieldPath?: string } {
  const o = { kind: obj.kind ?? '', namespace: obj.metadata.namespace ?? 'default', name: obj.metadata.name ?? '', uid: obj.metadata.uid ?? '', apiVersion: obj.apiVersion ?? 'v1' } as ReturnType<typeof involvedOf>;
  if (obj.metadata.resourceVersion) o.resourceVersion = obj.metadata.resourceVersion;
  if (fieldPath) o.fieldPath = fieldPath;
  return o;
}

import type { KubeObject } from '../../kube/types.js';
import { condition, isTrue, num, obj } from './fields.js';

const deleting = (o: KubeObject): boolean => o.metadata?.deletionTimestamp !== undefined && o.metadata?.deletionTimestamp !== null;

/** spec.replicas with the API default of 1. */
function desiredReplicas(o: KubeObject): number {
  return num(obj(o.spec)?.replicas) ?? 1;
}

/**
 * Deployment, first rule that applies:
 * Terminating (deletionTimestamp) > ScaledDown (spec.replicas 0) > Paused
 * (spec.paused) > ReplicaFailure (condition True) > Failed (Progressing
 * False, i.e. ProgressDeadlineExceeded) > Progressing (a rollout under way:
 * Progressing True with a reason other than NewReplicaSetAvailable, or no
 * conditions yet) > Available (Available True) > Unavailable.
 */
export function deploymentStatus(d: KubeObject): string {
  if (deleting(d)) return 'Terminating';
  if (desiredReplicas(d) === 0) return 'ScaledDown';
  if (obj(d.spec)?.paused === true) return 'Paused';
  const status = obj(d.status);
  if (isTrue(status, 'ReplicaFailure')) return 'ReplicaFailure';
  const progressing = condition(status, 'Progressing');
  if (progressing?.status === 'False') return 'Failed';
  const available = condition(status, 'Available');
  if ((progressing && progressing.status === 'True' && progressing.reason !== 'NewReplicaSetAvailable') || (!progressing && !available)) return 'Progressing';
  return available?.status === 'True' ? 'Available' : 'Unavailable';
}

/** ReplicaSet: Terminating > ScaledDown (spec.replicas 0) > ReplicaFailure > Ready (readyReplicas >= spec.replicas) > NotReady. */
export function replicaSetStatus(rs: KubeObject): string {
  if (deleting(rs)) return 'Terminating';
  const desired = desiredReplicas(rs);
  if (desired === 0) return 'ScaledDown';
  const status = obj(rs.status);
  if (isTrue(status, 'ReplicaFailure')) return 'ReplicaFailure';
  return (num(status?.readyReplicas) ?? 0) >= desired ? 'Ready' : 'NotReady';
}

/** StatefulSet: Terminating > ScaledDown (spec.replicas 0) > Ready (readyReplicas >= spec.replicas and every replica updated) > NotReady. */
export function statefulSetStatus(sts: KubeObject): string {
  if (deleting(sts)) return 'Terminating';
  const desired = desiredReplicas(sts);
  if (desired === 0) return 'ScaledDown';
  const status = obj(sts.status);
  const ready = num(status?.readyReplicas) ?? 0;
  const updated = num(status?.updatedReplicas);
  return ready >= desired && (updated === undefined || updated >= desired) ? 'Ready' : 'NotReady';
}

/** DaemonSet: Terminating > ScaledDown (desiredNumberScheduled 0: no eligible node) > Ready (numberReady >= desired and none unavailable) > NotReady. */
export function daemonSetStatus(ds: KubeObject): string {
  if (deleting(ds)) return 'Terminating';
  const status = obj(ds.status);
  const desired = num(status?.desiredNumberScheduled) ?? 0;
  if (desired === 0) return 'ScaledDown';
  const ready = num(status?.numberReady) ?? 0;
  const unavailable = num(status?.numberUnavailable) ?? 0;
  return ready >= desired && unavailable === 0 ? 'Ready' : 'NotReady';
}

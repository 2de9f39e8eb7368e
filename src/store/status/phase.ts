import type { KubeObject } from '../../kube/types.js';
import { obj, str } from './fields.js';

/**
 * PersistentVolumeClaim (Pending / Bound / Lost) and PersistentVolume
 * (Pending / Available / Bound / Released / Failed): status.phase, or
 * "Terminating" while being deleted (kubectl prints the same).
 */
export function volumeStatus(o: KubeObject): string | undefined {
  if (o.metadata?.deletionTimestamp) return 'Terminating';
  return str(obj(o.status)?.phase);
}

/** Namespace: status.phase (Active / Terminating). */
export function namespaceStatus(ns: KubeObject): string | undefined {
  return str(obj(ns.status)?.phase) ?? (ns.metadata?.deletionTimestamp ? 'Terminating' : 'Active');
}

import type { KubeObject } from '../../kube/types.js';
import { condition, obj, str } from './fields.js';

/**
 * Any other kind (custom resources included): "Terminating" while being
 * deleted, else status.phase when it is a string, else "Ready"/"NotReady"
 * from a Ready condition (True / anything else), else no status.
 */
export function genericStatus(o: KubeObject): string | undefined {
  if (o.metadata?.deletionTimestamp) return 'Terminating';
  const status = obj(o.status);
  const phase = str(status?.phase);
  if (phase) return phase;
  const ready = condition(status, 'Ready');
  if (ready) return ready.status === 'True' ? 'Ready' : 'NotReady';
  return undefined;
}

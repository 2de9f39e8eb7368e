import type { KubeObject } from '../../kube/types.js';
import { condition, obj } from './fields.js';

/**
 * Node STATUS as `kubectl get nodes` prints it (printNode): "Ready" when the
 * Ready condition is True, "NotReady" when it is False or Unknown, "Unknown"
 * without a Ready condition; ",SchedulingDisabled" appended when cordoned
 * (spec.unschedulable), e.g. "Ready,SchedulingDisabled".
 */
export function nodeStatus(node: KubeObject): string {
  const ready = condition(obj(node.status), 'Ready');
  const parts = [ready === undefined ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady'];
  if (obj(node.spec)?.unschedulable === true) parts.push('SchedulingDisabled');
  return parts.join(',');
}

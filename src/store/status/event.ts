import type { KubeObject } from '../../kube/types.js';
import { str } from './fields.js';

/** Event (core/v1 and events.k8s.io/v1): its type, "Normal" or "Warning". */
export function eventStatus(ev: KubeObject): string | undefined {
  return str(ev.type);
}

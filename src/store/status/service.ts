import type { KubeObject } from '../../kube/types.js';
import { arr, obj } from './fields.js';

/**
 * Service: "Pending" for a LoadBalancer that has no address yet (kubectl's
 * EXTERNAL-IP <pending>), "Terminating" while being deleted, else "Ready"
 * (ClusterIP, headless, NodePort, ExternalName and served LoadBalancers).
 * The type itself is in the object (spec.type).
 */
export function serviceStatus(svc: KubeObject): string {
  if (svc.metadata?.deletionTimestamp) return 'Terminating';
  if (obj(svc.spec)?.type === 'LoadBalancer' && arr(obj(obj(svc.status)?.loadBalancer)?.ingress).length === 0) return 'Pending';
  return 'Ready';
}

import type { SimKind } from './types.js';
import { INITIAL_EVENTS_END_ANNOTATION } from '../kube/types.js';
import { isCustomResourceKind } from './simKinds.js';

/**
 * BOOKMARK event objects: the zero value of the kind's Go struct carrying
 * only metadata.resourceVersion, serialized as the real server does
 * (`{"kind":"Pod","apiVersion":"v1","metadata":{...},"spec":{"containers":null},"status":{}}`).
 */

const POD_TEMPLATE = '{"metadata":{"creationTimestamp":null},"spec":{"containers":null}}';

/** The JSON after "metadata" for each kind's zero value. */
const ZERO_TAIL: Record<string, string> = {
  Pod: ',"spec":{"containers":null},"status":{}',
  Node: ',"spec":{},"status":{"daemonEndpoints":{"kubeletEndpoint":{"Port":0}},"nodeInfo":{"machineID":"","systemUUID":"","bootID":"","kernelVersion":"","osImage":"","containerRuntimeVersion":"","kubeletVersion":"","kubeProxyVersion":"","operatingSystem":"","architecture":""}}',
  Namespace: ',"spec":{},"status":{}',
  Service: ',"spec":{},"status":{"loadBalancer":{}}',
  PersistentVolumeClaim: ',"spec":{"resources":{}},"status":{}',
  PersistentVolume: ',"spec":{},"status":{}',
  Event: ',"involvedObject":{},"reason":"","message":"","source":{},"firstTimestamp":null,"lastTimestamp":null,"count":0,"type":"","eventTime":null,"reportingComponent":"","reportingInstance":""',
  'apps/Deployment': `,"spec":{"selector":null,"template":${POD_TEMPLATE},"strategy":{}},"status":{}`,
  'apps/ReplicaSet': `,"spec":{"selector":null,"template":${POD_TEMPLATE}},"status":{"replicas":0}`,
  'apps/StatefulSet': `,"spec":{"selector":null,"template":${POD_TEMPLATE},"serviceName":"","updateStrategy":{}},"status":{"replicas":0,"availableReplicas":0}`,
  'apps/DaemonSet': `,"spec":{"selector":null,"template":${POD_TEMPLATE},"updateStrategy":{}},"status":{"currentNumberScheduled":0,"numberMisscheduled":0,"desiredNumberScheduled":0,"numberReady":0}`,
  'batch/Job': `,"spec":{"template":${POD_TEMPLATE}},"status":{}`,
  'batch/CronJob': `,"spec":{"schedule":"","jobTemplate":{"metadata":{"creationTimestamp":null},"spec":{"template":${POD_TEMPLATE}}}},"status":{}`,
  'discovery.k8s.io/EndpointSlice': ',"addressType":"","endpoints":null',
  'networking.k8s.io/Ingress': ',"spec":{},"status":{"loadBalancer":{}}',
  'networking.k8s.io/NetworkPolicy': ',"spec":{"podSelector":{}}',
  'policy/PodDisruptionBudget': ',"spec":{},"status":{"disruptionsAllowed":0,"currentHealthy":0,"desiredHealthy":0,"expectedPods":0}',
  'autoscaling/HorizontalPodAutoscaler': ',"spec":{"scaleTargetRef":{"kind":"","name":""},"maxReplicas":0},"status":{"desiredReplicas":0,"currentMetrics":null}',
  'rbac.authorization.k8s.io/Role': ',"rules":null',
  'rbac.authorization.k8s.io/ClusterRole': ',"rules":null',
  'rbac.authorization.k8s.io/RoleBinding': ',"roleRef":{"apiGroup":"","kind":"","name":""}',
  'rbac.authorization.k8s.io/ClusterRoleBinding': ',"roleRef":{"apiGroup":"","kind":"","name":""}',
  'storage.k8s.io/StorageClass': ',"provisioner":""',
};

/** The serialized BOOKMARK event line (with trailing newline) for `kind` at `rv`. */
export function bookmarkLine(kind: SimKind, apiVersion: string, rv: number, initialEventsEnd = false): string {
  const ann = initialEventsEnd ? `,"annotations":{${JSON.stringify(INITIAL_EVENTS_END_ANNOTATION)}:"true"}` : '';
  if (isCustomResourceKind(kind)) {
    const md = `{"resourceVersion":"${rv}"${initialEventsEnd ? `,"annotations":{${JSON.stringify(INITIAL_EVENTS_END_ANNOTATION)}:"true"}` : ''}}`;
    return `{"type":"BOOKMARK","object":{"apiVersion":${JSON.stringify(apiVersion)},"kind":${JSON.stringify(kind.kind)},"metadata":${md}}}\n`;
  }
  const key = kind.group ? `${kind.group}/${kind.kind}` : kind.kind;
  const tail = ZERO_TAIL[key] ?? '';
  return `{"type":"BOOKMARK","object":{"kind":${JSON.stringify(kind.kind)},"apiVersion":${JSON.stringify(apiVersion)},"metadata":{"resourceVersion":"${rv}","creationTimestamp":null${ann}}${tail}}}\n`;
}

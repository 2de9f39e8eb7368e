import { builder } from '../builder.js';

export const ClusterStatusEnum = builder.enumType('ClusterStatus', {
  values: ['CONNECTING', 'SYNCING', 'READY', 'DEGRADED', 'UNREACHABLE'] as const,
});

export const AuthMethodEnum = builder.enumType('AuthMethod', {
  values: ['KUBECONFIG', 'IN_CLUSTER', 'SERVICE_ACCOUNT', 'TOKEN'] as const,
});

export const ResourceEventTypeEnum = builder.enumType('ResourceEventType', {
  values: ['ADDED', 'MODIFIED', 'DELETED'] as const,
});

export const RelationDirectionEnum = builder.enumType('RelationDirection', {
  values: ['OUTGOING', 'INCOMING', 'BOTH'] as const,
});

export const RelationTypeEnum = builder.enumType('RelationType', {
  description: 'How two resources relate; see the README for the rule behind each type.',
  values: {
    OWNED_BY: { description: 'object -> its ownerReferences (Pod -> ReplicaSet, ReplicaSet -> Deployment, Job -> CronJob, ...)' },
    RUNS_ON: { description: 'Pod -> Node (spec.nodeName)' },
    USES: { description: 'Pod or pod template -> ConfigMap / Secret / PersistentVolumeClaim / ServiceAccount' },
    SELECTS: { description: 'Service / PodDisruptionBudget / NetworkPolicy -> Pods matching its selector' },
    ROUTES_TO: { description: 'Ingress -> Service; EndpointSlice -> Pod' },
    BOUND_TO: { description: 'PersistentVolumeClaim -> PersistentVolume; PersistentVolume/PersistentVolumeClaim -> StorageClass' },
    SCALES: { description: 'HorizontalPodAutoscaler -> its scaleTargetRef' },
    BINDS: { description: 'RoleBinding / ClusterRoleBinding -> Role / ClusterRole and ServiceAccount subjects' },
    EVENT_FOR: { description: 'Event -> involvedObject / regarding' },
    MANAGES: { description: 'Deployment / StatefulSet / DaemonSet / Job / CronJob -> Pods it ultimately owns' },
  } as const,
});

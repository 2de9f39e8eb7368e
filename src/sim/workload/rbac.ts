import type { KubeObject } from '../../kube/types.js';
import { buildRole, buildRoleBinding, type PolicyRule } from './config.js';
import type { Rng } from './random.js';

/** The bootstrap RBAC a user expects to find (cluster-admin, admin, edit, view and a few system roles). */

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];

const VIEW_RULES: PolicyRule[] = [
  { verbs: READ, apiGroups: [''], resources: ['configmaps', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status'] },
  { verbs: READ, apiGroups: [''], resources: ['bindings', 'events', 'limitranges', 'namespaces/status', 'pods/log', 'pods/status', 'replicationcontrollers/status', 'resourcequotas', 'resourcequotas/status'] },
  { verbs: READ, apiGroups: [''], resources: ['namespaces'] },
  { verbs: READ, apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'] },
  { verbs: READ, apiGroups: ['apps'], resources: ['controllerrevisions', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'statefulsets', 'statefulsets/scale', 'statefulsets/status'] },
  { verbs: READ, apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers', 'horizontalpodautoscalers/status'] },
  { verbs: READ, apiGroups: ['batch'], resources: ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status'] },
  { verbs: READ, apiGroups: ['policy'], resources: ['poddisruptionbudgets', 'poddisruptionbudgets/status'] },
  { verbs: READ, apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'ingresses/status', 'networkpolicies'] },
];

const EDIT_RULES: PolicyRule[] = [
  { verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'], apiGroups: [''], resources: ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy'] },
  { verbs: WRITE, apiGroups: [''], resources: ['configmaps', 'events', 'persistentvolumeclaims', 'replicationcontrollers', 'replicationcontrollers/scale', 'secrets', 'serviceaccounts', 'services', 'services/proxy'] },
  { verbs: ['create'], apiGroups: [''], resources: ['serviceaccounts/token'] },
  { verbs: WRITE, apiGroups: ['apps'], resources: ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'replicasets', 'replicasets/scale', 'statefulsets', 'statefulsets/scale'] },
  { verbs: WRITE, apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'] },
  { verbs: WRITE, apiGroups: ['batch'], resources: ['cronjobs', 'jobs'] },
  { verbs: WRITE, apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'networkpolicies'] },
  { verbs: WRITE, apiGroups: ['policy'], resources: ['poddisruptionbudgets'] },
  ...VIEW_RULES,
];

const ADMIN_RULES: PolicyRule[] = [
  { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['localsubjectaccessreviews'] },
  { verbs: WRITE.concat(READ), apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings', 'roles'] },
  ...EDIT_RULES,
];

const BOOTSTRAP = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
const AUTOUPDATE = { 'rbac.authorization.kubernetes.io/autoupdate': 'true' };

export function buildClusterRbac(rng: Rng, born: number): KubeObject[] {
  const role = (name: string, rules: PolicyRule[], extraLabels: Record<string, string> = {}) =>
    buildRole({ name, uid: rng.uuid(), created: born, labels: { ...BOOTSTRAP, ...extraLabels }, annotations: AUTOUPDATE, rules, manager: 'kube-apiserver' });
  const binding = (name: string, roleName: string, subjects: Parameters<typeof buildRoleBinding>[0]['subjects']) =>
    buildRoleBinding({ name, uid: rng.uuid(), created: born, labels: BOOTSTRAP, annotations: AUTOUPDATE, subjects, roleRef: { kind: 'ClusterRole', name: roleName }, manager: 'kube-apiserver' });
  return [
    role('cluster-admin', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] }]),
    role('admin', ADMIN_RULES, { 'kubernetes.io/bootstrapping': 'rbac-defaults' }),
    role('edit', EDIT_RULES, { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' }),
    role('view', VIEW_RULES, { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' }),
    role('system:node-proxier', [
      { verbs: ['list', 'watch'], apiGroups: [''], resources: ['endpoints', 'services'] },
      { verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['nodes'] },
      { verbs: ['create', 'patch', 'update'], apiGroups: ['', 'events.k8s.io'], resources: ['events'] },
      { verbs: ['list', 'watch'], apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'] },
    ]),
    buildRole({ name: 'system:coredns', uid: rng.uuid(), created: born, rules: [{ verbs: ['list', 'watch'], apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'] }, { verbs: ['list', 'watch'], apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'] }], manager: 'kubeadm' }),
    binding('cluster-admin', 'cluster-admin', [{ kind: 'Group', name: 'system:masters' }]),
    binding('system:node-proxier', 'system:node-proxier', [{ kind: 'User', name: 'system:kube-proxy' }]),
    buildRoleBinding({ name: 'system:coredns', uid: rng.uuid(), created: born, subjects: [{ kind: 'ServiceAccount', name: 'coredns', namespace: 'kube-system' }], roleRef: { kind: 'ClusterRole', name: 'system:coredns' }, manager: 'kubeadm' }),
  ];
}

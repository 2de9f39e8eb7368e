import type { KubeObject } from '../../kube/types.js';
import type { SourceInfo, TargetRef } from '../types.js';
import { type EdgeRule, TargetSet } from './rule.js';
import { arr, obj, path, str } from './wire.js';

const RBAC = 'rbac.authorization.k8s.io/v1';

/**
 * BINDS: RoleBinding / ClusterRoleBinding -> the Role or ClusterRole of its
 * roleRef, and -> each ServiceAccount among its subjects.
 *
 * Edge cases:
 * - A RoleBinding may reference a ClusterRole (granting it within the
 *   namespace); roleRef kind decides: Role is looked up in the binding's
 *   namespace, ClusterRole cluster-wide. Other roleRef kinds are invalid and
 *   ignored.
 * - User and Group subjects are not resources and yield no edge.
 * - A ServiceAccount subject without namespace in a RoleBinding means the
 *   binding's namespace (as the RBAC authorizer reads it); in a
 *   ClusterRoleBinding the namespace is required, so one without it is
 *   skipped.
 * - Matched by name: bindings survive the role being recreated.
 */
export const bindsRule: EdgeRule = {
  type: 'BINDS',
  sourceKinds: ['rbac.authorization.k8s.io/RoleBinding', 'rbac.authorization.k8s.io/ClusterRoleBinding'],
  targets(o: KubeObject, source: SourceInfo): TargetRef[] {
    const out = new TargetSet();
    const roleRef = obj(o.roleRef);
    const roleKind = str(roleRef?.kind);
    const roleName = str(roleRef?.name);
    if (roleName && roleKind === 'ClusterRole') out.add({ apiVersion: RBAC, kind: 'ClusterRole', namespace: '', name: roleName, byUid: false });
    if (roleName && roleKind === 'Role' && source.namespace) out.add({ apiVersion: RBAC, kind: 'Role', namespace: source.namespace, name: roleName, byUid: false });
    for (const s of arr(o.subjects)) {
      if (str(path(s, 'kind')) !== 'ServiceAccount') continue;
      const name = str(path(s, 'name'));
      const namespace = str(path(s, 'namespace')) ?? source.namespace;
      if (name && namespace) out.add({ apiVersion: 'v1', kind: 'ServiceAccount', namespace, name, byUid: false });
    }
    return out.list;
  },
};

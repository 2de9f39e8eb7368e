import { describe, expect, it } from 'vitest';
import { bindsRule } from '../../../src/relations/rules/binds.js';
import { captured, sourceOf } from '../helpers/fixtures.js';

describe('BINDS rule', () => {
  it('binds the RoleBinding to its Role and its ServiceAccount subject, not to the User', () => {
    const rb = captured('rolebinding-read-pods');
    expect(bindsRule.targets(rb, sourceOf(rb))).toEqual([
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', namespace: 'demo', name: 'pod-reader', byUid: false },
      { apiVersion: 'v1', kind: 'ServiceAccount', namespace: 'demo', name: 'web-sa', byUid: false },
    ]);
  });

  it('binds the ClusterRoleBinding to its ClusterRole; a Group subject is no edge', () => {
    const crb = captured('clusterrolebinding-monitoring');
    expect(bindsRule.targets(crb, sourceOf(crb))).toEqual([
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', namespace: '', name: 'monitoring', byUid: false },
    ]);
  });

  it('a RoleBinding to a ClusterRole, an SA subject without namespace (binding namespace), and a namespace-less SA in a ClusterRoleBinding (skipped)', () => {
    const rb = captured('rolebinding-read-pods');
    rb.roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' };
    rb.subjects = [{ kind: 'ServiceAccount', name: 'local' }, { kind: 'ServiceAccount', name: 'remote', namespace: 'other' }];
    expect(bindsRule.targets(rb, sourceOf(rb)).map((t) => `${t.kind}/${t.namespace}/${t.name}`)).toEqual([
      'ClusterRole//view',
      'ServiceAccount/demo/local',
      'ServiceAccount/other/remote',
    ]);
    const crb = captured('clusterrolebinding-monitoring');
    crb.subjects = [{ kind: 'ServiceAccount', name: 'nowhere' }];
    expect(bindsRule.targets(crb, sourceOf(crb)).map((t) => t.kind)).toEqual(['ClusterRole']);
  });
});

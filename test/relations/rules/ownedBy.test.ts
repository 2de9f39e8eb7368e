import { describe, expect, it } from 'vitest';
import { ownedByRule } from '../../../src/relations/rules/ownedBy.js';
import { captured, sourceOf } from '../helpers/fixtures.js';

describe('OWNED_BY rule', () => {
  it('points a Deployment pod at its ReplicaSet by uid', () => {
    const pod = captured('pod-web-f77c755dc-2bdwq');
    expect(ownedByRule.targets(pod, sourceOf(pod))).toEqual([
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', namespace: 'demo', name: 'web-f77c755dc', uid: 'd021cb78-f89e-4e18-a6c0-799d58bd3efe', byUid: true },
    ]);
  });

  it('follows the chain ReplicaSet -> Deployment and Job -> CronJob', () => {
    const rs = captured('replicaset-web-f77c755dc');
    expect(ownedByRule.targets(rs, sourceOf(rs)).map((t) => [t.kind, t.name, t.uid])).toEqual([['Deployment', 'web', '81a546d5-4b68-463d-bf77-5291985afacc']]);
    const job = captured('job-from-cronjob-report-29924032');
    expect(ownedByRule.targets(job, sourceOf(job)).map((t) => [t.kind, t.name, t.uid])).toEqual([['CronJob', 'report', 'a28fe04d-973b-47b0-98dd-ca422a0569e9']]);
  });

  it('gives objects without ownerReferences no edge', () => {
    for (const name of ['deployment-web', 'pod-runner', 'job-migrate', 'node-a']) {
      const o = captured(name);
      expect(ownedByRule.targets(o, sourceOf(o)), name).toEqual([]);
    }
  });

  it('keeps every owner, puts cluster-scoped owners outside the namespace, skips invalid entries', () => {
    const pod = captured('pod-runner');
    pod.metadata.ownerReferences = [
      { apiVersion: 'v1', kind: 'Node', name: 'node-a', uid: 'node-uid', controller: true },
      { apiVersion: 'example.com/v1', kind: 'Thing', name: 't', uid: 'thing-uid' },
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'no-uid', uid: '' },
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'dup', uid: 'rs-uid' },
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'dup', uid: 'rs-uid' },
    ];
    expect(ownedByRule.targets(pod, sourceOf(pod)).map((t) => [t.kind, t.namespace, t.uid])).toEqual([
      ['Node', '', 'node-uid'],
      ['Thing', 'demo', 'thing-uid'],
      ['ReplicaSet', 'demo', 'rs-uid'],
    ]);
  });

  it('survives a malformed ownerReferences field', () => {
    const pod = captured('pod-runner');
    (pod.metadata as Record<string, unknown>).ownerReferences = { not: 'a list' };
    expect(ownedByRule.targets(pod, sourceOf(pod))).toEqual([]);
    (pod.metadata as Record<string, unknown>).ownerReferences = [null, 'x', 42];
    expect(ownedByRule.targets(pod, sourceOf(pod))).toEqual([]);
  });
});

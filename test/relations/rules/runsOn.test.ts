import { describe, expect, it } from 'vitest';
import { runsOnRule } from '../../../src/relations/rules/runsOn.js';
import { captured, sourceOf } from '../helpers/fixtures.js';

describe('RUNS_ON rule', () => {
  it('points a scheduled pod at its Node by name', () => {
    const pod = captured('pod-runner');
    expect(runsOnRule.targets(pod, sourceOf(pod))).toEqual([{ apiVersion: 'v1', kind: 'Node', namespace: '', name: 'node-a', byUid: false }]);
  });

  it('gives an unscheduled (Pending, no nodeName) pod no edge', () => {
    const pod = captured('pod-web-f77c755dc-2bdwq');
    expect(pod.spec).not.toHaveProperty('nodeName');
    expect(runsOnRule.targets(pod, sourceOf(pod))).toEqual([]);
  });

  it('ignores the DaemonSet pod node affinity until the pod is bound', () => {
    const pod = captured('pod-daemonset-node-exporter-8bl2m');
    expect(runsOnRule.targets(pod, sourceOf(pod))).toEqual([]);
    (pod.spec as Record<string, unknown>).nodeName = 'node-b';
    expect(runsOnRule.targets(pod, sourceOf(pod)).map((t) => t.name)).toEqual(['node-b']);
  });
});

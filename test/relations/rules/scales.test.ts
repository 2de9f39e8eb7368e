import { describe, expect, it } from 'vitest';
import { targetKindKey } from '../../../src/relations/refKinds.js';
import { scalesRule } from '../../../src/relations/rules/scales.js';
import { captured, sourceOf } from '../helpers/fixtures.js';

describe('SCALES rule', () => {
  it('points the HPA (read as autoscaling/v2 and autoscaling/v1) at its Deployment', () => {
    for (const name of ['horizontalpodautoscaler-web.autoscaling-v2', 'horizontalpodautoscaler-web.autoscaling-v1']) {
      const hpa = captured(name);
      expect(scalesRule.targets(hpa, sourceOf(hpa)), name).toEqual([{ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'demo', name: 'web', byUid: false }]);
    }
  });

  it('fills a missing apiVersion from the built-in kind and maps extensions/ to apps/', () => {
    const hpa = captured('horizontalpodautoscaler-web.autoscaling-v2');
    (hpa.spec as Record<string, unknown>).scaleTargetRef = { kind: 'StatefulSet', name: 'db' };
    const [t] = scalesRule.targets(hpa, sourceOf(hpa));
    expect(t.apiVersion).toBe('apps/v1');
    expect(targetKindKey(t.apiVersion, t.kind)).toBe('apps/StatefulSet');
    expect(targetKindKey('extensions/v1beta1', 'Deployment')).toBe('apps/Deployment');
  });

  it('gives an HPA without a usable scaleTargetRef no edge', () => {
    const hpa = captured('horizontalpodautoscaler-web.autoscaling-v2');
    (hpa.spec as Record<string, unknown>).scaleTargetRef = { kind: 'Deployment' };
    expect(scalesRule.targets(hpa, sourceOf(hpa))).toEqual([]);
  });
});

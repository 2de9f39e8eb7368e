import { describe, expect, it } from 'vitest';
import { selectorOf } from '../../../src/relations/rules/selects.js';
import { captured, sourceOf } from '../helpers/fixtures.js';

const podLabels = (name: string) => captured(name).metadata.labels ?? {};
const sel = (name: string) => {
  const o = captured(name);
  return selectorOf(o, sourceOf(o).kindKey)!;
};

describe('SELECTS rule (selectors)', () => {
  it('Service web selects the web pods and not the others', () => {
    const s = sel('service-web');
    expect(s.matches(podLabels('pod-web-f77c755dc-2bdwq'))).toBe(true);
    expect(s.matches(podLabels('pod-runner'))).toBe(false);
    expect(s.matches(podLabels('pod-db-0'))).toBe(false);
  });

  it('the headless Service db selects the StatefulSet pod', () => {
    expect(sel('service-db-headless').matches(podLabels('pod-db-0'))).toBe(true);
  });

  it('PodDisruptionBudget and NetworkPolicy match by their meta/v1 selectors', () => {
    expect(sel('poddisruptionbudget-web').matches(podLabels('pod-web-f77c755dc-6xn85'))).toBe(true);
    expect(sel('poddisruptionbudget-web').matches(podLabels('pod-runner'))).toBe(false);
    // only spec.podSelector counts, not the ingress peers' podSelector (tier=frontend)
    const np = sel('networkpolicy-web-allow-frontend');
    expect(np.matches(podLabels('pod-web-f77c755dc-7xkhv'))).toBe(true);
    expect(np.matches({ tier: 'frontend' })).toBe(false);
  });

  it('a Service without selector, with {} or of type ExternalName selects nothing', () => {
    const svc = captured('service-web');
    const spec = svc.spec as Record<string, unknown>;
    delete spec.selector;
    expect(selectorOf(svc, 'Service')!.isNothing()).toBe(true);
    spec.selector = {};
    expect(selectorOf(svc, 'Service')!.isNothing()).toBe(true);
    spec.selector = { app: 'web' };
    spec.type = 'ExternalName';
    expect(selectorOf(svc, 'Service')!.isNothing()).toBe(true);
  });

  it('NetworkPolicy podSelector {} (or absent) selects every pod; PDB selector {} every pod, absent none', () => {
    const np = captured('networkpolicy-web-allow-frontend');
    (np.spec as Record<string, unknown>).podSelector = {};
    expect(selectorOf(np, 'networking.k8s.io/NetworkPolicy')!.isEverything()).toBe(true);
    delete (np.spec as Record<string, unknown>).podSelector;
    expect(selectorOf(np, 'networking.k8s.io/NetworkPolicy')!.isEverything()).toBe(true);
    const pdb = captured('poddisruptionbudget-web');
    (pdb.spec as Record<string, unknown>).selector = {};
    expect(selectorOf(pdb, 'policy/PodDisruptionBudget')!.isEverything()).toBe(true);
    delete (pdb.spec as Record<string, unknown>).selector;
    expect(selectorOf(pdb, 'policy/PodDisruptionBudget')!.isNothing()).toBe(true);
  });

  it('matchExpressions work; an invalid operator selects nothing instead of throwing', () => {
    const pdb = captured('poddisruptionbudget-web');
    (pdb.spec as Record<string, unknown>).selector = { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'db'] }] };
    const s = selectorOf(pdb, 'policy/PodDisruptionBudget')!;
    expect(s.matches(podLabels('pod-db-0'))).toBe(true);
    expect(s.matches(podLabels('pod-runner'))).toBe(false);
    (pdb.spec as Record<string, unknown>).selector = { matchExpressions: [{ key: 'app', operator: 'Near', values: ['web'] }] };
    expect(selectorOf(pdb, 'policy/PodDisruptionBudget')!.isNothing()).toBe(true);
  });

  it('returns undefined for kinds that do not select pods', () => {
    expect(selectorOf(captured('deployment-web'), 'apps/Deployment')).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { routesToRule } from '../../../src/relations/rules/routesTo.js';
import { captured, sourceOf } from '../helpers/fixtures.js';

describe('ROUTES_TO rule', () => {
  it('routes the captured Ingress to both backend Services', () => {
    const ing = captured('ingress-web');
    expect(routesToRule.targets(ing, sourceOf(ing))).toEqual([
      { apiVersion: 'v1', kind: 'Service', namespace: 'demo', name: 'web', byUid: false },
      { apiVersion: 'v1', kind: 'Service', namespace: 'demo', name: 'runner', byUid: false },
    ]);
  });

  it('includes defaultBackend, skips host-only rules and resource backends, lists a Service once', () => {
    const ing = captured('ingress-web');
    const spec = ing.spec as Record<string, unknown>;
    spec.defaultBackend = { service: { name: 'fallback', port: { number: 80 } } };
    (spec.rules as unknown[]).push({ host: 'only.example.com' }, { http: { paths: [{ path: '/x', backend: { service: { name: 'web', port: { number: 81 } } } }] } });
    (spec.rules as unknown[]).push({ http: { paths: [{ path: '/b', backend: { resource: { apiGroup: 'k8s.example.com', kind: 'StorageBucket', name: 'static' } } }] } });
    expect(routesToRule.targets(ing, sourceOf(ing)).map((t) => t.name)).toEqual(['fallback', 'web', 'runner']);
  });

  it('routes an EndpointSlice to its ready pod by uid', () => {
    const es = captured('endpointslice-runner-4jj2g');
    expect(routesToRule.targets(es, sourceOf(es))).toEqual([
      { apiVersion: 'v1', kind: 'Pod', namespace: 'demo', name: 'runner', uid: '89d11485-a8fd-4a47-adea-5cc790c157b1', byUid: true },
    ]);
  });

  it('gives a slice with endpoints: null no edge', () => {
    const es = captured('endpointslice-web-7cng9');
    expect(es.endpoints).toBeNull();
    expect(routesToRule.targets(es, sourceOf(es))).toEqual([]);
  });

  it('resolves a targetRef without uid by name, in the slice namespace when it has none', () => {
    const es = captured('endpointslice-runner-4jj2g');
    es.endpoints = [{ addresses: ['10.0.0.9'], targetRef: { kind: 'Pod', name: 'manual' } }, { addresses: ['10.0.0.10'] }];
    expect(routesToRule.targets(es, sourceOf(es))).toEqual([{ apiVersion: 'v1', kind: 'Pod', namespace: 'demo', name: 'manual', byUid: false }]);
  });
});

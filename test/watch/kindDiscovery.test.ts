import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { KubeClient, KubeRequest, KubeResponse } from '../../src/clusters/kubeClient.js';
import { BUILTIN_KINDS, kindKey } from '../../src/kube/kinds.js';
import { discoverKinds, type DiscoveredKinds } from '../../src/watch/kindDiscovery.js';
import { selectKinds } from '../../src/watch/kindSelection.js';

/**
 * Unit tests of discoverKinds' parsing and of selectKinds, fed with the
 * discovery documents captured from a real kube-apiserver v1.28.7. The
 * client below only maps paths to those files (integration against the
 * simulated apiserver is in reflector tests).
 */
function fixtureClient(aggregated: boolean): KubeClient & { paths: string[] } {
  const paths: string[] = [];
  const file = (path: string, accept: string): string | undefined => {
    const wantsAggregated = accept.includes('as=APIGroupDiscoveryList');
    if (path === '/api') return aggregated && wantsAggregated ? 'aggregated-api.json' : 'api.json';
    if (path === '/apis') return aggregated && wantsAggregated ? 'aggregated-apis.json' : 'apis.json';
    const m = /^\/(api|apis)\/(.+)$/.exec(path);
    if (!m) return undefined;
    return m[1] === 'api' ? `api-${m[2]}.json` : `apis-${m[2].replace(/\./g, '_').replace('/', '-')}.json`;
  };
  return {
    clusterId: 'fixture',
    server: 'https://127.0.0.1:6443',
    paths,
    async request(req: KubeRequest): Promise<KubeResponse> {
      paths.push(req.path);
      const name = file(req.path, req.headers?.Accept ?? '');
      const url = name && new URL(`../fixtures/real-apiserver/discovery/${name}`, import.meta.url);
      if (!url || !existsSync(url)) return { status: 404, headers: { 'content-type': 'text/plain' }, body: Buffer.from('404 page not found\n') };
      return { status: 200, headers: { 'content-type': 'application/json' }, body: readFileSync(url) };
    },
    stream: () => Promise.reject(new Error('not used')),
  };
}

const keyed = (d: DiscoveredKinds) => new Map(d.kinds.map((k) => [kindKey(k), k]));

describe('discoverKinds on a real v1.28.7 server’s documents', () => {
  it('reads aggregated discovery in two requests and keeps only listable+watchable kinds', async () => {
    const client = fixtureClient(true);
    const d = await discoverKinds(client);
    expect(d.aggregated).toBe(true);
    expect(client.paths.sort()).toEqual(['/api', '/apis']);
    const k = keyed(d);
    expect(k.get('Pod')).toMatchObject({ group: '', version: 'v1', plural: 'pods', namespaced: true });
    expect(k.get('apps/Deployment')).toMatchObject({ version: 'v1', plural: 'deployments', namespaced: true, shortNames: ['deploy'] });
    expect(k.get('autoscaling/HorizontalPodAutoscaler')?.version).toBe('v2');
    expect(k.get('Namespace')?.namespaced).toBe(false);
    expect(k.has('Binding')).toBe(false); // create only
    expect(k.has('ComponentStatus')).toBe(false); // get, list: no watch
    expect(k.has('authentication.k8s.io/TokenReview')).toBe(false);
    expect(d.allVersions.filter((x) => x.kind === 'HorizontalPodAutoscaler').map((x) => x.version).sort()).toEqual(['v1', 'v2']);
    for (const b of BUILTIN_KINDS) expect(k.get(kindKey(b)), kindKey(b)).toEqual(expect.objectContaining({ version: b.version, plural: b.plural, namespaced: b.namespaced }));
  });

  it('falls back to per-group-version documents, reads only the needed groups and reports the ones that fail', async () => {
    const client = fixtureClient(false);
    const groups = new Set([...BUILTIN_KINDS.map((k) => k.group), 'events.k8s.io', 'flowcontrol.apiserver.k8s.io']);
    const d = await discoverKinds(client, { groups });
    expect(d.aggregated).toBe(false);
    expect(client.paths).toContain('/apis/autoscaling/v1');
    expect(client.paths).not.toContain('/apis/apiextensions.k8s.io/v1');
    // flowcontrol's documents were not captured: the group fails, the rest stands.
    expect(d.failedGroupVersions.map((f) => f.groupVersion).sort()).toEqual(['flowcontrol.apiserver.k8s.io/v1beta2', 'flowcontrol.apiserver.k8s.io/v1beta3']);
    expect(d.failedGroupVersions[0].reason).toMatch(/^404/);
    const aggregated = keyed(await discoverKinds(fixtureClient(true)));
    for (const [key, kind] of keyed(d)) expect(aggregated.get(key), key).toEqual(kind);
    for (const b of BUILTIN_KINDS) expect(keyed(d).get(kindKey(b))?.version, kindKey(b)).toBe(b.version);
  });
});

describe('selectKinds', () => {
  it('watches the built-in set by default, every served kind with "*", and denies win', async () => {
    const d = await discoverKinds(fixtureClient(true));
    const builtin = selectKinds(undefined, d);
    expect(builtin.kinds.map(kindKey)).toEqual(BUILTIN_KINDS.map(kindKey));
    expect(builtin.skipped).toEqual([]);

    const all = selectKinds(['*', '!secrets', '!events.events.k8s.io'], d);
    const keys = all.kinds.map(kindKey);
    expect(keys.slice(0, 5)).toEqual(BUILTIN_KINDS.filter((k) => k.kind !== 'Secret').slice(0, 5).map(kindKey));
    expect(keys).toContain('coordination.k8s.io/Lease');
    expect(keys).toContain('Endpoints');
    expect(keys).not.toContain('Secret');
    expect(keys).not.toContain('events.k8s.io/Event');
    expect(keys).toContain('Event');
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('resolves every naming form, pins versions, and reports names it cannot watch', async () => {
    const d = await discoverKinds(fixtureClient(true));
    const s = selectKinds(['pods', 'apps/v1/Deployment', 'deployments.apps', 'autoscaling/v1/HorizontalPodAutoscaler', 'Event', 'widgets.example.kubeatlas.io', '!po'], d);
    expect(s.kinds.map((k) => `${kindKey(k)}@${k.version}`)).toEqual(['Event@v1', 'apps/Deployment@v1', 'autoscaling/HorizontalPodAutoscaler@v1']);
    expect(s.skipped).toEqual([{ kind: 'widgets.example.kubeatlas.io', reason: expect.stringMatching(/unknown kind/) }]);
  });

  it('reports built-ins the server lacks, naming a failed group when that is the cause', async () => {
    const d = await discoverKinds(fixtureClient(true));
    const withoutPolicy: DiscoveredKinds = { ...d, kinds: d.kinds.filter((k) => k.group !== 'policy'), failedGroupVersions: [{ groupVersion: 'policy/v1', reason: '503 ServiceUnavailable' }] };
    const s = selectKinds(['!secrets'], withoutPolicy);
    expect(s.kinds.map(kindKey)).not.toContain('Secret');
    expect(s.kinds).toHaveLength(BUILTIN_KINDS.length - 2);
    expect(s.skipped).toEqual([{ kind: 'policy/PodDisruptionBudget', reason: 'discovery of policy/v1 failed: 503 ServiceUnavailable' }]);
    const noBatch: DiscoveredKinds = { ...d, kinds: d.kinds.filter((k) => k.group !== 'batch') };
    expect(selectKinds(['Job', 'pods'], noBatch).skipped).toEqual([{ kind: 'Job', reason: 'not served by the API server' }]);
  });

  it('without discovery takes built-ins as they are and cannot resolve other names', () => {
    const s = selectKinds(['Pod', 'widgets.example.kubeatlas.io'], undefined);
    expect(s.kinds.map(kindKey)).toEqual(['Pod']);
    expect(s.skipped[0]).toMatchObject({ kind: 'widgets.example.kubeatlas.io', reason: expect.stringMatching(/discovery unavailable/) });
  });
});

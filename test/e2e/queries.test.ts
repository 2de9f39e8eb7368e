import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLabelSelector } from '../../src/kube/labelSelector.js';
import type { KubeObject } from '../../src/kube/types.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { waitUntil } from '../helpers/wait.js';

let t: TestApp;

function specOf(o: KubeObject): Record<string, unknown> & { nodeName?: string } {
  return (o.spec ?? {}) as Record<string, unknown> & { nodeName?: string };
}

interface PodNode {
  clusterId: string;
  namespace: string;
  name: string;
  resourceVersion: string;
}

async function allPods(filter: Record<string, unknown> = {}, pageSize = 97): Promise<PodNode[]> {
  const out: PodNode[] = [];
  let after: string | null = null;
  for (;;) {
    type PageResult = { resources: { edges: Array<{ node: PodNode }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };
    const r: { data?: PageResult; errors?: unknown[] } = await t.gql<PageResult>(
      `query($f: ResourceFilter, $after: String, $first: Int) { resources(filter: $f, first: $first, after: $after) {
         edges { node { clusterId namespace name resourceVersion } } pageInfo { hasNextPage endCursor } } }`,
      { f: { kinds: ['Pod'], ...filter }, after, first: pageSize },
    );
    expect(r.errors).toBeUndefined();
    out.push(...r.data!.resources.edges.map((e) => e.node));
    if (!r.data!.resources.pageInfo.hasNextPage) return out;
    after = r.data!.resources.pageInfo.endCursor;
  }
}

function serverPods(): PodNode[] {
  return t.sims
    .flatMap((s) => s.store.list('pods').map((p: KubeObject) => ({ clusterId: s.name, namespace: p.metadata.namespace!, name: p.metadata.name!, resourceVersion: p.metadata.resourceVersion! })))
    .sort((a, b) => (a.clusterId + '\0' + a.namespace + '\0' + a.name < b.clusterId + '\0' + b.namespace + '\0' + b.name ? -1 : 1));
}

beforeAll(async () => {
  t = await startTestApp({ clusters: [{ name: 'east', objects: 600, seed: 11 }, { name: 'west', objects: 400, seed: 12 }] });
  await waitUntil(async () => {
    const r = await t.gql<{ clusters: Array<{ status: string }> }>('{ clusters { status } }');
    return r.data?.clusters.length === 2 && r.data.clusters.every((c) => c.status === 'READY');
  }, 'both clusters READY', 30_000);
});

afterAll(async () => {
  await t?.close();
});

describe('queries over HTTP against simulated clusters', () => {
  it('lists the clusters with status, version and server URL, and never their credentials', async () => {
    const r = await t.gql<{ clusters: Array<Record<string, unknown>> }>(
      '{ clusters { id clusterId name status version server authMethod nodeCount namespaceCount lastError sync { kindsTotal kindsSynced objects progress } } }',
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!.clusters.map((c) => c.clusterId)).toEqual(['east', 'west']);
    for (const [i, c] of r.data!.clusters.entries()) {
      const sim = t.sims[i];
      expect(c).toMatchObject({ status: 'READY', version: 'v1.28.7', server: sim.url, authMethod: 'TOKEN', lastError: null });
      expect(c.nodeCount).toBe(sim.store.count('nodes'));
      expect(c.namespaceCount).toBe(sim.store.count('namespaces'));
      expect((c.sync as { progress: number }).progress).toBe(1);
    }
    const body = JSON.stringify(r);
    for (const s of t.sims) expect(body).not.toContain(s.adminToken);
  });

  it('holds every pod of every cluster with the server\'s resourceVersion, paged in (cluster, namespace, name) order', async () => {
    await waitUntil(async () => JSON.stringify(await allPods()) === JSON.stringify(serverPods()), 'catalog pods == server pods', 10_000, 200);
    const pods = await allPods();
    expect(pods.length).toBe(serverPods().length);
    expect(pods.length).toBeGreaterThan(100);
    expect(new Set(pods.map((p) => `${p.clusterId}/${p.namespace}/${p.name}`)).size).toBe(pods.length);
  });

  it('filters by label selector exactly like the API server does', async () => {
    const sample = t.sims[0].store.list('pods').find((p) => p.metadata.labels?.['app.kubernetes.io/name'] || p.metadata.labels?.app)!;
    const app = sample.metadata.labels?.['app.kubernetes.io/name'] ?? sample.metadata.labels?.app;
    expect(app).toBeTruthy();
    const key = sample.metadata.labels?.['app.kubernetes.io/name'] ? 'app.kubernetes.io/name' : 'app';
    for (const selector of [`${key}=${app}`, `${key} in (${app},nope)`, `!${key}`, `${key},${key}!=${app}`]) {
      const sel = parseLabelSelector(selector);
      const expected = serverPods().filter((p) => {
        const sim = t.sims.find((s) => s.name === p.clusterId)!;
        return sel.matches(sim.store.get('pods', p.namespace, p.name)!.metadata.labels);
      });
      expect((await allPods({ labelSelector: selector }, 500)).map((p) => p.name), selector).toEqual(expected.map((p) => p.name));
    }
  });

  it('answers a bad label selector with BAD_USER_INPUT and the parser\'s message', async () => {
    const r = await t.gql('{ resources(filter: { labelSelector: "app===web" }) { totalCount } }');
    expect(r.data).toBeNull();
    expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0].message).toContain("found '=', expected: identifier");
  });

  it('rejects a page larger than the maximum', async () => {
    const r = await t.gql('{ resources(first: 5000) { totalCount } }');
    expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('returns one resource with its slimmed object, and finds it again by global id', async () => {
    const p = t.sims[1].store.list('pods')[3];
    const r = await t.gql<{ resource: { id: string; kind: string; apiVersion: string; object: KubeObject; status: string; labels: Record<string, string> } }>(
      `query($ns: String, $n: String!) { resource(clusterId: "west", kind: "pods", namespace: $ns, name: $n) { id kind apiVersion status labels object } }`,
      { ns: p.metadata.namespace, n: p.metadata.name },
    );
    expect(r.errors).toBeUndefined();
    const res = r.data!.resource;
    expect(res.kind).toBe('Pod');
    expect(res.apiVersion).toBe('v1');
    expect(res.labels).toEqual(p.metadata.labels);
    expect(res.object.metadata.uid).toBe(p.metadata.uid);
    expect(res.object.metadata.managedFields).toBeUndefined();
    expect(res.object.spec).toEqual(p.spec);
    const byId = await t.gql<{ node: { name: string; clusterId: string } }>('query($id: ID!) { node(id: $id) { ... on Resource { name clusterId } } }', { id: res.id });
    expect(byId.data!.node).toEqual({ name: p.metadata.name, clusterId: 'west' });
  });

  it('redacts Secret values but keeps their keys', async () => {
    const secret = t.sims[0].store.list('secrets').find((s) => Object.keys((s as { data?: object }).data ?? {}).length > 0)!;
    expect(secret).toBeTruthy();
    const r = await t.gql<{ resource: { object: { data: Record<string, string> } } }>(
      `query($ns: String, $n: String!) { resource(clusterId: "east", kind: "Secret", namespace: $ns, name: $n) { object } }`,
      { ns: secret.metadata.namespace, n: secret.metadata.name },
    );
    const data = r.data!.resource.object.data;
    const original = (secret as unknown as { data: Record<string, string> }).data;
    expect(Object.keys(data).sort()).toEqual(Object.keys(original).sort());
    for (const k of Object.keys(original)) expect(data[k]).not.toBe(original[k]);
  });

  it('counts kinds per cluster like the server', async () => {
    const r = await t.gql<{ kinds: Array<{ kind: string; group: string; count: number }> }>('{ kinds(clusterId: "east") { group kind count } }');
    const pods = r.data!.kinds.find((k) => k.kind === 'Pod' && k.group === '')!;
    expect(pods.count).toBe(t.sims[0].store.count('pods'));
    const unknown = await t.gql('{ kinds(clusterId: "nope") { kind } }');
    expect(unknown.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('sees a pod created and deleted on the server within a second', async () => {
    const sim = t.sims[0];
    const ns = sim.store.list('namespaces').map((n) => n.metadata.name!).find((n) => n !== 'kube-system')!;
    sim.store.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'e2e-probe', namespace: ns, labels: { probe: 'yes' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    const t0 = Date.now();
    await waitUntil(async () => (await allPods({ labelSelector: 'probe=yes' })).length === 1, 'new pod in the catalog', 5_000, 20);
    expect(Date.now() - t0).toBeLessThan(1_000);
    sim.store.delete('pods', ns, 'e2e-probe');
    const t1 = Date.now();
    await waitUntil(async () => (await allPods({ labelSelector: 'probe=yes' })).length === 0, 'pod gone from the catalog', 5_000, 20);
    expect(Date.now() - t1).toBeLessThan(1_000);
  });

  it('walks relations: a pod\'s ReplicaSet, Deployment, Node, mounted config and the Services selecting it', async () => {
    const sim = t.sims[0];
    const pod = sim.store.list('pods').find((p) => p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet' && specOf(p).nodeName)!;
    const rs = sim.store.get('replicasets', pod.metadata.namespace, pod.metadata.ownerReferences![0].name)!;
    const deploy = rs.metadata.ownerReferences![0].name;
    const r = await t.gql<{ resource: { related: Array<{ kind: string; name: string }>; relations: Array<{ type: string; direction: string; other: { kind: string; name: string } }> } }>(
      `query($ns: String, $n: String!) { resource(clusterId: "east", kind: "Pod", namespace: $ns, name: $n) {
         related(depth: 2) { kind name } relations { type direction other { kind name } } } }`,
      { ns: pod.metadata.namespace, n: pod.metadata.name },
    );
    expect(r.errors).toBeUndefined();
    const related = r.data!.resource.related.map((x) => `${x.kind}/${x.name}`);
    expect(related).toContain(`ReplicaSet/${rs.metadata.name}`);
    expect(related).toContain(`Deployment/${deploy}`);
    expect(related).toContain(`Node/${specOf(pod).nodeName}`);
    const services = sim.store
      .list('services', pod.metadata.namespace)
      .filter((s) => {
        const sel = specOf(s).selector as Record<string, string> | undefined;
        return sel && Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => pod.metadata.labels?.[k] === v);
      })
      .map((s) => `Service/${s.metadata.name}`);
    for (const s of services) expect(related).toContain(s);
    const selects = r.data!.resource.relations.filter((x) => x.type === 'SELECTS' && x.direction === 'INCOMING' && x.other.kind === 'Service');
    expect(selects.map((x) => `Service/${x.other.name}`).sort()).toEqual(expect.arrayContaining(services));
  });

  it('rejects oversized and too deep queries with LIMIT_EXCEEDED', async () => {
    const huge = `{ clusters { ${'clusterId '.repeat(20_000)} } }`;
    const r1 = await t.gql(huge);
    expect(r1.errors?.[0].extensions?.code).toBe('LIMIT_EXCEEDED');
    const deep = `{ resources(first: 1) { edges { node { related { related { related { related { related { related { related { related { name } } } } } } } } } } } }`;
    const r2 = await t.gql(deep);
    expect(r2.errors?.[0].extensions?.code).toBe('LIMIT_EXCEEDED');
  });

  it('serves /healthz, /readyz and Prometheus /metrics', async () => {
    const base = t.url.replace('/graphql', '');
    expect(await (await fetch(`${base}/healthz`)).text()).toBe('ok');
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/kubeatlas_graphql_requests_total\{operation="query",outcome="ok"\} \d+/);
    expect(metrics).toContain('kubeatlas_clusters');
  });
});

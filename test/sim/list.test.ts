import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCluster, type SimCluster } from '../../src/sim/index.js';
import { SimHttp, fixtureJson, fixtureText } from './simHttp.js';
import { loadDemoScenario } from './demoScenario.js';
import type { KubeObject } from '../../src/kube/types.js';

let cluster: SimCluster;
let http: SimHttp;

const names = (body: { items: Array<{ metadata: { name: string } }> }): string[] => body.items.map((i) => i.metadata.name);
const sortedNames = (body: { items: Array<{ metadata: { name: string } }> }): string[] => names(body).sort();

beforeAll(async () => {
  cluster = await startSimCluster({ name: 'list', controllers: false, tooLargeRvWaitMs: 300 });
  loadDemoScenario(cluster.store);
  http = new SimHttp(cluster);
});

afterAll(async () => {
  await http?.close();
  await cluster?.close();
});

function pod(name: string, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'demo', labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
}

describe('LIST', () => {
  it('returns a PodList like the captured one: same items in key order, no kind in items, list RV', async () => {
    const res = await http.get('/api/v1/namespaces/demo/pods');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['audit-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['cache-control']).toBe('no-cache, private');
    // Like the capture: chunked (the body is over Go's 2 KiB buffer), with the priority-and-fairness ids.
    const capturedHeaders = fixtureText('collections/pods-demo.headers');
    expect(capturedHeaders).toContain('Transfer-Encoding: chunked');
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.headers['content-length']).toBeUndefined();
    expect(res.headers['x-kubernetes-pf-flowschema-uid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['x-kubernetes-pf-prioritylevel-uid']).toMatch(/^[0-9a-f-]{36}$/);
    const body = res.json();
    const captured = fixtureJson('collections/pods-demo.json');
    expect(body.kind).toBe('PodList');
    expect(body.apiVersion).toBe('v1');
    expect(Object.keys(body)).toEqual(Object.keys(captured));
    expect(names(body)).toEqual(names(captured));
    expect(body.items[0].kind).toBeUndefined();
    expect(body.metadata.resourceVersion).toBe(String(cluster.store.resourceVersion));
    expect(res.text.endsWith('}\n')).toBe(true);
  });

  it('pages with limit/continue: opaque token of the real format, remainingItemCount, consistent snapshot while objects change', async () => {
    const captured1 = fixtureJson('collections/pods-all-limit2-page1.json');
    const r1 = (await http.get('/api/v1/pods?limit=2')).json();
    expect(names(r1)).toEqual(names(captured1));
    // The simulated cluster also has kube-system pods (sorted after "demo/").
    expect(r1.metadata.remainingItemCount).toBe(cluster.store.count('pods') - 2);
    const token = JSON.parse(Buffer.from(r1.metadata.continue, 'base64url').toString());
    const capturedToken = JSON.parse(Buffer.from(captured1.metadata.continue, 'base64url').toString());
    expect(Object.keys(token)).toEqual(Object.keys(capturedToken));
    expect(token).toEqual({ ...capturedToken, rv: Number(r1.metadata.resourceVersion) });
    expect(r1.metadata.continue).not.toContain('=');

    // Change the collection between pages: the next pages still show the first page's snapshot.
    await http.post('/api/v1/namespaces/demo/pods', pod('aaa-new'));
    await http.post('/api/v1/namespaces/demo/pods', pod('zzz-new'));
    await http.delete('/api/v1/namespaces/demo/pods/runner', { gracePeriodSeconds: 0 });
    await http.patch('/api/v1/namespaces/demo/pods/web-f77c755dc-7xkhv', { metadata: { labels: { changed: 'yes' } } }, 'application/merge-patch+json');

    const all: string[] = [...names(r1)];
    let cont = r1.metadata.continue as string;
    let pages = 1;
    let last: { metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number }; items: Array<{ metadata: { name: string; labels?: Record<string, string> } }> } = r1;
    while (cont) {
      const r = await http.get(`/api/v1/pods?limit=2&continue=${encodeURIComponent(cont)}`);
      expect(r.status).toBe(200);
      last = r.json();
      expect(last.metadata.resourceVersion).toBe(r1.metadata.resourceVersion);
      all.push(...names(last));
      cont = last.metadata.continue ?? '';
      pages++;
    }
    const capturedAll = fixtureJson('collections/pods-all.json');
    expect(all.slice(0, capturedAll.items.length)).toEqual(names(capturedAll));
    expect(all.length).toBe(r1.metadata.remainingItemCount + 2);
    expect(pages).toBe(Math.ceil(all.length / 2));
    expect(last.metadata.remainingItemCount).toBeUndefined();
    expect(last.items.at(-1)!.metadata.labels?.changed).toBeUndefined();
    // The current state shows the changes.
    const now = (await http.get('/api/v1/pods')).json();
    expect(names(now)).toContain('aaa-new');
    expect(names(now)).not.toContain('runner');
  });

  it('answers an expired continue token with 410 and a fresh rv:-1 token that continues at the current state', async () => {
    const r1 = (await http.get('/api/v1/pods?limit=2')).json();
    cluster.faults.compact();
    await http.post('/api/v1/namespaces/demo/pods', pod('zz-after-compact'));
    const expired = await http.get(`/api/v1/pods?limit=2&continue=${encodeURIComponent(r1.metadata.continue)}`);
    expect(expired.status).toBe(410);
    const st = expired.json();
    const captured = fixtureJson('collections/pods-all-limit2-continue-expired-410.json');
    expect({ ...st, metadata: {} }).toEqual({ ...captured, metadata: {} });
    const fresh = JSON.parse(Buffer.from(st.metadata.continue, 'base64url').toString());
    const old = JSON.parse(Buffer.from(r1.metadata.continue, 'base64url').toString());
    expect(fresh).toEqual({ ...old, rv: -1 });
    const rest = await http.get(`/api/v1/pods?limit=100&continue=${encodeURIComponent(st.metadata.continue)}`);
    expect(rest.status).toBe(200);
    const body = rest.json();
    expect(body.metadata.resourceVersion).toBe(String(cluster.store.resourceVersion));
    expect(names(body)).toContain('zz-after-compact');
    expect(names(body)).not.toContain(names(r1)[0]);
  });

  it('expires continue tokens by age like etcd compaction (continueTokenTtlMs)', async () => {
    const short = await startSimCluster({ name: 'ttl', controllers: false, continueTokenTtlMs: 200 });
    const c = new SimHttp(short);
    try {
      const first = (await c.get('/api/v1/namespaces?limit=1')).json();
      expect(first.metadata.continue).toBeTruthy();
      // Writes keep the revision moving so the periodic compaction passes the token's RV.
      const writer = setInterval(() => short.store.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `t-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`, namespace: 'default' } }), 20);
      let status = 200;
      try {
        const deadline = Date.now() + 5000;
        while (status === 200 && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 100));
          status = (await c.get(`/api/v1/namespaces?limit=1&continue=${encodeURIComponent(first.metadata.continue)}`)).status;
        }
      } finally {
        clearInterval(writer);
      }
      expect(status).toBe(410);
    } finally {
      await c.close();
      await short.close();
    }
  });

  it('serves resourceVersion=0 from the cache: ignores limit, no continue', async () => {
    const res = (await http.get('/api/v1/pods?resourceVersion=0&limit=2')).json();
    expect(res.metadata.continue).toBeUndefined();
    expect(res.items.length).toBe(cluster.store.count('pods'));
  });

  it('answers the resourceVersion edge cases like the captured server', async () => {
    cluster.faults.compact();
    const compacted = cluster.store.resourceVersion;
    await http.post('/api/v1/namespaces/demo/pods', pod(`rv-edge-${Date.now()}`));
    const old = compacted - 1;

    const exact = await http.get(`/api/v1/pods?resourceVersion=${old}&resourceVersionMatch=Exact`);
    expect(exact.status).toBe(410);
    expect(exact.json()).toEqual(fixtureJson('collections/pods-all-rv-exact-compacted-410.json'));

    const withLimit = await http.get(`/api/v1/pods?resourceVersion=${old}&limit=2`);
    expect(withLimit.status).toBe(410);
    expect(withLimit.json()).toEqual(fixtureJson('collections/pods-all-rv-compacted-limit2-410.json'));

    const notOlder = await http.get(`/api/v1/pods?resourceVersion=${old}&resourceVersionMatch=NotOlderThan`);
    expect(notOlder.status).toBe(200);
    expect(notOlder.json().metadata.resourceVersion).toBe(String(cluster.store.resourceVersion));

    const t0 = Date.now();
    const future = await http.get('/api/v1/pods?resourceVersion=99999999&resourceVersionMatch=NotOlderThan');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(future.status).toBe(504);
    expect(future.headers['retry-after']).toBe('1');
    const capturedFuture = fixtureJson('collections/pods-all-rv-future-notolderthan.json');
    expect(future.json()).toEqual({ ...capturedFuture, message: `Timeout: Too large resource version: 99999999, current: ${cluster.store.resourceVersion}` });

    const futureExact = await http.get('/api/v1/pods?resourceVersion=99999999&resourceVersionMatch=Exact');
    expect(futureExact.status).toBe(500);
    expect(futureExact.json()).toEqual(fixtureJson('collections/pods-all-rv-future-exact.json'));

    const noRv = await http.get('/api/v1/namespaces/demo/pods?resourceVersionMatch=NotOlderThan');
    expect(noRv.status).toBe(422);
    expect(noRv.json()).toEqual(fixtureJson('errors/422-resourceVersionMatch-without-resourceVersion.json'));

    const sie = await http.get('/api/v1/namespaces/demo/pods?sendInitialEvents=true');
    expect(sie.status).toBe(422);
    expect(sie.json()).toEqual(fixtureJson('errors/422-sendInitialEvents-on-list.json'));
  });

  it('serves an Exact list at a recent resourceVersion from history (the state at that RV)', async () => {
    const before = (await http.get('/api/v1/namespaces/demo/pods')).json();
    await http.post('/api/v1/namespaces/demo/pods', pod(`exact-${Date.now()}`));
    const exact = await http.get(`/api/v1/namespaces/demo/pods?resourceVersion=${before.metadata.resourceVersion}&resourceVersionMatch=Exact`);
    expect(exact.status).toBe(200);
    expect(names(exact.json())).toEqual(names(before));
  });

  it('filters with label and field selectors like the real server', async () => {
    const cases: Array<[string, string]> = [
      ['/api/v1/namespaces/demo/pods?labelSelector=app%3Dweb%2Ctier%20in%20(frontend)', 'collections/pods-demo-labelselector.json'],
      ['/api/v1/pods?labelSelector=%21job-name', 'collections/pods-all-labelselector-exists.json'],
      ['/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-a', 'collections/pods-fieldselector-nodename.json'],
    ];
    for (const [path, fixture] of cases) {
      const got = (await http.get(path)).json();
      const want = fixtureJson(fixture);
      // Objects created by earlier tests are excluded from the comparison.
      const known = new Set(names(fixtureJson('collections/pods-all.json')));
      expect(sortedNames(got).filter((n) => known.has(n))).toEqual(sortedNames(want).filter((n) => n !== 'runner' || sortedNames(got).includes('runner')));
    }
    const phase = (await http.get('/api/v1/namespaces/demo/pods?fieldSelector=status.phase%21%3DPending')).json();
    expect(phase.items.every((p: { status: { phase: string } }) => p.status.phase !== 'Pending')).toBe(true);
    const neq = (await http.get('/api/v1/pods?fieldSelector=metadata.namespace%3D%3Ddemo,metadata.name!%3Ddb-0')).json();
    expect(names(neq)).not.toContain('db-0');
    expect(neq.items.length).toBeGreaterThan(0);

    const bad = await http.get('/api/v1/pods?labelSelector=app%3D%3D%3Dweb');
    expect(bad.status).toBe(400);
    expect(bad.json()).toEqual(fixtureJson('collections/pods-invalid-labelselector.json'));
    const badValue = await http.get('/api/v1/pods?labelSelector=app%3Dbad%20value!');
    expect(badValue.status).toBe(400);
    expect(badValue.json()).toEqual(fixtureJson('collections/pods-invalid-labelselector-value.json'));
    const badField = await http.get('/api/v1/namespaces/demo/pods?fieldSelector=spec.bogusField%3Dx');
    expect(badField.status).toBe(400);
    expect(badField.json()).toEqual(fixtureJson('errors/400-invalid-fieldSelector.json'));
  });

  it('pages through a selector: every page has limit matches, no remainingItemCount', async () => {
    for (let i = 0; i < 6; i++) await http.post('/api/v1/namespaces/demo/pods', pod(`sel-${i}`, { group: 'sel' }));
    const r1 = (await http.get('/api/v1/pods?limit=4&labelSelector=group%3Dsel')).json();
    expect(names(r1)).toEqual(['sel-0', 'sel-1', 'sel-2', 'sel-3']);
    expect(r1.metadata.remainingItemCount).toBeUndefined();
    const r2 = (await http.get(`/api/v1/pods?limit=4&labelSelector=group%3Dsel&continue=${encodeURIComponent(r1.metadata.continue)}`)).json();
    expect(names(r2)).toEqual(['sel-4', 'sel-5']);
  });

  it('returns 200 with an empty list for a namespace that does not exist', async () => {
    const res = await http.get('/api/v1/namespaces/no-such-ns/pods');
    expect(res.status).toBe(200);
    const captured = fixtureJson('errors/200-list-in-missing-namespace.json');
    expect({ ...res.json(), metadata: {} }).toEqual({ ...captured, metadata: {} });
  });

  it('prints Tables for kubectl (columns, cells, includeObject, paging inside the Table)', async () => {
    const kubectlAccept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
    const res = await http.get('/api/v1/namespaces/demo/pods?limit=500', { accept: kubectlAccept });
    expect(res.status).toBe(200);
    const t = res.json();
    const captured = fixtureJson('table/pods-demo.json');
    expect(t.kind).toBe('Table');
    expect(t.apiVersion).toBe('meta.k8s.io/v1');
    expect(t.columnDefinitions).toEqual(captured.columnDefinitions);
    const byName = new Map(t.rows.map((r: { cells: unknown[] }) => [r.cells[0], r]));
    for (const row of captured.rows as Array<{ cells: unknown[] }>) {
      const mine = byName.get(row.cells[0]) as { cells: unknown[]; object: { kind: string } } | undefined;
      if (!mine) continue;
      // Same cells except Age (time-relative).
      expect([...mine.cells.slice(0, 4), ...mine.cells.slice(5)]).toEqual([...row.cells.slice(0, 4), ...row.cells.slice(5)]);
      expect(mine.object.kind).toBe('PartialObjectMetadata');
    }
    const none = (await http.get('/api/v1/namespaces/demo/pods?includeObject=None', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })).json();
    expect(none.rows[0].object).toBeNull();
    const full = (await http.get('/api/v1/namespaces/demo/pods?includeObject=Object', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })).json();
    expect(full.rows[0].object.kind).toBe('Pod');
    expect(full.rows[0].object.spec).toBeDefined();
    const paged = (await http.get('/api/v1/pods?limit=2', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })).json();
    expect(paged.rows).toHaveLength(2);
    expect(paged.metadata.continue).toBeTruthy();
    expect(paged.metadata.remainingItemCount).toBeGreaterThan(0);
    const nodes = (await http.get('/api/v1/nodes', { accept: kubectlAccept })).json();
    expect(nodes.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(fixtureJson('table/nodes.json').columnDefinitions.map((c: { name: string }) => c.name));
    const generic = (await http.get('/apis/rbac.authorization.k8s.io/v1/namespaces/demo/roles', { accept: kubectlAccept })).json();
    expect(generic.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Created At']);
  });

  it('serves metadata-only lists and YAML', async () => {
    const pom = await http.get('/api/v1/namespaces/demo/pods', { accept: 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io' });
    const body = pom.json();
    const captured = fixtureJson('collections/pods-demo.partialobjectmetadatalist.json');
    expect(body.kind).toBe(captured.kind);
    expect(body.apiVersion).toBe(captured.apiVersion);
    expect(body.items[0].kind).toBe('PartialObjectMetadata');
    expect(body.items[0].spec).toBeUndefined();
    const one = (await http.get('/api/v1/namespaces/demo/pods/db-0', { accept: 'application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io' })).json();
    expect(one.kind).toBe('PartialObjectMetadata');
    expect(one.metadata.name).toBe('db-0');
    const yaml = await http.get('/api/v1/namespaces/demo/pods/db-0', { accept: 'application/yaml' });
    expect(yaml.headers['content-type']).toBe('application/yaml');
    expect(yaml.text.startsWith('apiVersion: v1\nkind: Pod\nmetadata:\n')).toBe(true);
    const xml = await http.get('/api/v1/namespaces/demo/pods/db-0', { accept: 'application/xml' });
    expect(xml.status).toBe(406);
    expect(xml.text).toBe(JSON.stringify(fixtureJson('errors/406-not-acceptable.json'), null, 2) + '\n'.slice(1));
  });
});

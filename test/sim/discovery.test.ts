import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { startSimCluster, type SimCluster } from '../../src/sim/index.js';
import { SimHttp, fixtureJson, fixtureText } from './simHttp.js';

let cluster: SimCluster;
let http: SimHttp;

const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

beforeAll(async () => {
  cluster = await startSimCluster({ name: 'disco', controllers: false });
  http = new SimHttp(cluster);
});

afterAll(async () => {
  await http?.close();
  await cluster?.close();
});

describe('discovery, version, health, OpenAPI', () => {
  it('serves /version pretty-printed with Content-Length, like the capture', async () => {
    const res = await http.get('/version');
    expect(res.status).toBe(200);
    expect(res.text).toBe(fixtureText('discovery/version.json'));
    expect(res.headers['content-length']).toBe(String(res.text.length));
    const custom = await startSimCluster({ name: 'v', controllers: false, version: 'v1.29.3' });
    const c = new SimHttp(custom);
    try {
      const v = (await c.get('/version')).json();
      expect([v.major, v.minor, v.gitVersion]).toEqual(['1', '29', 'v1.29.3']);
    } finally {
      await c.close();
      await custom.close();
    }
  });

  it('serves the captured core and group documents', async () => {
    const api = (await http.get('/api')).json();
    expect(api).toEqual({ ...fixtureJson('discovery/api.json'), serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${cluster.port}` }] });
    expect((await http.get('/api/v1')).text).toBe(fixtureText('discovery/api-v1.json'));
    for (const [path, file] of [
      ['/apis/apps', 'apis-apps'],
      ['/apis/apps/v1', 'apis-apps-v1'],
      ['/apis/batch/v1', 'apis-batch-v1'],
      ['/apis/networking.k8s.io/v1', 'apis-networking_k8s_io-v1'],
      ['/apis/autoscaling/v2', 'apis-autoscaling-v2'],
      ['/apis/autoscaling/v1', 'apis-autoscaling-v1'],
    ]) {
      expect((await http.get(path)).text).toBe(fixtureText(`discovery/${file}.json`));
    }
    const apis = (await http.get('/apis')).json();
    const captured = fixtureJson('discovery/apis.json');
    expect(apis.groups.slice(0, captured.groups.length)).toEqual(captured.groups);
    expect(apis.groups.at(-1)).toEqual({ name: 'example.kubeatlas.io', versions: [{ groupVersion: 'example.kubeatlas.io/v1', version: 'v1' }], preferredVersion: { groupVersion: 'example.kubeatlas.io/v1', version: 'v1' } });
    const sched = (await http.get('/apis/scheduling.k8s.io/v1')).json();
    expect(sched.resources.map((r: { name: string }) => r.name)).toEqual(['priorityclasses']);
    const widgets = (await http.get('/apis/example.kubeatlas.io/v1')).json();
    expect(widgets.resources.map((r: { name: string }) => r.name)).toEqual(['widgets', 'widgets/status']);
  });

  it('serves aggregated discovery with Etag / 304 and the captured media-type rules', async () => {
    const kubectlAccept = `${AGGREGATED},application/json`;
    const core = await http.get('/api', { accept: kubectlAccept });
    expect(core.headers['content-type']).toBe(AGGREGATED);
    expect(core.headers['cache-control']).toBe('public');
    expect(core.headers.vary).toBe('Accept');
    expect(core.json()).toEqual(fixtureJson('discovery/aggregated-api.kubectl-accept.json'));
    const named = await http.get('/apis', { accept: AGGREGATED });
    const body = named.json();
    const captured = fixtureJson('discovery/aggregated-apis.json');
    expect(body.items.slice(0, captured.items.length)).toEqual(captured.items);
    expect(body.items.at(-1).metadata.name).toBe('example.kubeatlas.io');
    const etag = named.headers.etag;
    expect(etag).toMatch(/^"[0-9A-F]{128}"$/);
    const again = await http.get('/apis', { accept: AGGREGATED, 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    const v2 = await http.get('/apis', { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' });
    expect(v2.headers['content-type']).toBe('application/json');
    expect(v2.json().kind).toBe('APIGroupList');
    const v2only = await http.get('/apis', { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' });
    expect(v2only.status).toBe(406);
    expect(v2only.text).toBe(fixtureText('discovery/aggregated-apis.v2-only.json'));
  });

  it('answers health checks and the root path list', async () => {
    for (const p of ['/healthz', '/livez', '/readyz']) {
      const res = await http.get(p, {});
      expect(res.text).toBe('ok');
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    }
    expect((await http.get('/readyz?verbose')).text).toBe(fixtureText('discovery/readyz-verbose.txt'));
    const root = (await http.get('/')).json();
    for (const p of fixtureJson('discovery/root.json').paths) expect(root.paths).toContain(p);
    expect(root.paths).toContain('/apis/example.kubeatlas.io/v1');
    const unknown = await http.get('/apis/nosuchgroup/v1');
    expect(unknown.status).toBe(404);
    expect(unknown.text).toBe('404 page not found\n');
  });

  it('serves /openapi/v2 as protobuf (gzip when asked) with the captured Etag, and 304 on revalidation', async () => {
    const headers = fixtureText('discovery/openapi-v2.headers');
    const etag = /Etag: (.*)\r?\n/.exec(headers)![1].trim();
    const res = await http.req('GET', '/openapi/v2?timeout=32s', { headers: { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf', 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
    expect(res.headers.etag).toBe(etag);
    expect(res.headers['content-encoding']).toBe('gzip');
    const raw = await fetchRaw('/openapi/v2', { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' });
    expect(raw.length).toBe(Number(/Content-Length: (\d+)/.exec(headers)![1]));
    const notModified = await http.get('/openapi/v2', { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf', 'if-none-match': etag });
    expect(notModified.status).toBe(304);
  });

  it('serves the /openapi/v3 index (text/plain) and immutable documents whose hash is their sha512', async () => {
    const idx = await http.get('/openapi/v3?timeout=32s', { accept: 'application/json, */*' });
    expect(idx.headers['content-type']).toBe('text/plain; charset=utf-8');
    const paths = idx.json().paths as Record<string, { serverRelativeURL: string }>;
    const captured = fixtureJson('discovery/openapi-v3-root.json').paths;
    expect(paths['api/v1']).toEqual(captured['api/v1']);
    expect(paths['apis/apps/v1']).toEqual(captured['apis/apps/v1']);
    const url = paths['api/v1'].serverRelativeURL;
    const raw = await fetchRaw(url, { accept: 'application/json' });
    expect(createHash('sha512').update(raw).digest('hex').toUpperCase()).toBe(new URL(url, 'https://x').searchParams.get('hash'));
    const doc = await http.get(url);
    expect(doc.headers['cache-control']).toBe('public, immutable');
    expect(Object.keys(doc.json().components.schemas)).toContain('io.k8s.api.core.v1.Pod');
  });
});

/** The body bytes without content decoding. */
async function fetchRaw(path: string, headers: Record<string, string>): Promise<Buffer> {
  const res = await http.req('GET', path, { headers: { ...headers, 'accept-encoding': 'identity' } });
  const buf = Buffer.from(res.text, 'latin1');
  // undici decodes as UTF-8 text; re-read as binary when needed.
  if (res.headers['content-type']?.includes('protobuf')) {
    const { request } = await import('undici');
    const { Agent } = await import('undici');
    const agent = new Agent({ connect: { ca: cluster.ca.certPem } });
    try {
      const r = await request(cluster.url + path, { dispatcher: agent, headers: { ...headers, authorization: `Bearer ${cluster.adminToken}` } });
      const out = Buffer.from(await r.body.arrayBuffer());
      return r.headers['content-encoding'] === 'gzip' ? gunzipSync(out) : out;
    } finally {
      await agent.close();
    }
  }
  return Buffer.from(res.text, 'utf8').length ? Buffer.from(res.text, 'utf8') : buf;
}

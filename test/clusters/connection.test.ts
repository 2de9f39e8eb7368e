import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { connect as connectTcp, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { ClusterConnection } from '../../src/clusters/connection.js';
import { KubeApiError } from '../../src/clusters/kubeClient.js';
import { parseClusterSpec } from '../../src/config/index.js';
import { KubeatlasError } from '../../src/util/errors.js';
import { discoverKinds } from '../../src/watch/kindDiscovery.js';
import { freePort } from '../helpers/ports.js';
import { captureLogs } from './helpers/captureLogs.js';
import { waitFor } from './helpers/waitFor.js';
import { createTestCa, type TestCa } from './helpers/certs.js';
import { startSimCluster } from '../../src/sim/cluster.js';
import type { SimCluster } from '../../src/sim/types.js';

const dir = mkdtempSync(join(tmpdir(), 'kubeatlas-conn-'));
const logs = captureLogs('debug');
let api: SimCluster;
let otherCa: TestCa;
const open: ClusterConnection[] = [];
const secrets: string[] = [];

function connect(input: Record<string, unknown>): ClusterConnection {
  const spec = parseClusterSpec({ clusterId: 'c1', ...input }, { clusterFilesDir: dir, source: 'config' });
  const c = new ClusterConnection({ spec, clusterFilesDir: dir, source: 'config' });
  open.push(c);
  return c;
}

async function rejection(p: Promise<unknown>): Promise<KubeatlasError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(KubeatlasError);
    const err = e as KubeatlasError;
    for (const s of secrets) expect(err.message).not.toContain(s);
    return err;
  }
  throw new Error('expected a rejection');
}

function usersSince(i: number): string[] {
  return api.requests().slice(i).map((r) => `${r.status} ${r.user}`);
}

beforeAll(async () => {
  api = await startSimCluster({
    name: 'mini',
    objects: 0,
    tokens: [
      { token: 'sa-token-one-aaaaaaaa', user: 'sa-one', groups: ['system:masters'] },
      { token: 'sa-token-two-bbbbbbbb', user: 'sa-two', groups: ['system:masters'] },
      { token: 'sa-token-3-cccccccccc', user: 'sa-three', groups: ['system:masters'] },
    ],
  });
  otherCa = createTestCa('not-the-cluster-ca');
  secrets.push(api.adminToken, api.adminClientCert.keyPem.split('\n')[1]);
});
afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
  await api.close();
  rmSync(dir, { recursive: true, force: true });
  const text = logs.text();
  logs.restore();
  for (const s of secrets) expect(text).not.toContain(s);
});

describe('ClusterConnection auth methods', () => {
  it('TOKEN with caData: authenticated request, probe reads gitVersion', async () => {
    const c = connect({ authMethod: 'TOKEN', server: api.url, token: api.adminToken, tls: { caData: api.ca.certPem } });
    const i = api.requests().length;
    const res = await c.request({ path: '/api/v1/namespaces' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString()).kind).toBe('NamespaceList');
    expect(await c.probe()).toEqual({ ok: true, version: 'v1.28.7' });
    expect(usersSince(i)).toEqual(['200 sim-admin', '200 sim-admin']);
    expect(c.server).toBe(api.url);
  });

  it("a caller's Accept replaces the default one: discovery reads the aggregated documents in two requests", async () => {
    const c = connect({ authMethod: 'TOKEN', server: api.url, token: api.adminToken, tls: { caData: api.ca.certPem } });
    const i = api.requests().length;
    const d = await discoverKinds(c);
    expect(d.aggregated).toBe(true);
    expect(api.requests().slice(i).map((r) => `${r.status} ${r.path}`).sort()).toEqual(['200 /api', '200 /apis']);
    expect(d.kinds.map((k) => k.kind)).toEqual(expect.arrayContaining(['Pod', 'Deployment', 'Ingress']));
  });

  it('KUBECONFIG file with a chosen context, and inline kubeconfig with its current-context', async () => {
    const doc = parseYaml(api.kubeconfig()) as { users: unknown[]; contexts: unknown[] };
    doc.users.push({ name: 'wrong-user', user: { token: `not-valid-${'x'.repeat(8)}` } });
    doc.contexts.push({ name: 'wrong', context: { cluster: 'mini', user: 'wrong-user' } });
    const twoContexts = stringifyYaml(doc);
    writeFileSync(join(dir, 'kubeconfig'), twoContexts);
    const good = connect({ authMethod: 'KUBECONFIG', kubeconfigPath: 'kubeconfig', context: 'mini' });
    const bad = connect({ authMethod: 'KUBECONFIG', kubeconfigPath: 'kubeconfig', context: 'wrong' });
    expect((await good.request({ path: '/api/v1/namespaces' })).status).toBe(200);
    expect((await bad.request({ path: '/api/v1/namespaces' })).status).toBe(401);
    const inline = connect({ authMethod: 'KUBECONFIG', kubeconfig: api.kubeconfig() });
    const i = api.requests().length;
    expect((await inline.request({ path: '/api/v1/namespaces' })).status).toBe(200);
    expect(usersSince(i)).toEqual(['200 sim-admin']);
  });

  it('SERVICE_ACCOUNT: the request after a token rotation carries the new token', async () => {
    secrets.push('sa-token-one-aaaaaaaa', 'sa-token-two-bbbbbbbb');
    const file = join(dir, 'sa-token');
    writeFileSync(file, 'sa-token-one-aaaaaaaa\n');
    const c = connect({ authMethod: 'SERVICE_ACCOUNT', server: api.url, tokenFile: 'sa-token', tls: { caData: api.ca.certPem } });
    const i = api.requests().length;
    await c.request({ path: '/api/v1/namespaces' });
    writeFileSync(file, 'sa-token-two-bbbbbbbb\n');
    await c.request({ path: '/api/v1/namespaces' });
    expect(usersSince(i)).toEqual(['200 sa-one', '200 sa-two']);
  });

  it('KUBECONFIG user with token-file: the file is re-read when it changes (as kubectl does)', async () => {
    const file = join(dir, 'kc-token');
    writeFileSync(file, 'sa-token-one-aaaaaaaa\n');
    const doc = parseYaml(api.kubeconfig()) as { users: Array<{ user: Record<string, unknown> }> };
    doc.users[0].user = { 'token-file': 'kc-token' };
    writeFileSync(join(dir, 'kubeconfig-token-file'), stringifyYaml(doc));
    const c = connect({ authMethod: 'KUBECONFIG', kubeconfigPath: 'kubeconfig-token-file' });
    const i = api.requests().length;
    await c.request({ path: '/api/v1/namespaces' });
    writeFileSync(file, 'sa-token-two-bbbbbbbb\n');
    await c.request({ path: '/api/v1/namespaces' });
    expect(usersSince(i)).toEqual(['200 sa-one', '200 sa-two']);
  });

  it('KUBECONFIG cluster with proxy-url: requests tunnel through the HTTP proxy (CONNECT), TLS still verified end to end', async () => {
    const tunnels: string[] = [];
    const sockets = new Set<Socket>();
    const proxy = createHttpServer();
    proxy.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
      sockets.add(client);
      tunnels.push(`${req.url} ${req.headers['proxy-authorization'] ?? '-'}`);
      const [host, port] = (req.url ?? '').split(':');
      const upstream = connectTcp(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    try {
      const port = (proxy.address() as AddressInfo).port;
      const doc = parseYaml(api.kubeconfig()) as { clusters: Array<{ cluster: Record<string, unknown> }> };
      doc.clusters[0].cluster['proxy-url'] = `http://proxyuser:proxy-secret-pw@127.0.0.1:${port}`;
      secrets.push('proxy-secret-pw');
      const c = connect({ authMethod: 'KUBECONFIG', kubeconfig: stringifyYaml(doc) });
      expect((await c.request({ path: '/api/v1/namespaces' })).status).toBe(200);
      expect(await c.probe()).toEqual({ ok: true, version: 'v1.28.7' });
      const target = new URL(api.url).host;
      expect(tunnels.length).toBeGreaterThan(0);
      expect(tunnels[0]).toBe(`${target} Basic ${Buffer.from('proxyuser:proxy-secret-pw').toString('base64')}`);
      // TLS inside the tunnel is the API server's: a wrong CA still fails.
      const wrongCa = connect({ authMethod: 'KUBECONFIG', kubeconfig: stringifyYaml(doc), tls: { caData: otherCa.certPem } });
      const err = await rejection(wrongCa.request({ path: '/api/v1/namespaces' }));
      expect(err.code).toBe('CLUSTER_UNAVAILABLE');
    } finally {
      for (const sock of sockets) sock.destroy();
      await new Promise<void>((r) => proxy.close(() => r()));
    }
  });

  it('KUBECONFIG cluster with an unsupported or invalid proxy-url is refused, naming the field and not the URL', () => {
    for (const [url, reason] of [
      ['socks5://user:sock-secret-pw@127.0.0.1:1080', /proxy-url scheme "socks5" is not supported/],
      ['http://[not-a-url', /proxy-url is not a valid URL/],
    ] as const) {
      const doc = parseYaml(api.kubeconfig()) as { clusters: Array<{ cluster: Record<string, unknown> }> };
      doc.clusters[0].cluster['proxy-url'] = url;
      const c = connect({ authMethod: 'KUBECONFIG', kubeconfig: stringifyYaml(doc) });
      expect(c.configurationError).toMatch(reason);
      expect(c.configurationError).not.toContain('sock-secret-pw');
    }
  });

  it('SERVICE_ACCOUNT: a 401 makes it read the file once more before giving up', async () => {
    secrets.push('sa-token-3-cccccccccc', 'sa-token-x-dddddddddd');
    const file = join(dir, 'sa-token-401');
    // Whole-second mtimes, so that a rewrite can keep exactly the same size and mtime.
    const t = Math.floor(Date.now() / 1000) - 100;
    writeFileSync(file, 'sa-token-x-dddddddddd'); // not accepted by the server
    utimesSync(file, t, t);
    const c = connect({ authMethod: 'SERVICE_ACCOUNT', server: api.url, tokenFile: 'sa-token-401', tls: { caData: api.ca.certPem } });
    const i = api.requests().length;
    // Rejected token: read again after the 401, still rejected, then the 401 is returned (2 requests, no loop).
    expect((await c.request({ path: '/api/v1/namespaces' })).status).toBe(401);
    expect(usersSince(i)).toEqual(['401 system:anonymous', '401 system:anonymous']);
    // Rewrite in place with the same size and mtime: only the 401 reveals the change.
    writeFileSync(file, 'sa-token-3-cccccccccc');
    utimesSync(file, t, t);
    const j = api.requests().length;
    expect((await c.request({ path: '/api/v1/namespaces' })).status).toBe(200);
    expect(usersSince(j)).toEqual(['401 system:anonymous', '200 sa-three']);
  });

  it('client certificate authentication (kubeconfig client-certificate-data)', async () => {
    const alice = api.ca.issue({ commonName: 'alice', organizations: ['system:masters'], client: true });
    secrets.push(alice.keyPem.split('\n')[1]);
    const kc = [
      'apiVersion: v1',
      'clusters: [{ name: c, cluster: { server: "' + api.url + '", certificate-authority-data: ' + Buffer.from(api.ca.certPem).toString('base64') + ' } }]',
      'users: [{ name: alice, user: { client-certificate-data: ' + Buffer.from(alice.certPem).toString('base64') + ', client-key-data: ' + Buffer.from(alice.keyPem).toString('base64') + ' } }]',
      'contexts: [{ name: c, context: { cluster: c, user: alice } }]',
      'current-context: c',
    ].join('\n');
    const c = connect({ authMethod: 'KUBECONFIG', kubeconfig: kc });
    const i = api.requests().length;
    expect((await c.request({ path: '/api/v1/namespaces' })).status).toBe(200);
    expect(usersSince(i)).toEqual(['200 alice']);
  });

  it('KUBECONFIG with an exec credential plugin (run once, cached until expiry); a failing plugin does not leak its output', async () => {
    const counter = join(dir, 'exec-count');
    const plugin = join(dir, 'exec-plugin.mjs');
    writeFileSync(
      plugin,
      [
        "import { appendFileSync } from 'node:fs';",
        `appendFileSync(${JSON.stringify(counter)}, 'x');`,
        `const expirationTimestamp = new Date(Date.now() + 3600_000).toISOString();`,
        `process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: ${JSON.stringify(api.adminToken)}, expirationTimestamp } }));`,
      ].join('\n'),
    );
    const failing = join(dir, 'exec-failing.mjs');
    writeFileSync(failing, "process.stderr.write('cannot refresh: refresh_token=leaky-secret-123'); process.exit(3);");
    secrets.push('leaky-secret-123');
    const doc = parseYaml(api.kubeconfig()) as { users: Array<{ name: string; user: Record<string, unknown> }>; contexts: unknown[] };
    doc.users = [
      { name: 'exec-user', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: [plugin], interactiveMode: 'Never' } } },
      { name: 'failing-user', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: [failing], interactiveMode: 'Never' } } },
    ];
    doc.contexts = [
      { name: 'exec', context: { cluster: 'mini', user: 'exec-user' } },
      { name: 'failing', context: { cluster: 'mini', user: 'failing-user' } },
    ];
    writeFileSync(join(dir, 'exec-kubeconfig'), stringifyYaml(doc));
    const c = connect({ authMethod: 'KUBECONFIG', kubeconfigPath: 'exec-kubeconfig', context: 'exec' });
    const i = api.requests().length;
    for (let k = 0; k < 3; k++) expect((await c.request({ path: '/api/v1/namespaces' })).status).toBe(200);
    expect(usersSince(i)).toEqual(['200 sim-admin', '200 sim-admin', '200 sim-admin']);
    expect(readFileSync(counter, 'utf8')).toBe('x');
    const bad = connect({ authMethod: 'KUBECONFIG', kubeconfigPath: 'exec-kubeconfig', context: 'failing' });
    const e = await rejection(bad.request({ path: '/api/v1/namespaces' }));
    expect(e.code).toBe('CLUSTER_UNAVAILABLE');
    expect(e.details.reason).toBe('credentials: the exec credential plugin failed');
    expect(await bad.probe()).toEqual({ ok: false, kind: 'config', reason: 'credentials: the exec credential plugin failed' });
  });

  it('IN_CLUSTER: service account files from an overridable directory', async () => {
    const saDir = mkdtempSync(join(dir, 'sa-'));
    writeFileSync(join(saDir, 'token'), api.adminToken);
    writeFileSync(join(saDir, 'ca.crt'), api.ca.certPem);
    const spec = parseClusterSpec({ clusterId: 'local', authMethod: 'IN_CLUSTER' }, { clusterFilesDir: dir, source: 'config', inCluster: { serviceAccountDir: saDir, host: '127.0.0.1', port: api.port } });
    const c = new ClusterConnection({ spec, clusterFilesDir: dir, source: 'config', inCluster: { serviceAccountDir: saDir, host: '127.0.0.1', port: api.port } });
    open.push(c);
    expect(c.server).toBe(api.url);
    expect(await c.probe()).toEqual({ ok: true, version: 'v1.28.7' });
  });
});

describe('ClusterConnection TLS and transport failures', () => {
  it('insecureSkipVerify connects without the CA; a missing or wrong CA gives a clear reason', async () => {
    const skip = connect({ authMethod: 'TOKEN', server: api.url, token: api.adminToken, tls: { insecureSkipVerify: true } });
    expect((await skip.request({ path: '/api/v1/namespaces' })).status).toBe(200);
    const noCa = connect({ authMethod: 'TOKEN', server: api.url, token: api.adminToken });
    const e1 = await rejection(noCa.request({ path: '/api/v1/namespaces' }));
    expect(e1.code).toBe('CLUSTER_UNAVAILABLE');
    expect(e1.details.reason).toBe('TLS: certificate signed by unknown authority');
    const wrongCa = connect({ authMethod: 'TOKEN', server: api.url, token: api.adminToken, tls: { caData: otherCa.certPem } });
    expect(await wrongCa.probe()).toEqual({ ok: false, kind: 'transport', reason: 'TLS: certificate signed by unknown authority' });
  });

  it('serverName: the certificate must carry it', async () => {
    const c = connect({ authMethod: 'TOKEN', server: api.url, token: api.adminToken, tls: { caData: api.ca.certPem, serverName: 'kubernetes.default' } });
    const e = await rejection(c.request({ path: '/version' }));
    expect(e.details.reason).toMatch(/^TLS: the server certificate is not valid for this host name/);
    const ok = connect({ authMethod: 'TOKEN', server: api.url, token: api.adminToken, tls: { caData: api.ca.certPem, serverName: 'localhost' } });
    expect((await ok.request({ path: '/version' })).status).toBe(200);
  });

  it('a wrong token is a 401 whose probe reason says the token was rejected', async () => {
    secrets.push('definitely-wrong-token-42');
    const c = connect({ authMethod: 'TOKEN', server: api.url, token: 'definitely-wrong-token-42', tls: { caData: api.ca.certPem } });
    expect(await c.probe()).toEqual({ ok: false, kind: 'auth', reason: 'unauthorized: the token was rejected' });
  });

  it('an expired client certificate is explained', async () => {
    const old = api.ca.issue({ commonName: 'old', client: true, notBefore: new Date(Date.now() - 10 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
    secrets.push(old.keyPem.split('\n')[1]);
    const kc = `apiVersion: v1\nclusters: [{ name: c, cluster: { server: "${api.url}" } }]\nusers: [{ name: u, user: {} }]\ncontexts: [{ name: c, context: { cluster: c, user: u } }]\ncurrent-context: c\n`;
    const c = connect({ authMethod: 'KUBECONFIG', kubeconfig: kc, tls: { caData: api.ca.certPem, certData: old.certPem, keyData: old.keyPem } });
    const r = await c.probe();
    expect(r.ok).toBe(false);
    expect(r.ok === false && r.reason).toMatch(/^unauthorized: the client certificate expired on \d{4}-/);
  });

  it('a refused connection fails fast with "connection refused"', async () => {
    const port = await freePort();
    const c = connect({ authMethod: 'TOKEN', server: `https://127.0.0.1:${port}`, token: api.adminToken, timeoutSeconds: 10 });
    const t0 = performance.now();
    const e = await rejection(c.request({ path: '/version' }));
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(e.code).toBe('CLUSTER_UNAVAILABLE');
    expect(e.details.reason).toBe('connection refused');
    expect(e.message).toBe('cluster c1: connection refused');
  });

  it('a server that accepts TCP and never answers hits the deadline', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      const c = connect({ authMethod: 'TOKEN', server: `https://127.0.0.1:${port}`, token: api.adminToken, timeoutSeconds: 1 });
      const t0 = performance.now();
      const e = await rejection(c.request({ path: '/version' }));
      const took = performance.now() - t0;
      expect(e.details.reason).toBe('timed out after 1s');
      expect(took).toBeGreaterThanOrEqual(950);
      expect(took).toBeLessThan(2_000);
      const t1 = performance.now();
      expect(await c.probe()).toEqual({ ok: false, kind: 'transport', reason: 'timed out after 1s' });
      expect(performance.now() - t1).toBeLessThan(2_000);
      // A per-request deadline overrides the cluster's.
      const t2 = performance.now();
      expect((await rejection(c.request({ path: '/version', timeoutMs: 300 }))).details.reason).toBe('timed out after 300ms');
      expect(performance.now() - t2).toBeLessThan(2_000);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  it('the caller\'s signal aborts a request with its own reason', async () => {
    api.faults.hang({ pathPrefix: '/api/v1/namespaces', count: 1 });
    const c = connect({ authMethod: 'TOKEN', server: api.url, token: api.adminToken, tls: { caData: api.ca.certPem } });
    const ac = new AbortController();
    const p = c.request({ path: '/api/v1/namespaces', signal: ac.signal });
    setTimeout(() => ac.abort(new Error('caller gave up')), 100);
    await expect(p).rejects.toThrow('caller gave up');
    api.faults.clear();
  });
});

describe('ClusterConnection limiter and retries', () => {
  it('spreads GETs at qps after the burst; unlimited requests and the initialList budget do not wait', async () => {
    const c = connect({ authMethod: 'TOKEN', server: api.url, token: api.adminToken, tls: { caData: api.ca.certPem }, qps: 5, burst: 2 });
    await c.request({ path: '/version', rateLimited: false }); // warm the connection
    const t0 = performance.now();
    const done = await Promise.all(Array.from({ length: 7 }, () => c.request({ path: '/api/v1/namespaces' }).then(() => performance.now() - t0)));
    done.sort((a, b) => a - b);
    // 2 at once (burst), then one every 200 ms: the 7th token is due at 1000 ms.
    expect(done[1]).toBeLessThan(150);
    expect(done[6]).toBeGreaterThanOrEqual(950);
    expect(done[6]).toBeLessThan(2_500);
    for (let k = 3; k < 7; k++) expect(done[k] - done[k - 1]).toBeGreaterThan(120);
    // The default budget is now empty; an unlimited request and the initial-list budget go through at once.
    const t1 = performance.now();
    await c.request({ path: '/version', rateLimited: false });
    await c.request({ path: '/api/v1/namespaces', budget: 'initialList' });
    expect(performance.now() - t1).toBeLessThan(150);
  });

  it('retries a 429 after Retry-After, within the deadline', async () => {
    const c = connect({ authMethod: 'TOKEN', server: api.url, token: api.adminToken, tls: { caData: api.ca.certPem } });
    api.faults.failNext(1, 429, { retryAfterSeconds: 1, pathPrefix: '/api/v1/namespaces' });
    const i = api.requests().length;
    const t0 = performance.now();
    const res = await c.request({ path: '/api/v1/namespaces' });
    const took = performance.now() - t0;
    expect(res.status).toBe(200);
    expect(took).toBeGreaterThanOrEqual(950);
    expect(took).toBeLessThan(3_000);
    expect(usersSince(i).map((s) => s.split(' ')[0])).toEqual(['429', '200']);
    // maxRetries 0: the 429 is returned as is.
    api.faults.failNext(1, 429, { retryAfterSeconds: 1, pathPrefix: '/api/v1/namespaces' });
    expect((await c.request({ path: '/api/v1/namespaces', maxRetries: 0 })).status).toBe(429);
    // A Retry-After beyond the deadline is not waited for.
    api.faults.failNext(1, 503, { retryAfterSeconds: 5, pathPrefix: '/api/v1/namespaces' });
    const t1 = performance.now();
    expect((await c.request({ path: '/api/v1/namespaces', timeoutMs: 2_000 })).status).toBe(503);
    expect(performance.now() - t1).toBeLessThan(1_000);
    // A 500 without Retry-After is not retried.
    api.faults.failNext(1, 500, { pathPrefix: '/api/v1/namespaces' });
    expect((await c.request({ path: '/api/v1/namespaces' })).status).toBe(500);
  });
});

describe('ClusterConnection.stream', () => {
  it('streams a watch until the caller aborts; abort closes the socket', async () => {
    const c = connect({ authMethod: 'TOKEN', server: api.url, token: api.adminToken, tls: { caData: api.ca.certPem } });
    const ac = new AbortController();
    const rv = String(api.store.resourceVersion);
    const res = await c.stream({ path: '/api/v1/namespaces/default/configmaps', query: { watch: 1, resourceVersion: rv }, signal: ac.signal });
    expect(res.status).toBe(200);
    res.body.on('error', () => undefined);
    for (let i = 0; i < 3; i++) api.store.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `watched-${i}`, namespace: 'default' }, data: { i: String(i) } });
    let text = '';
    for await (const chunk of res.body) {
      text += String(chunk);
      if (text.split('\n').length > 3) {
        ac.abort();
        break;
      }
    }
    const events = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; object: { metadata: { name: string } } });
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED watched-0', 'ADDED watched-1', 'ADDED watched-2']);
    expect(res.body.destroyed).toBe(true);
    // The server sees the watch end.
    await waitFor(() => api.requests().some((r) => r.watch && r.path === '/api/v1/namespaces/default/configmaps'), 'the watch to be closed on the server');
  });

  it('a non-2xx answer throws a KubeApiError; a hung server hits connectTimeoutMs', async () => {
    secrets.push('stream-wrong-token-77');
    const bad = connect({ authMethod: 'TOKEN', server: api.url, token: 'stream-wrong-token-77', tls: { caData: api.ca.certPem } });
    const e = await rejection(bad.stream({ path: '/api/v1/pods', query: { watch: 1 } }));
    expect(e).toBeInstanceOf(KubeApiError);
    expect((e as KubeApiError).httpStatus).toBe(401);
    expect(e.code).toBe('UNAUTHENTICATED');
    api.faults.hang({ pathPrefix: '/api/v1/pods', count: 1, watchesOnly: true });
    const c = connect({ authMethod: 'TOKEN', server: api.url, token: api.adminToken, tls: { caData: api.ca.certPem } });
    const t0 = performance.now();
    const h = await rejection(c.stream({ path: '/api/v1/pods', query: { watch: 1 }, connectTimeoutMs: 400 }));
    expect(h.details.reason).toBe('timed out after 400ms');
    expect(performance.now() - t0).toBeLessThan(2_000);
    api.faults.clear();
  });

  it('close() ends open watches and later requests fail with CLUSTER_UNAVAILABLE', async () => {
    const c = connect({ authMethod: 'TOKEN', server: api.url, token: api.adminToken, tls: { caData: api.ca.certPem } });
    const res = await c.stream({ path: '/api/v1/pods', query: { watch: 1 } });
    const ended = new Promise<void>((resolve) => res.body.once('close', () => resolve()));
    res.body.on('error', () => undefined);
    res.body.resume();
    await c.close();
    await ended;
    const e = await rejection(c.request({ path: '/version' }));
    expect(e.code).toBe('CLUSTER_UNAVAILABLE');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { startSimCluster, createCertificateAuthority, type SimCluster } from '../../src/sim/index.js';
import { SimHttp, fixtureJson } from './simHttp.js';

let cluster: SimCluster;
const clients: SimHttp[] = [];
const client = (opts: ConstructorParameters<typeof SimHttp>[1]): SimHttp => {
  const c = new SimHttp(cluster, opts);
  clients.push(c);
  return c;
};

beforeAll(async () => {
  cluster = await startSimCluster({
    name: 'auth',
    controllers: false,
    tokens: [
      { token: 'alice-token', user: 'alice' },
      { token: 'reader-token', user: 'reader', groups: ['readers'] },
    ],
    allow: [{ group: 'readers', verbs: ['get', 'list', 'watch'], resources: ['pods'], namespaces: ['demo'] }],
  });
  cluster.store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } });
  cluster.store.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'runner', namespace: 'demo' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
});

afterAll(async () => {
  for (const c of clients) await c.close();
  await cluster?.close();
});

describe('authentication', () => {
  it('answers 403 for system:anonymous without credentials and 401 for a wrong token, as captured', async () => {
    const anon = await client({ token: null }).get('/api/v1/namespaces/demo/pods');
    expect(anon.status).toBe(403);
    expect(anon.json()).toEqual(fixtureJson('errors/403-anonymous-no-credentials.json'));
    const bad = await client({ token: 'not-a-token' }).get('/api/v1/namespaces/demo/pods');
    expect(bad.status).toBe(401);
    expect(bad.json()).toEqual(fixtureJson('errors/401-bad-token.json'));
    expect(bad.headers['x-kubernetes-pf-flowschema-uid']).toBeUndefined();
    // Anonymous may read the public info endpoints only.
    expect((await client({ token: null }).get('/version')).status).toBe(200);
    expect((await client({ token: null }).get('/healthz')).text).toBe('ok');
    const api = await client({ token: null }).get('/api');
    expect(api.status).toBe(403);
    expect(api.json().message).toBe('forbidden: User "system:anonymous" cannot get path "/api"');
  });

  it('authenticates client certificates signed by the cluster CA (CN=user, O=groups)', async () => {
    const admin = await client({ token: null, cert: cluster.adminClientCert }).get('/api/v1/namespaces/demo/pods');
    expect(admin.status).toBe(200);
    const who = await client({ token: null, cert: cluster.adminClientCert }).post('/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    expect(who.status).toBe(201);
    expect(who.json().status.userInfo).toEqual({ username: 'sim-admin', groups: ['system:masters', 'system:authenticated'] });
    const bobCert = cluster.ca.issue({ commonName: 'bob', organizations: ['dev', 'ops'], client: true });
    const bob = await client({ token: null, cert: bobCert }).get('/api/v1/pods');
    expect(bob.status).toBe(403);
    expect(bob.json().message).toBe('pods is forbidden: User "bob" cannot list resource "pods" in API group "" at the cluster scope');
  });

  it('rejects an expired client certificate and one from another CA', async () => {
    const expired = cluster.ca.issue({ commonName: 'sim-admin', organizations: ['system:masters'], client: true, notBefore: new Date(Date.now() - 3 * 86400_000), notAfter: new Date(Date.now() - 86400_000) });
    expect(new X509Certificate(expired.certPem).validTo).toBeTruthy();
    // Like the real server (client certificates are requested, then verified by the authenticator): 401.
    const res = await client({ token: null, cert: expired }).get('/api/v1/pods');
    expect(res.status).toBe(401);
    expect(res.json()).toEqual(fixtureJson('errors/401-bad-token.json'));
    const other = createCertificateAuthority('someone-else').issue({ commonName: 'sim-admin', organizations: ['system:masters'], client: true });
    const res2 = await client({ token: null, cert: other }).get('/api/v1/pods');
    expect(res2.status).toBe(401);
  });

  it('serves a certificate valid for 127.0.0.1 and localhost, signed by the cluster CA', async () => {
    const viaLocalhost = new SimHttp({ ...cluster, url: cluster.url.replace('127.0.0.1', 'localhost') });
    clients.push(viaLocalhost);
    expect((await viaLocalhost.get('/version')).status).toBe(200);
    const otherCa = new SimHttp({ ...cluster, ca: createCertificateAuthority('untrusted') });
    clients.push(otherCa);
    await expect(otherCa.get('/version')).rejects.toThrow();
  });
});

describe('authorization', () => {
  it('forbids users without grants with the real messages (namespaced, cluster, named, create, watch)', async () => {
    const alice = client({ token: 'alice-token' });
    const cases: Array<[Promise<{ status: number; json(): unknown }>, string]> = [
      [alice.get('/api/v1/namespaces/demo/pods'), 'errors/403-alice-list-pods-namespaced.json'],
      [alice.get('/api/v1/pods'), 'errors/403-alice-list-pods-cluster.json'],
      [alice.get('/api/v1/namespaces/demo/pods/runner'), 'errors/403-alice-get-pod.json'],
      [alice.post('/api/v1/namespaces/demo/configmaps', fixtureJson('errors/403-alice-create-configmap.request.json')), 'errors/403-alice-create-configmap.json'],
      [alice.get('/api/v1/namespaces/demo/pods?watch=1'), 'errors/403-alice-watch-pods.json'],
    ];
    for (const [p, fixture] of cases) {
      const res = await p;
      expect(res.status).toBe(403);
      expect(res.json()).toEqual(fixtureJson(fixture));
    }
    // Discovery is open to every authenticated user.
    expect((await alice.get('/api')).status).toBe(200);
  });

  it('grants what an allow rule lists, and nothing else', async () => {
    const reader = client({ token: 'reader-token' });
    expect((await reader.get('/api/v1/namespaces/demo/pods')).status).toBe(200);
    expect((await reader.get('/api/v1/namespaces/demo/pods/runner')).status).toBe(200);
    expect((await reader.get('/api/v1/pods')).status).toBe(403);
    expect((await reader.get('/api/v1/namespaces/demo/configmaps')).status).toBe(403);
    expect((await reader.delete('/api/v1/namespaces/demo/pods/runner')).status).toBe(403);
    const review = await reader.post('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'demo' } },
    });
    expect(review.status).toBe(201);
    expect(review.json().status.allowed).toBe(true);
  });

  it('keeps credentials out of the request log', async () => {
    const recs = cluster.requests();
    expect(recs.length).toBeGreaterThan(0);
    const text = JSON.stringify(recs);
    expect(text).not.toContain(cluster.adminToken);
    expect(text).not.toContain('alice-token');
    expect(recs.some((r) => r.user === 'alice' && r.status === 403)).toBe(true);
  });
});

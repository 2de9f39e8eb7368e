import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimCluster, type SimCluster } from '../../src/sim/index.js';
import { SimHttp, type WatchStream } from './simHttp.js';
import type { KubeObject } from '../../src/kube/types.js';

let cluster: SimCluster;
let http: SimHttp;
const open: WatchStream[] = [];

const cm = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'demo' }, data: { k: name } });

async function watch(path: string): Promise<WatchStream> {
  const w = await http.watch(path);
  open.push(w);
  return w;
}

beforeAll(async () => {
  cluster = await startSimCluster({ name: 'faults', controllers: false });
  cluster.store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } });
  http = new SimHttp(cluster);
});

afterEach(() => cluster.faults.clear());

afterAll(async () => {
  for (const w of open) w.close();
  await http?.close();
  await cluster?.close();
});

describe('SimFaults', () => {
  it('dropWatches destroys open watch connections without a terminating chunk', async () => {
    const w = await watch(`/api/v1/namespaces/demo/configmaps?watch=1&resourceVersion=${cluster.store.resourceVersion}`);
    cluster.store.create('configmaps', cm('before-drop'));
    await w.until((s) => s.events.length === 1, 5000, 'first event');
    cluster.faults.dropWatches();
    await w.untilEnded(5000);
    expect(w.error).toBeDefined();
    // New watches work.
    const again = await watch(`/api/v1/namespaces/demo/configmaps?watch=1&timeoutSeconds=1&resourceVersion=${cluster.store.resourceVersion}`);
    await again.untilEnded(5000);
    expect(again.error).toBeUndefined();
  });

  it('expireNextWatches answers the next N watches with 200 + ERROR 410, then serves normally', async () => {
    cluster.faults.expireNextWatches(2);
    const rv = cluster.store.resourceVersion;
    for (let i = 0; i < 2; i++) {
      const w = await watch(`/api/v1/namespaces/demo/configmaps?watch=1&resourceVersion=${rv}`);
      expect(w.status).toBe(200);
      await w.untilEnded(5000);
      expect(w.events.map((e) => [e.type, e.object.code, e.object.reason])).toEqual([['ERROR', 410, 'Expired']]);
      expect(w.events[0].object.message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
    }
    // Lists are not affected.
    expect((await http.get('/api/v1/namespaces/demo/configmaps')).status).toBe(200);
    const ok = await watch(`/api/v1/namespaces/demo/configmaps?watch=1&timeoutSeconds=1&resourceVersion=${rv}`);
    await ok.untilEnded(5000);
    expect(ok.events.every((e) => e.type !== 'ERROR')).toBe(true);
  });

  it('hang holds matching requests without an answer until clear()', async () => {
    cluster.faults.hang({ pathPrefix: '/api/v1/namespaces/demo/configmaps', count: 1 });
    const hung = http.get('/api/v1/namespaces/demo/configmaps');
    const raced = await Promise.race([hung.then(() => 'answered'), new Promise((r) => setTimeout(() => r('pending'), 800))]);
    expect(raced).toBe('pending');
    // count: 1 — the next one is served, and other paths are unaffected.
    expect((await http.get('/api/v1/namespaces/demo/configmaps')).status).toBe(200);
    cluster.faults.clear();
    expect((await hung).status).toBe(200);

    cluster.faults.hang({ watchesOnly: true });
    expect((await http.get('/api/v1/namespaces/demo/configmaps')).status).toBe(200);
    const w = http.watch(`/api/v1/namespaces/demo/configmaps?watch=1&timeoutSeconds=1&resourceVersion=${cluster.store.resourceVersion}`);
    const r2 = await Promise.race([w.then(() => 'answered'), new Promise((r) => setTimeout(() => r('pending'), 800))]);
    expect(r2).toBe('pending');
    cluster.faults.clear();
    const released = await w;
    open.push(released);
    expect(released.status).toBe(200);
  });

  it('failNext answers N requests with the code, a Status and Retry-After', async () => {
    cluster.faults.failNext(2, 429, { retryAfterSeconds: 3 });
    for (let i = 0; i < 2; i++) {
      const res = await http.get('/api/v1/namespaces/demo/configmaps');
      expect(res.status).toBe(429);
      expect(res.headers['retry-after']).toBe('3');
      expect(res.json()).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'TooManyRequests', code: 429, details: { retryAfterSeconds: 3 } });
    }
    expect((await http.get('/api/v1/namespaces/demo/configmaps')).status).toBe(200);

    for (const [code, reason] of [[500, 'InternalError'], [503, 'ServiceUnavailable'], [504, 'Timeout']] as const) {
      cluster.faults.failNext(1, code, { pathPrefix: '/api/v1/namespaces/demo/configmaps' });
      expect((await http.get('/api/v1/namespaces/demo/pods')).status).toBe(200);
      const res = await http.get('/api/v1/namespaces/demo/configmaps');
      expect(res.status).toBe(code);
      expect(res.json().reason).toBe(reason);
    }

    // Watches are spared unless includeWatches.
    cluster.faults.failNext(1, 503);
    const w = await watch(`/api/v1/namespaces/demo/configmaps?watch=1&timeoutSeconds=1&resourceVersion=${cluster.store.resourceVersion}`);
    expect(w.status).toBe(200);
    expect((await http.get('/api/v1/namespaces/demo/configmaps')).status).toBe(503);
    cluster.faults.failNext(1, 500, { includeWatches: true });
    const failedWatch = await http.get(`/api/v1/namespaces/demo/configmaps?watch=1&resourceVersion=${cluster.store.resourceVersion}`);
    expect(failedWatch.status).toBe(500);
  });

  it('corruptWatches writes one bad line on every open watch and keeps streaming', async () => {
    for (const kind of ['garbage', 'truncated'] as const) {
      const w = await watch(`/api/v1/namespaces/demo/configmaps?watch=1&resourceVersion=${cluster.store.resourceVersion}`);
      const w2 = await watch(`/api/v1/namespaces/demo/pods?watch=1&resourceVersion=${cluster.store.resourceVersion}`);
      await new Promise((r) => setTimeout(r, 100));
      cluster.faults.corruptWatches(kind);
      cluster.store.create('configmaps', cm(`after-${kind}`));
      await w.until((s) => s.events.some((e) => e.object.metadata?.name === `after-${kind}`), 5000, 'event after corruption');
      await w2.until((s) => s.badLines.length === 1, 5000, 'bad line on the second watch');
      expect(w.badLines).toHaveLength(1);
      expect(w.ended).toBe(false);
      w.close();
      w2.close();
    }
  });

  it('compact() makes older resourceVersions 410 for watches', async () => {
    const rv = cluster.store.resourceVersion;
    cluster.store.create('configmaps', cm('pre-compact'));
    cluster.faults.compact();
    const w = await watch(`/api/v1/namespaces/demo/configmaps?watch=1&resourceVersion=${rv}`);
    await w.untilEnded(5000);
    expect(w.events.map((e) => e.type)).toEqual(['ERROR']);
  });

  it('records every request in a bounded log', async () => {
    const small = await startSimCluster({ name: 'log', controllers: false, requestLogSize: 5 });
    const c = new SimHttp(small);
    try {
      for (let i = 0; i < 8; i++) await c.get(`/api/v1/namespaces?i=${i}`);
      const recs = small.requests();
      expect(recs).toHaveLength(5);
      expect(recs.at(-1)).toMatchObject({ method: 'GET', path: '/api/v1/namespaces', query: { i: '7' }, status: 200, user: 'sim-admin', watch: false });
    } finally {
      await c.close();
      await small.close();
    }
  });
});

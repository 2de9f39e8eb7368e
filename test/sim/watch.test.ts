import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:tls';
import { startSimCluster, type SimCluster, type SimStoreInternals } from '../../src/sim/index.js';
import { SimHttp, fixtureJson, fixtureText, eventually, type WatchStream } from './simHttp.js';
import type { KubeObject } from '../../src/kube/types.js';

let cluster: SimCluster;
let http: SimHttp;
const open: WatchStream[] = [];

function pod(name: string, labels: Record<string, string> = {}, nodeName?: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'demo', labels }, spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'busybox' }] } };
}

async function watch(path: string, headers?: Record<string, string>): Promise<WatchStream> {
  const w = await http.watch(path, headers);
  open.push(w);
  return w;
}

const summary = (w: WatchStream): string[] => w.events.map((e) => `${e.type} ${e.object.metadata?.name ?? ''} ${e.object.metadata?.resourceVersion ?? ''}`.trim());

beforeAll(async () => {
  cluster = await startSimCluster({ name: 'watch', controllers: false, bookmarkIntervalMs: 400, historySize: 50, tooLargeRvWaitMs: 300, slowWatchTimeoutMs: 600, slowWatchMaxBufferedBytes: 512 * 1024 });
  cluster.store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } });
  http = new SimHttp(cluster);
});

afterAll(async () => {
  for (const w of open) w.close();
  await http?.close();
  await cluster?.close();
});

describe('WATCH', () => {
  it('resumes from a list resourceVersion: exact replay of what changed, in order, then live events', async () => {
    const list = (await http.get('/api/v1/namespaces/demo/pods')).json();
    const rv0 = Number(list.metadata.resourceVersion);
    const a = (await http.post('/api/v1/namespaces/demo/pods', pod('w-a', { app: 'w' }))).json();
    await http.patch('/api/v1/namespaces/demo/pods/w-a', { metadata: { labels: { stage: 'two' } } }, 'application/merge-patch+json');
    await http.delete('/api/v1/namespaces/demo/pods/w-a');
    await http.post('/api/v1/namespaces/demo/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'not-a-pod' } });
    await http.post('/api/v1/namespaces/demo/pods', pod('w-b'));
    const w = await watch(`/api/v1/namespaces/demo/pods?watch=1&resourceVersion=${rv0}&allowWatchBookmarks=true`);
    expect(w.status).toBe(200);
    await w.until((s) => s.events.length >= 5, 10_000, 'replayed events');
    const rvs = w.events.map((e) => Number(e.object.metadata.resourceVersion));
    expect(w.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED w-a', 'MODIFIED w-a', 'MODIFIED w-a', 'DELETED w-a', 'ADDED w-b']);
    expect(rvs).toEqual([...rvs].sort((x, y) => x - y));
    expect(rvs[0]).toBe(Number(a.metadata.resourceVersion));
    expect(w.events[2].object.metadata.deletionTimestamp).toBeTruthy();
    expect(w.events[2].object.metadata.deletionGracePeriodSeconds).toBe(0);
    expect(w.events[0].object.kind).toBe('Pod');
    expect(w.events[0].object.apiVersion).toBe('v1');
    await http.post('/api/v1/namespaces/demo/pods', pod('w-c'));
    await w.until((s) => s.events.some((e) => e.object.metadata.name === 'w-c'), 10_000, 'live event');
    const names = w.events.filter((e) => e.type !== 'BOOKMARK').map((e) => `${e.type} ${e.object.metadata.resourceVersion}`);
    expect(new Set(names).size).toBe(names.length);
    w.close();
  });

  it('sends synthetic ADDED events for the current state when resourceVersion is unset or 0', async () => {
    for (const rv of ['', '&resourceVersion=0']) {
      const w = await watch(`/api/v1/namespaces/demo/pods?watch=1&timeoutSeconds=1${rv}`);
      await w.untilEnded(5000);
      const pods = cluster.store.list('pods', 'demo').map((p) => p.metadata.name).sort();
      expect(w.events.every((e) => e.type === 'ADDED')).toBe(true);
      expect(w.events.map((e) => e.object.metadata.name).sort()).toEqual(pods);
    }
  });

  it('answers a resourceVersion that fell out of the history with HTTP 200 and one ERROR 410 event, then ends', async () => {
    const start = cluster.store.resourceVersion;
    for (let i = 0; i < 60; i++) cluster.store.create('pods', pod(`churn-${i}`));
    const internals = cluster.store as SimStoreInternals;
    const oldest = internals.history(internals.kind('pods')).startRv;
    expect(oldest).toBeGreaterThan(start);
    const w = await watch(`/api/v1/pods?watch=1&resourceVersion=${start}&allowWatchBookmarks=true`);
    expect(w.status).toBe(200);
    await w.untilEnded(5000);
    expect(w.events).toHaveLength(1);
    const captured = JSON.parse(fixtureText('watch/pods-all-from-compacted-rv-after-cache-eviction.jsonl'));
    expect(w.events[0].type).toBe('ERROR');
    expect(w.events[0].object).toEqual({ ...captured.object, message: `too old resource version: ${start} (${oldest})` });
    // From the oldest resumable RV it replays.
    const ok = await watch(`/api/v1/pods?watch=1&resourceVersion=${oldest}&timeoutSeconds=1`);
    await ok.untilEnded(5000);
    expect(ok.events.length).toBeGreaterThan(0);
    expect(ok.events.every((e) => e.type !== 'ERROR')).toBe(true);
  });

  it('gives the ERROR after compact() and after an apiserver restart, as captured', async () => {
    const before = cluster.store.resourceVersion;
    cluster.store.create('pods', pod(`pre-compact-${before}`));
    cluster.faults.compact();
    const w = await watch(`/api/v1/pods?watch=1&resourceVersion=${before}`);
    await w.untilEnded(5000);
    expect(w.events.map((e) => e.type)).toEqual(['ERROR']);
    expect(w.events[0].object.code).toBe(410);

    const preRestart = cluster.store.resourceVersion;
    cluster.store.create('pods', pod(`pre-restart-${preRestart}`));
    const live = await watch(`/api/v1/pods?watch=1&resourceVersion=${cluster.store.resourceVersion}`);
    await cluster.stop();
    await live.untilEnded(5000);
    expect(live.events.filter((e) => e.type === 'ERROR')).toHaveLength(0);
    await expect(http.get('/version')).rejects.toThrow();
    await cluster.start();
    const restartRv = cluster.store.resourceVersion;
    const old = await watch(`/api/v1/pods?watch=1&allowWatchBookmarks=true&resourceVersion=${preRestart}`);
    await old.untilEnded(5000);
    const captured = JSON.parse(fixtureText('watch/pods-all-from-pre-restart-rv-after-restart.jsonl'));
    expect(old.events).toHaveLength(1);
    expect(old.events[0].object).toEqual({ ...captured.object, message: `too old resource version: ${preRestart} (${restartRv})` });
    const same = await watch(`/api/v1/pods?watch=1&resourceVersion=${restartRv}&timeoutSeconds=1`);
    await same.untilEnded(5000);
    expect(same.events).toHaveLength(0);
  });

  it('sends bookmarks with the bare object shape, only after the cache RV passes the start RV', async () => {
    const rv = cluster.store.resourceVersion;
    const w = await watch(`/api/v1/namespaces/demo/pods?watch=1&allowWatchBookmarks=true&resourceVersion=${rv}`);
    // Quiet cluster: no bookmark although several intervals pass.
    await new Promise((r) => setTimeout(r, 1000));
    expect(w.events).toHaveLength(0);
    cluster.store.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `bm-${rv}`, namespace: 'demo' } });
    await w.until((s) => s.events.some((e) => e.type === 'BOOKMARK'), 5000, 'bookmark');
    const bm = w.events.find((e) => e.type === 'BOOKMARK')!;
    const captured = JSON.parse(fixtureText('watch/pods-demo-main.jsonl').trim().split('\n').at(-1)!);
    expect(bm.object).toEqual({ ...captured.object, metadata: { ...captured.object.metadata, resourceVersion: String(rv + 1) } });
    w.close();
  });

  it('ends at timeoutSeconds with the terminating chunk; bookmarks in the last seconds when the RV moved', async () => {
    const rv = cluster.store.resourceVersion;
    cluster.store.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `t-${rv}`, namespace: 'demo' } });
    const t0 = Date.now();
    const w = await watch(`/api/v1/namespaces/demo/pods?watch=1&allowWatchBookmarks=true&timeoutSeconds=3&resourceVersion=${rv}`);
    await w.untilEnded(8000);
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(2900);
    expect(took).toBeLessThan(6000);
    expect(w.error).toBeUndefined();
    expect(w.events.length).toBeGreaterThan(0);
    expect(w.events.every((e) => e.type === 'BOOKMARK')).toBe(true);
    const quiet = await watch(`/api/v1/namespaces/demo/pods?watch=1&timeoutSeconds=1&resourceVersion=${cluster.store.resourceVersion}`);
    await quiet.untilEnded(5000);
    expect(quiet.events).toHaveLength(0);
  });

  it('WatchList: initial ADDED events, the initial-events-end bookmark, then live events', async () => {
    const w = await watch('/api/v1/namespaces/demo/pods?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true');
    const count = cluster.store.list('pods', 'demo').length;
    await w.until((s) => s.events.some((e) => e.type === 'BOOKMARK'), 5000, 'initial-events-end');
    const idx = w.events.findIndex((e) => e.type === 'BOOKMARK');
    expect(idx).toBe(count);
    expect(w.events.slice(0, idx).every((e) => e.type === 'ADDED')).toBe(true);
    const bm = w.events[idx].object;
    const captured = JSON.parse(fixtureText('watch/watchlist-pods-demo.jsonl').split('\n').find((l) => l.includes('initial-events-end'))!);
    expect(bm).toEqual({ ...captured.object, metadata: { ...captured.object.metadata, resourceVersion: bm.metadata.resourceVersion } });
    await http.post('/api/v1/namespaces/demo/pods', pod('wl-live'));
    await w.until((s) => s.events.some((e) => e.object.metadata?.name === 'wl-live'), 5000, 'live event');
    w.close();

    const noMatch = await http.get('/api/v1/namespaces/demo/pods?allowWatchBookmarks=true&sendInitialEvents=true&watch=1&timeoutSeconds=3');
    expect(noMatch.status).toBe(422);
    expect(noMatch.json()).toEqual(fixtureJson('errors/422-watchlist-without-rvmatch.json'));

    const ahead = await watch(`/api/v1/pods?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&resourceVersion=${cluster.store.resourceVersion + 100}`);
    await ahead.untilEnded(5000);
    expect(ahead.events.map((e) => e.type)).toEqual(['ERROR']);
    expect(ahead.events[0].object.code).toBe(504);
    expect(ahead.events[0].object.reason).toBe('Timeout');
  });

  it('rejects sendInitialEvents with 422 when the WatchList gate is off', async () => {
    const off = await startSimCluster({ name: 'no-watchlist', controllers: false, watchList: false });
    const c = new SimHttp(off);
    try {
      const res = await c.get('/api/v1/namespaces/demo/pods?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true');
      expect(res.status).toBe(422);
      expect(res.json()).toEqual(fixtureJson('errors/422-sendInitialEvents-without-feature-gate.json'));
    } finally {
      await c.close();
      await off.close();
    }
  });

  it('applies selectors to watches: leaving the selector is DELETED, entering it is ADDED', async () => {
    await http.post('/api/v1/namespaces/demo/pods', pod('sel-a', { tier: 'web' }));
    await http.post('/api/v1/namespaces/demo/pods', pod('sel-b', { tier: 'db' }));
    const rv = cluster.store.resourceVersion;
    const w = await watch(`/api/v1/namespaces/demo/pods?watch=1&resourceVersion=${rv}&labelSelector=tier%3Dweb`);
    await http.patch('/api/v1/namespaces/demo/pods/sel-a', { metadata: { labels: { tier: 'db' } } }, 'application/merge-patch+json');
    await http.patch('/api/v1/namespaces/demo/pods/sel-b', { metadata: { labels: { tier: 'web' } } }, 'application/merge-patch+json');
    await http.patch('/api/v1/namespaces/demo/pods/sel-b', { metadata: { annotations: { x: 'y' } } }, 'application/merge-patch+json');
    await w.until((s) => s.events.length >= 3, 5000, 'selector events');
    expect(w.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['DELETED sel-a', 'ADDED sel-b', 'MODIFIED sel-b']);
    // The DELETED carries the previous state with the event's resourceVersion.
    expect(w.events[0].object.metadata.labels.tier).toBe('web');
    expect(Number(w.events[0].object.metadata.resourceVersion)).toBe(rv + 1);
    w.close();
    const f = await watch(`/api/v1/namespaces/demo/pods?watch=1&fieldSelector=metadata.name%3Dsel-b&timeoutSeconds=1`);
    await f.untilEnded(5000);
    expect(f.events.map((e) => e.object.metadata.name)).toEqual(['sel-b']);
  });

  it('streams Table events for kubectl: columnDefinitions only in the first', async () => {
    const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
    const rv = cluster.store.resourceVersion;
    const w = await watch(`/api/v1/pods?resourceVersion=${rv}&watch=true`, { accept });
    await http.post('/api/v1/namespaces/demo/pods', pod('tbl-1'));
    await http.post('/api/v1/namespaces/demo/pods', pod('tbl-2'));
    await w.until((s) => s.events.length >= 2, 5000, 'table events');
    expect(w.events[0].object.kind).toBe('Table');
    expect(w.events[0].object.columnDefinitions.length).toBe(9);
    expect(w.events[1].object.columnDefinitions).toBeNull();
    expect(w.events[1].object.rows[0].cells[0]).toBe('tbl-2');
    expect(w.events[1].object.metadata.resourceVersion).toBe(String(rv + 2));
    w.close();
  });

  it('serves the legacy /api/v1/watch/ path', async () => {
    const w = await watch(`/api/v1/watch/namespaces/demo/pods?resourceVersion=${cluster.store.resourceVersion}&timeoutSeconds=1`);
    expect(w.status).toBe(200);
    await w.untilEnded(5000);
    expect(w.events).toHaveLength(0);
  });

  it('closes a watch whose client stops reading instead of buffering without bound', async () => {
    const url = new URL(cluster.url);
    const sock = connect({ host: url.hostname, port: Number(url.port), ca: cluster.ca.certPem, servername: 'localhost' });
    await new Promise<void>((resolve, reject) => {
      sock.once('secureConnect', () => resolve());
      sock.once('error', reject);
    });
    let closed = false;
    sock.on('close', () => (closed = true));
    sock.on('error', () => {});
    const rv = String(cluster.store.resourceVersion);
    sock.write(`GET /api/v1/namespaces/demo/configmaps?watch=1&resourceVersion=${rv} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${cluster.adminToken}\r\nAccept: application/json\r\n\r\n`);
    sock.pause(); // never read
    await new Promise((r) => setTimeout(r, 200));
    const big = 'x'.repeat(200 * 1024);
    let i = 0;
    const writer = setInterval(() => {
      for (let k = 0; k < 5; k++) cluster.store.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `big-${i++}`, namespace: 'demo' }, data: { big } });
    }, 50);
    const served = (): boolean => cluster.requests().some((r) => r.watch && r.path === '/api/v1/namespaces/demo/configmaps' && r.query.resourceVersion === rv);
    try {
      // The server ends the response (its request log records it) although the client never read.
      await eventually(served, 15_000, 'server to close the slow watch');
      // The client then sees the connection end once it reads what was in flight.
      sock.resume();
      await eventually(() => closed, 10_000, 'client to see the closed connection');
    } finally {
      clearInterval(writer);
      sock.destroy();
    }
    expect(i).toBeLessThan(2000);
    // The server is still healthy for others.
    expect((await http.get('/healthz')).text).toBe('ok');
  });
});

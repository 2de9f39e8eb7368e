import { afterEach, describe, expect, it } from 'vitest';
import { BUILTIN_KINDS, type KindInfo } from '../../src/kube/kinds.js';
import type { SimCluster } from '../../src/sim/types.js';
import type { Reflector, ReflectorOptions } from '../../src/watch/reflector.js';
import { clientFor, collectionRequests, diffStates, isTransfer, reflectorFor, serverState, stopAndLog, waitFor, startSim, type SimStartOptions } from './support/harness.js';
import { RecordingSink } from './support/recordingSink.js';

const CONFIGMAP = BUILTIN_KINDS.find((k) => k.kind === 'ConfigMap')!;
const POD = BUILTIN_KINDS.find((k) => k.kind === 'Pod')!;
const GADGET: KindInfo = { group: 'example.kubeatlas.io', version: 'v1', kind: 'Gadget', plural: 'gadgets', namespaced: true };

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function sim(options: SimStartOptions = {}): Promise<SimCluster> {
  const s = await startSim({ name: `faults-${Math.random().toString(36).slice(2, 8)}`, objects: 0, seed: 3, historySize: 2000, bookmarkIntervalMs: 200, ...options });
  cleanups.push(() => s.close());
  return s;
}

/** A cluster with 12 ConfigMaps and a synced, watching ConfigMap reflector. */
async function syncedConfigMaps(options: SimStartOptions = {}, reflectorOptions: Partial<ReflectorOptions> = {}) {
  const s = await sim(options);
  for (let i = 0; i < 12; i++) s.store.create('configmaps', { metadata: { name: `cm-${i}`, namespace: i % 2 ? 'default' : 'kube-system' }, data: { v: '0' } });
  const c = clientFor(s);
  cleanups.push(() => c.close());
  const sink = new RecordingSink('ConfigMap');
  const r: Reflector = reflectorFor({ client: c, kind: CONFIGMAP, sink, ...reflectorOptions });
  cleanups.push(() => r.stop());
  r.start();
  await r.whenSynced();
  await waitFor(() => r.status().phase === 'watching');
  return { s, c, sink, r, mark: sink.changes.length };
}

/** Changes made while the reflector cannot see them: one of each type. */
function gapChanges(s: SimCluster): string[] {
  s.store.create('configmaps', { metadata: { name: 'born-in-gap', namespace: 'default' } });
  s.store.mutate('configmaps', 'default', 'cm-1', (o) => void (o.data = { v: '1' }));
  s.store.mutate('configmaps', 'default', 'cm-1', (o) => void (o.data = { v: '2' }));
  s.store.delete('configmaps', 'kube-system', 'cm-2');
  // The same object created and deleted inside the gap leaves no trace.
  s.store.create('configmaps', { metadata: { name: 'ephemeral', namespace: 'default' } });
  s.store.delete('configmaps', 'default', 'ephemeral');
  return ['ADDED default/born-in-gap', 'DELETED kube-system/cm-2', 'MODIFIED default/cm-1'];
}

const converged = (s: SimCluster, sink: RecordingSink) => () => diffStates(sink.snapshot(), serverState(s, CONFIGMAP)) === '';
const describeDiff = (s: SimCluster, sink: RecordingSink) => () => diffStates(sink.snapshot(), serverState(s, CONFIGMAP));

describe.each([
  { mode: 'WatchList', watchList: true },
  { mode: 'LIST', watchList: false },
])('410 Gone → relist emits exactly the difference ($mode)', ({ watchList }) => {
  it('when the next watch answers an ERROR 410 (expireNextWatches)', async () => {
    const { s, sink, r, mark } = await syncedConfigMaps({ watchList });
    s.faults.expireNextWatches(1);
    s.faults.dropWatches();
    const expected = gapChanges(s);
    await waitFor(converged(s, sink), 5000, describeDiff(s, sink));
    const gap = sink.changes.slice(mark);
    expect(gap.map((ch) => `${ch.type} ${ch.key}`).sort()).toEqual(expected);
    expect(gap.every((ch) => ch.origin === 'relist')).toBe(true);
    expect(r.status()).toMatchObject({ expired: 1, relists: 1, via: watchList ? 'watchList' : 'list' });
    await waitFor(() => r.status().phase === 'watching');
    await stopAndLog(s, [r], 3);
    const transfers = collectionRequests(s, CONFIGMAP).filter((q) => isTransfer(q) && q.status === 200); // not the 422 WatchList probe
    // The first transfer was a consistent read; the relist asks for "not older than" the last resourceVersion.
    expect(transfers).toHaveLength(2);
    expect(transfers.filter((t) => t.query.resourceVersion === undefined)).toHaveLength(1);
    expect(transfers.find((t) => t.query.resourceVersion !== undefined)?.query).toMatchObject({ resourceVersionMatch: 'NotOlderThan', resourceVersion: expect.stringMatching(/^\d+$/) });
    expect(sink.anomalies).toEqual([]);
  });

  it('when history was compacted while disconnected (compact)', async () => {
    const { s, sink, r, mark } = await syncedConfigMaps({ watchList });
    s.faults.dropWatches();
    const expected = gapChanges(s);
    s.faults.compact();
    await waitFor(converged(s, sink), 5000, describeDiff(s, sink));
    expect(sink.changes.slice(mark).map((ch) => `${ch.type} ${ch.key}`).sort()).toEqual(expected);
    expect(r.status().expired).toBeGreaterThanOrEqual(1);
    expect(r.status().relists).toBe(1);
    expect(sink.anomalies).toEqual([]);
  });
});

describe.each([
  { mode: 'WatchList', watchList: true },
  { mode: 'LIST', watchList: false },
])('504 "Too large resource version" ($mode)', ({ watchList }) => {
  it('waits as Retry-After asks and retries until the server reaches the resourceVersion', async () => {
    const s = await sim({ watchList, tooLargeRvWaitMs: 100 });
    s.store.create('configmaps', { metadata: { name: 'before', namespace: 'default' } });
    const c = clientFor(s);
    cleanups.push(() => c.close());
    const sink = new RecordingSink('ConfigMap');
    // Resuming from a resourceVersion the server has not reached yet (a snapshot newer than the cache).
    const ahead = String(s.store.resourceVersion + 3);
    const r = reflectorFor({ client: c, kind: CONFIGMAP, sink, resumeResourceVersion: ahead });
    cleanups.push(() => r.stop());
    const t0 = Date.now();
    r.start();
    // WatchList: HTTP 200 + an ERROR event with the 504 Status; LIST: an HTTP 504 the pager retries itself.
    const told504 = () => /Too large resource version/.test(r.status().lastError ?? '') || collectionRequests(s, CONFIGMAP).some((q) => q.status === 504);
    await waitFor(told504, 5000, () => `${r.status().lastError}`);
    for (let i = 0; i < 3; i++) s.store.create('configmaps', { metadata: { name: `later-${i}`, namespace: 'default' } });
    expect(await r.whenSynced()).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000); // Retry-After: 1
    expect(Number(r.status().resourceVersion)).toBeGreaterThanOrEqual(Number(ahead));
    expect(diffStates(sink.snapshot(), serverState(s, CONFIGMAP))).toBe('');
    expect(r.status()).toMatchObject({ relists: 0, via: watchList ? 'watchList' : 'list' });
    if (!watchList) expect(collectionRequests(s, CONFIGMAP).filter((q) => !q.watch && q.status === 504).length).toBeGreaterThanOrEqual(1);
  });
});

describe('faults that must not cause a relist', () => {
  it('failNext 500 and 429 on watches: backs off and resumes from the last resourceVersion', async () => {
    const { s, sink, r } = await syncedConfigMaps();
    s.faults.failNext(3, 500, { includeWatches: true, pathPrefix: '/api/v1/configmaps' });
    s.faults.dropWatches();
    s.store.create('configmaps', { metadata: { name: 'during-500', namespace: 'default' } });
    await waitFor(converged(s, sink), 8000, describeDiff(s, sink));
    expect(r.status().lastError).toMatch(/500/);
    s.faults.failNext(2, 429, { includeWatches: true, retryAfterSeconds: 1, pathPrefix: '/api/v1/configmaps' });
    s.faults.dropWatches();
    s.store.create('configmaps', { metadata: { name: 'during-429', namespace: 'default' } });
    await waitFor(converged(s, sink), 8000, describeDiff(s, sink));
    expect(r.status().lastError).toMatch(/429/);
    const reqs = collectionRequests(s, CONFIGMAP);
    expect(reqs.filter((q) => q.watch && q.status === 500)).toHaveLength(3);
    expect(reqs.filter((q) => q.watch && q.status === 429)).toHaveLength(2);
    expect(reqs.filter(isTransfer)).toHaveLength(1); // the initial WatchList only
    expect(r.status()).toMatchObject({ relists: 0, expired: 0 });
    expect(sink.anomalies).toEqual([]);
  });

  it('garbage and truncated lines: drops the connection and re-watches from the last good resourceVersion', async () => {
    const { s, sink, r } = await syncedConfigMaps();
    for (const kind of ['garbage', 'truncated'] as const) {
      const restarts = r.status().restarts;
      s.faults.corruptWatches(kind);
      s.store.create('configmaps', { metadata: { name: `after-${kind}`, namespace: 'default' } });
      await waitFor(() => converged(s, sink)() && r.status().restarts > restarts, 5000, describeDiff(s, sink));
    }
    expect(r.status().lastError).toMatch(/JSON|ended inside an event/);
    expect(collectionRequests(s, CONFIGMAP).filter(isTransfer)).toHaveLength(1);
    expect(r.status().relists).toBe(0);
    expect(sink.anomalies).toEqual([]);
  });

  it('a hanging apiserver: the connect deadline fires, and once it answers again the watch resumes', async () => {
    const { s, sink, r } = await syncedConfigMaps({}, { connectTimeoutMs: 300 });
    s.faults.hang({ watchesOnly: true });
    s.faults.dropWatches();
    s.store.create('configmaps', { metadata: { name: 'during-hang', namespace: 'default' } });
    await waitFor(() => r.status().phase === 'backoff' && /hang|timed? ?out|deadline|headers/i.test(r.status().lastError ?? ''), 5000, () => `${r.status().phase} ${r.status().lastError}`);
    s.faults.clear();
    await waitFor(converged(s, sink), 5000, describeDiff(s, sink));
    expect(collectionRequests(s, CONFIGMAP).filter(isTransfer)).toHaveLength(1);
    expect(r.status().relists).toBe(0);
  });

  it('an apiserver restart: refused connections back off; the rebuilt watch cache answers 410, and a relist catches up', async () => {
    const { s, sink, r, mark } = await syncedConfigMaps();
    await s.stop();
    const expected = gapChanges(s);
    await waitFor(() => /refused|reset|closed|unavailable/i.test(r.status().lastError ?? ''), 5000, () => `${r.status().lastError}`);
    await s.start();
    await waitFor(converged(s, sink), 8000, describeDiff(s, sink));
    expect(sink.changes.slice(mark).map((ch) => `${ch.type} ${ch.key}`).sort()).toEqual(expected);
    expect(r.status().relists).toBe(1);
    expect(sink.anomalies).toEqual([]);
  });
});

describe('objects and kinds', () => {
  it('carries a 2 MB object through list and watch intact', async () => {
    const big = 'x'.repeat(2 * 1024 * 1024);
    const { s, sink } = await syncedConfigMaps();
    const created = s.store.create('configmaps', { metadata: { name: 'big', namespace: 'default' }, data: { blob: big } });
    await waitFor(() => sink.objects.get('default/big')?.metadata.resourceVersion === created.metadata.resourceVersion, 5000);
    expect((sink.objects.get('default/big')?.data as { blob: string }).blob).toBe(big);
    // A fresh reflector gets it through its list.
    const c = clientFor(s);
    cleanups.push(() => c.close());
    const fresh = new RecordingSink('ConfigMap');
    const r2 = reflectorFor({ client: c, kind: CONFIGMAP, sink: fresh, watchList: undefined });
    cleanups.push(() => r2.stop());
    r2.start();
    await r2.whenSynced();
    expect((fresh.objects.get('default/big')?.data as { blob: string }).blob.length).toBe(big.length);
  });

  it('an event larger than maxLineBytes: drops the stream, and when it fails again at the same place, relists past it', async () => {
    const { s, sink, r } = await syncedConfigMaps({}, { maxLineBytes: 1024 * 1024 });
    const created = s.store.create('configmaps', { metadata: { name: 'too-big', namespace: 'default' }, data: { blob: 'y'.repeat(1536 * 1024) } });
    s.store.create('configmaps', { metadata: { name: 'after-big', namespace: 'default' } });
    await waitFor(converged(s, sink), 8000, describeDiff(s, sink));
    expect(sink.objects.get('default/too-big')?.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    // Two watches broke on the event, then one relist (by LIST: a WatchList would carry it as one line again).
    expect(r.status()).toMatchObject({ relists: 1, via: 'list' });
    expect(r.status().lastError).toMatch(/larger than 1048576 bytes/);
    expect(collectionRequests(s, CONFIGMAP).filter((q) => q.watch).length).toBeGreaterThanOrEqual(2);
    expect(sink.anomalies).toEqual([]);
  });

  it('a kind the server lacks (404) is reported as failing and retried slowly, never fatal', async () => {
    const s = await sim();
    const c = clientFor(s);
    cleanups.push(() => c.close());
    const r = reflectorFor({ client: c, kind: GADGET, sink: new RecordingSink('Gadget') });
    r.start();
    await waitFor(() => r.status().failing !== undefined, 5000);
    expect(r.status()).toMatchObject({ phase: 'failed', synced: false, failing: 'not served by the API server (404)' });
    const t0 = Date.now();
    await r.stop();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(r.status().phase).toBe('stopped');
    expect(await r.whenSynced()).toBe(false);
  });

  it('a kind the credentials may not read (403) is reported as failing with the reason', async () => {
    const s = await sim({ tokens: [{ token: 'nobody-token-0123456789', user: 'nobody' }] });
    const c = clientFor(s, 'nobody-token-0123456789');
    cleanups.push(() => c.close());
    const r = reflectorFor({ client: c, kind: POD, sink: new RecordingSink('Pod') });
    cleanups.push(() => r.stop());
    r.start();
    await waitFor(() => r.status().failing !== undefined, 5000);
    expect(r.status()).toMatchObject({ phase: 'failed', synced: false, failing: 'forbidden (403)' });
    expect(r.status().lastError).toMatch(/403/);
    expect(r.status().lastError).not.toContain('nobody-token');
  });
});

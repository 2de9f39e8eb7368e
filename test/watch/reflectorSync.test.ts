import { afterEach, describe, expect, it } from 'vitest';
import type { KubeClient, KubeRequest, KubeResponse } from '../../src/clusters/kubeClient.js';
import { BUILTIN_KINDS, kindKey, type KindInfo } from '../../src/kube/kinds.js';
import type { SimCluster } from '../../src/sim/types.js';
import { metricsRegistry } from '../../src/util/metrics.js';
import { createListGate } from '../../src/watch/listGate.js';
import type { Reflector } from '../../src/watch/reflector.js';
import { newWatchListSupport, watchListSupportOf } from '../../src/watch/watchListSupport.js';
import { clientFor, collectionRequests, diffStates, isList, isPlainWatch, isWatchList, reflectorFor, serverState, stopAndLog, waitFor, startSim, type SimStartOptions } from './support/harness.js';
import { RecordingSink, RecordingSinks } from './support/recordingSink.js';

const WIDGET: KindInfo = { group: 'example.kubeatlas.io', version: 'v1', kind: 'Widget', plural: 'widgets', namespaced: true };
const CONFIGMAP = BUILTIN_KINDS.find((k) => k.kind === 'ConfigMap')!;
const POD = BUILTIN_KINDS.find((k) => k.kind === 'Pod')!;
const STORAGECLASS = BUILTIN_KINDS.find((k) => k.kind === 'StorageClass')!;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function sim(options: SimStartOptions = {}): Promise<SimCluster> {
  const s = await startSim({ name: `sync-${Math.random().toString(36).slice(2, 8)}`, objects: 150, seed: 1, historySize: 2000, bookmarkIntervalMs: 200, ...options });
  cleanups.push(() => s.close());
  return s;
}

function client(s: SimCluster, token?: string) {
  const c = clientFor(s, token);
  cleanups.push(() => c.close());
  return c;
}

function track(r: Reflector): Reflector {
  cleanups.push(() => r.stop());
  r.start();
  return r;
}

async function expectMirrors(s: SimCluster, sinks: RecordingSinks, kinds: readonly KindInfo[]): Promise<void> {
  for (const kind of kinds) {
    const sink = sinks.get(kind)!;
    await waitFor(() => diffStates(sink.snapshot(), serverState(s, kind)) === '', 5000, () => `${kindKey(kind)}: ${diffStates(sink.snapshot(), serverState(s, kind))}`);
  }
  expect(sinks.anomalies).toEqual([]);
}

describe('initial sync', () => {
  it('by WatchList: every kind mirrors the server (names and resourceVersions) without any LIST', async () => {
    const s = await sim();
    const c = client(s);
    const sinks = new RecordingSinks();
    const kinds = [...BUILTIN_KINDS, WIDGET];
    const reflectors = kinds.map((kind) => track(reflectorFor({ client: c, kind, sink: sinks.sinkFor(kind) })));
    expect(await Promise.all(reflectors.map((r) => r.whenSynced()))).toEqual(kinds.map(() => true));
    await expectMirrors(s, sinks, kinds);
    expect(serverState(s, POD).size).toBeGreaterThan(20);
    await waitFor(() => reflectors.every((x) => x.status().phase === 'watching'), 5000);
    for (const r of reflectors) expect(r.status()).toMatchObject({ synced: true, via: 'watchList', relists: 0, phase: 'watching' });
    await stopAndLog(s, reflectors);
    for (const kind of kinds) {
      const reqs = collectionRequests(s, kind);
      expect(reqs.filter(isList), kindKey(kind)).toEqual([]);
      expect(reqs.filter(isWatchList), kindKey(kind)).toHaveLength(1);
      expect(reqs.filter(isWatchList)[0].query).toMatchObject({ allowWatchBookmarks: 'true', resourceVersionMatch: 'NotOlderThan' });
    }
    // Replacing into an empty sink emits exactly one ADDED per object.
    const pods = sinks.changes.filter((ch) => ch.kind === 'Pod');
    expect(pods.every((ch) => ch.type === 'ADDED')).toBe(true);
    expect(new Set(pods.map((ch) => ch.key)).size).toBe(pods.length);
  });

  it('by paged LIST where WatchList is refused (422): pages stream into the sink, the refusal is remembered per cluster', async () => {
    const s = await sim({ watchList: false });
    const c = client(s);
    const sinks = new RecordingSinks();
    const kinds = [...BUILTIN_KINDS, WIDGET];
    const gate = createListGate(3);
    // How many items the pod sink held when each pod list page was requested.
    const podSink = sinks.sinkFor(POD);
    const heldAtPageRequest: number[] = [];
    const observing: KubeClient = {
      clusterId: c.clusterId,
      server: c.server,
      stream: (req) => c.stream(req),
      request: (req: KubeRequest): Promise<KubeResponse> => {
        if (req.path === '/api/v1/pods') heldAtPageRequest.push(podSink.calls.replaceItem);
        return c.request(req);
      },
    };
    const reflectors = kinds.map((kind) =>
      track(reflectorFor({ client: observing, kind, sink: sinks.sinkFor(kind), pageSize: 7, listGate: gate, watchList: watchListSupportOf(observing) })),
    );
    expect(await Promise.all(reflectors.map((r) => r.whenSynced()))).toEqual(kinds.map(() => true));
    await expectMirrors(s, sinks, kinds);
    for (const r of reflectors) expect(r.status()).toMatchObject({ synced: true, via: 'list', relists: 0 });
    expect(watchListSupportOf(observing).enabled).toBe(false);
    await waitFor(() => reflectors.every((x) => x.status().phase === 'watching'), 5000);
    await stopAndLog(s, reflectors);

    // At most the 3 transfers admitted together tried WatchList before the first 422 was remembered.
    const watchLists = kinds.flatMap((k) => collectionRequests(s, k).filter(isWatchList));
    expect(watchLists.length).toBeGreaterThanOrEqual(1);
    expect(watchLists.length).toBeLessThanOrEqual(3);
    expect(watchLists.every((r) => r.status === 422)).toBe(true);

    const pages = collectionRequests(s, POD).filter(isList);
    const podCount = serverState(s, POD).size;
    expect(pages.length).toBe(Math.ceil(podCount / 7));
    expect(pages[0].query).toMatchObject({ limit: '7' });
    expect(pages[0].query.continue).toBeUndefined();
    expect(pages[0].query.resourceVersion).toBeUndefined();
    for (const p of pages.slice(1)) {
      expect(p.query.continue).toBeTruthy();
      expect(p.query.resourceVersion).toBeUndefined();
    }
    // Streaming: when page N is requested, the sink already holds pages 1..N-1.
    expect(heldAtPageRequest).toEqual(pages.map((_, i) => i * 7));
    // Then a plain watch from the list's resourceVersion.
    const watches = collectionRequests(s, POD).filter(isPlainWatch);
    expect(watches).toHaveLength(1);
    expect(watches[0].query).toMatchObject({ allowWatchBookmarks: 'true', resourceVersion: podSink.resourceVersion });
  });

  it('detects a server that ignores sendInitialEvents (pre-1.27: a plain watch with plain bookmarks) and falls back to LIST', async () => {
    const s = await sim({ objects: 0, bookmarkIntervalMs: 100 });
    for (let i = 0; i < 5; i++) s.store.create('configmaps', { metadata: { name: `cm-${i}`, namespace: 'default' } });
    const c = client(s);
    // An older apiserver drops the parameters it does not know; a proxy in front of the sim does the same.
    const oldServer: KubeClient = {
      clusterId: c.clusterId,
      server: c.server,
      request: (req) => c.request(req),
      stream: (req) => {
        const { sendInitialEvents, resourceVersionMatch, ...query } = req.query ?? {};
        void sendInitialEvents;
        void resourceVersionMatch;
        return c.stream({ ...req, query });
      },
    };
    const sink = new RecordingSink('ConfigMap');
    const support = newWatchListSupport();
    const r = track(reflectorFor({ client: oldServer, kind: CONFIGMAP, sink, watchList: support }));
    // Bookmarks only come once the resourceVersion moves: keep the cluster busy elsewhere.
    const busy = setInterval(() => s.store.create('secrets', { metadata: { generateName: 'busy-', namespace: 'default' } }), 50);
    cleanups.push(() => clearInterval(busy));
    expect(await r.whenSynced()).toBe(true);
    expect(support.enabled).toBe(false);
    expect(support.reason).toMatch(/bookmark without initial-events-end/);
    expect(r.status().via).toBe('list');
    expect(sink.calls.abortReplace).toBe(1);
    expect(diffStates(sink.snapshot(), serverState(s, CONFIGMAP))).toBe('');
    expect(sink.anomalies).toEqual([]);
  });

  it('restarts a list whose continue token expired (410) as a fresh consistent list, dropping what vanished meanwhile', async () => {
    const s = await sim({ watchList: false, objects: 0 });
    for (let i = 0; i < 30; i++) s.store.create('configmaps', { metadata: { name: `cm-${String(i).padStart(2, '0')}`, namespace: 'default' }, data: { i: String(i) } });
    const c = client(s);
    let pagesSeen = 0;
    const compacting: KubeClient = {
      clusterId: c.clusterId,
      server: c.server,
      stream: (req) => c.stream(req),
      request: async (req) => {
        const res = await c.request(req);
        if (req.path === '/api/v1/configmaps' && ++pagesSeen === 1) {
          // Between page 1 and page 2: history is compacted, an object of page 1 goes away, one appears.
          s.faults.compact();
          s.store.delete('configmaps', 'default', 'cm-01');
          s.store.create('configmaps', { metadata: { name: 'cm-new', namespace: 'default' } });
        }
        return res;
      },
    };
    const sink = new RecordingSink('ConfigMap');
    const r = track(reflectorFor({ client: compacting, kind: CONFIGMAP, sink, pageSize: 5 }));
    expect(await r.whenSynced()).toBe(true);
    expect(diffStates(sink.snapshot(), serverState(s, CONFIGMAP))).toBe('');
    expect(sink.objects.has('default/cm-01')).toBe(false);
    expect(sink.objects.has('default/cm-new')).toBe(true);
    const lists = collectionRequests(s, CONFIGMAP).filter(isList);
    expect(lists.map((l) => l.status)).toContain(410);
    const afterExpiry = lists.slice(lists.findIndex((l) => l.status === 410) + 1);
    expect(afterExpiry[0].query.continue).toBeUndefined();
    expect(afterExpiry[0].query.resourceVersion).toBeUndefined();
    expect(r.status().expired).toBe(1);
    expect(sink.calls.abortReplace).toBe(1);
    // cm-01 was delivered with page 1, then dropped by the restarted list: one ADDED, one DELETED.
    expect(sink.changes.filter((ch) => ch.key === 'default/cm-01').map((ch) => ch.type)).toEqual(['ADDED', 'DELETED']);
    expect(sink.anomalies).toEqual([]);
  });
  it('when the restarted list expires too, reads the collection unpaged (as client-go does)', async () => {
    const s = await sim({ watchList: false, objects: 0 });
    for (let i = 0; i < 12; i++) s.store.create('configmaps', { metadata: { name: `cm-${i}`, namespace: 'default' } });
    const c = client(s);
    const compactingAlways: KubeClient = {
      clusterId: c.clusterId,
      server: c.server,
      stream: (req) => c.stream(req),
      request: async (req) => {
        const res = await c.request(req);
        if (req.path === '/api/v1/configmaps' && req.query?.limit !== undefined) {
          // Every paged answer is followed by a compaction and a write: no continue token survives.
          s.faults.compact();
          s.store.mutate('configmaps', 'default', 'cm-0', (o) => void (o.data = { n: String(Date.now()) }));
        }
        return res;
      },
    };
    const sink = new RecordingSink('ConfigMap');
    const r = track(reflectorFor({ client: compactingAlways, kind: CONFIGMAP, sink, pageSize: 5 }));
    expect(await r.whenSynced()).toBe(true);
    await waitFor(() => diffStates(sink.snapshot(), serverState(s, CONFIGMAP)) === '', 5000);
    const lists = collectionRequests(s, CONFIGMAP).filter(isList);
    expect(lists.map((l) => `${l.status} ${l.query.limit ?? 'unpaged'} ${l.query.continue ? 'continue' : 'first'}`)).toEqual([
      '200 5 first',
      '410 5 continue',
      '200 5 first',
      '410 5 continue',
      '200 unpaged first',
    ]);
    expect(r.status().expired).toBe(2);
    expect(sink.anomalies).toEqual([]);
  });
});

describe('watch', () => {
  it('resumes from the last resourceVersion after dropped connections, without relisting', async () => {
    const s = await sim({ objects: 0 });
    s.store.create('configmaps', { metadata: { name: 'keep', namespace: 'default' } });
    s.store.create('configmaps', { metadata: { name: 'doomed', namespace: 'default' } });
    const c = client(s);
    const sink = new RecordingSink('ConfigMap');
    const r = track(reflectorFor({ client: c, kind: CONFIGMAP, sink }));
    await r.whenSynced();
    await waitFor(() => r.status().phase === 'watching');
    s.store.create('configmaps', { metadata: { name: 'a', namespace: 'default' } });
    await waitFor(() => sink.objects.has('default/a'));
    const rvAtDrop = r.status().resourceVersion;
    const mark = sink.changes.length;

    s.faults.dropWatches();
    s.store.create('configmaps', { metadata: { name: 'b', namespace: 'default' } });
    s.store.mutate('configmaps', 'default', 'a', (o) => void (o.data = { changed: 'yes' }));
    s.store.delete('configmaps', 'default', 'doomed');

    await waitFor(() => diffStates(sink.snapshot(), serverState(s, CONFIGMAP)) === '', 5000);
    await stopAndLog(s, [r], 2);
    const reqs = collectionRequests(s, CONFIGMAP);
    expect(reqs.filter(isList)).toEqual([]);
    expect(reqs.filter(isWatchList)).toHaveLength(1); // the initial transfer only
    const resumed = reqs.filter(isPlainWatch);
    expect(resumed[0].query.resourceVersion).toBe(rvAtDrop);
    expect(sink.changes.slice(mark).map((ch) => `${ch.type} ${ch.key} ${ch.origin}`)).toEqual(['ADDED default/b watch', 'MODIFIED default/a watch', 'DELETED default/doomed watch']);
    expect(r.status()).toMatchObject({ relists: 0, expired: 0 });
    expect(r.status().restarts).toBeGreaterThanOrEqual(1);
    expect(sink.anomalies).toEqual([]);
  });

  it('exports per-cluster, per-kind metrics, and removes them when stopped', async () => {
    const s = await sim({ objects: 0 });
    const c = client(s);
    const sink = new RecordingSink('ConfigMap');
    const r = track(reflectorFor({ client: c, kind: CONFIGMAP, sink }));
    await r.whenSynced();
    for (let i = 0; i < 4; i++) s.store.create('configmaps', { metadata: { name: `m-${i}`, namespace: 'default' } });
    await waitFor(() => sink.objects.size === serverState(s, CONFIGMAP).size);
    s.faults.expireNextWatches(1);
    s.faults.dropWatches();
    await waitFor(() => r.status().relists === 1 && r.status().phase === 'watching', 5000);
    const labels = `cluster="${s.name}",kind="ConfigMap"`;
    const text = await metricsRegistry.metrics();
    const value = (name: string) => Number(new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(value('kubeatlas_reflector_events_total')).toBeGreaterThanOrEqual(4);
    expect(value('kubeatlas_reflector_relists_total')).toBe(1);
    expect(value('kubeatlas_reflector_expired_total')).toBe(1);
    expect(value('kubeatlas_reflector_synced')).toBe(1);
    expect(value('kubeatlas_reflector_objects')).toBe(serverState(s, CONFIGMAP).size);
    expect(value('kubeatlas_reflector_last_event_age_seconds')).toBeLessThan(5);
    expect(value('kubeatlas_reflector_initial_sync_duration_seconds')).toBeGreaterThan(0);
    await r.stop();
    expect(await metricsRegistry.metrics()).not.toContain(labels);
  });

  it('advances the resourceVersion on bookmarks while its kind is quiet', async () => {
    const s = await sim({ objects: 0, bookmarkIntervalMs: 100 });
    const c = client(s);
    const sink = new RecordingSink('StorageClass');
    const r = track(reflectorFor({ client: c, kind: STORAGECLASS, sink }));
    await r.whenSynced();
    const rv0 = Number(r.status().resourceVersion);
    const applied = sink.calls.apply;
    for (let i = 0; i < 5; i++) s.store.create('configmaps', { metadata: { name: `other-${i}`, namespace: 'default' } });
    const target = s.store.resourceVersion;
    await waitFor(() => Number(r.status().resourceVersion) >= target, 5000, () => `rv ${r.status().resourceVersion} < ${target}`);
    expect(Number(r.status().resourceVersion)).toBeGreaterThan(rv0);
    expect(sink.resourceVersion).toBe(r.status().resourceVersion);
    expect(sink.calls.apply).toBe(applied);
  });

  it('re-watches when the server ends a watch at timeoutSeconds, with a random timeout in the configured range', async () => {
    const s = await sim({ objects: 0 });
    const c = client(s);
    const sink = new RecordingSink('ConfigMap');
    const r = track(reflectorFor({ client: c, kind: CONFIGMAP, sink, watchTimeoutSeconds: { min: 1, max: 2 } }));
    await r.whenSynced();
    // The WatchList ends after 1 s, then a plain watch from its resourceVersion ends after 1 s more.
    await waitFor(() => collectionRequests(s, CONFIGMAP).filter(isPlainWatch).length >= 1, 6000);
    s.store.create('configmaps', { metadata: { name: 'late', namespace: 'default' } });
    await waitFor(() => sink.objects.has('default/late'));
    const reqs = collectionRequests(s, CONFIGMAP);
    for (const w of reqs.filter((q) => q.watch)) expect(Number(w.query.timeoutSeconds)).toBe(1);
    expect(reqs.filter(isList)).toEqual([]);
    expect(r.status().relists).toBe(0);

    // Default range: client-go's [300, 600).
    const d = track(reflectorFor({ client: c, kind: POD, sink: new RecordingSink('Pod'), watchTimeoutSeconds: undefined }));
    await d.whenSynced();
    await waitFor(() => d.status().phase === 'watching');
    await stopAndLog(s, [d]);
    const t = Number(collectionRequests(s, POD).filter((q) => q.watch)[0].query.timeoutSeconds);
    expect(t).toBeGreaterThanOrEqual(300);
    expect(t).toBeLessThan(600);
  });

  it('treats a silent stream as dead after the inactivity timeout and re-watches without relisting', async () => {
    const s = await sim({ objects: 0, bookmarkIntervalMs: 600_000 });
    const c = client(s);
    const sink = new RecordingSink('ConfigMap');
    const r = track(reflectorFor({ client: c, kind: CONFIGMAP, sink, inactivityTimeoutMs: 300 }));
    await r.whenSynced();
    await waitFor(() => collectionRequests(s, CONFIGMAP).filter(isPlainWatch).length >= 1, 5000);
    expect(r.status().lastError).toMatch(/silent for 300 ms/);
    s.store.create('configmaps', { metadata: { name: 'after-silence', namespace: 'default' } });
    await waitFor(() => sink.objects.has('default/after-silence'));
    expect(collectionRequests(s, CONFIGMAP).filter(isList)).toEqual([]);
    expect(collectionRequests(s, CONFIGMAP).filter(isWatchList)).toHaveLength(1);
    expect(r.status()).toMatchObject({ relists: 0 });
  });
});

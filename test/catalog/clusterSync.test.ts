import { afterEach, describe, expect, it } from 'vitest';
import { deriveStatus } from '../../src/clusters/clusterStatus.js';
import type { KubeClient } from '../../src/clusters/kubeClient.js';
import { BUILTIN_KINDS, kindKey, type KindInfo } from '../../src/kube/kinds.js';
import type { SimCluster } from '../../src/sim/types.js';
import { ClusterSync, type ClusterSyncOptions } from '../../src/catalog/clusterSync.js';
import type { SyncReport, SyncTarget } from '../../src/catalog/syncTarget.js';
import type { ReflectorSink } from '../../src/watch/sink.js';
import { freePort } from '../helpers/ports.js';
import { FAST, clientFor, connectionFor, diffStates, serverState, waitFor, startSim, type SimStartOptions } from '../watch/support/harness.js';
import { RecordingSinks } from '../watch/support/recordingSink.js';

const POD = BUILTIN_KINDS.find((k) => k.kind === 'Pod')!;
const CONFIGMAP = BUILTIN_KINDS.find((k) => k.kind === 'ConfigMap')!;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** ClusterSync's store side over RecordingSinks (one cluster). */
class RecordingStore {
  readonly sinks = new RecordingSinks();
  readonly kinds: KindInfo[] = [];
  sinkFor(_clusterId: string, kind: KindInfo): ReflectorSink {
    this.kinds.push(kind);
    return this.sinks.sinkFor(kind);
  }
  resourceVersionOf(): string | undefined {
    return undefined;
  }
}

function target(id: string, client: KubeClient, spec: SyncTarget['spec'] = {}): SyncTarget & { reports: SyncReport[]; abort(): void } {
  const ctl = new AbortController();
  const reports: SyncReport[] = [];
  return { id, client, spec, signal: ctl.signal, reports, reportSync: (r) => void reports.push(r), abort: () => ctl.abort() };
}

const OPTIONS: ClusterSyncOptions = { staggerMs: 50, reportThrottleMs: 50, reportIntervalMs: 100, reflector: FAST, rediscoverIntervalMs: 0 };

async function sim(options: SimStartOptions = {}): Promise<SimCluster> {
  const s = await startSim({ name: `cs-${Math.random().toString(36).slice(2, 8)}`, objects: 200, seed: 1, bookmarkIntervalMs: 200, ...options });
  cleanups.push(() => s.close());
  return s;
}

function start(t: SyncTarget, store: RecordingStore, options: ClusterSyncOptions = {}): ClusterSync {
  const cs = new ClusterSync(t, store, { ...OPTIONS, ...options });
  cleanups.push(() => cs.stop());
  cs.start();
  return cs;
}

describe('ClusterSync', () => {
  it('watches the built-in kinds by default and reports progress up to READY', async () => {
    const s = await sim();
    const c = clientFor(s);
    cleanups.push(() => c.close());
    const t = target('c1', c);
    const store = new RecordingStore();
    const cs = start(t, store);
    expect(await cs.whenSynced()).toBe(true);
    expect(store.kinds.map(kindKey)).toEqual(BUILTIN_KINDS.map(kindKey));
    for (const kind of BUILTIN_KINDS) await waitFor(() => diffStates(store.sinks.get(kind)!.snapshot(), serverState(s, kind)) === '', 5000);
    await waitFor(() => t.reports.at(-1)?.kindsSynced === BUILTIN_KINDS.length, 2000);
    const last = t.reports.at(-1)!;
    const total = BUILTIN_KINDS.reduce((n, k) => n + serverState(s, k).size, 0);
    expect(last).toEqual({ kindsTotal: BUILTIN_KINDS.length, kindsSynced: BUILTIN_KINDS.length, objects: total, failingKinds: [], stale: false });
    // No report before the kinds were known (an empty one would read as READY), and progress never goes back.
    expect(t.reports[0].kindsTotal).toBe(BUILTIN_KINDS.length);
    expect(t.reports.map((r) => r.kindsSynced)).toEqual([...t.reports.map((r) => r.kindsSynced)].sort((a, b) => a - b));
    expect(t.reports.slice(0, -1).some((r) => deriveStatus({ state: 'ok' }, r) === 'SYNCING')).toBe(true);
    expect(deriveStatus({ state: 'ok' }, last)).toBe('READY');
    expect(cs.status().initialSyncMs).toBeGreaterThan(0);
    expect(store.sinks.anomalies).toEqual([]);
  });

  it('kinds ["*"] adds every discovered kind, the custom resource included; unknown names are failing kinds', async () => {
    const s = await sim({ objects: 100 });
    for (const name of ['w1', 'w2', 'w3']) s.store.create('widgets', { apiVersion: 'example.kubeatlas.io/v1', kind: 'Widget', metadata: { name, namespace: 'default' }, spec: { size: 1 } });
    const c = clientFor(s);
    cleanups.push(() => c.close());
    const t = target('c2', c, { kinds: ['*', '!events.events.k8s.io', 'gadgets.example.kubeatlas.io'] });
    const store = new RecordingStore();
    const cs = start(t, store);
    expect(await cs.whenSynced()).toBe(true);
    const widget = store.kinds.find((k) => k.kind === 'Widget');
    expect(widget).toMatchObject({ group: 'example.kubeatlas.io', version: 'v1', plural: 'widgets', namespaced: true });
    expect(serverState(s, widget!).size).toBeGreaterThanOrEqual(3);
    await waitFor(() => diffStates(store.sinks.get(widget!)!.snapshot(), serverState(s, widget!)) === '', 5000);
    const keys = store.kinds.map(kindKey);
    expect(keys).toContain('coordination.k8s.io/Lease');
    expect(keys).not.toContain('events.k8s.io/Event');
    await waitFor(() => (t.reports.at(-1)?.kindsSynced ?? 0) === keys.length, 2000);
    const last = t.reports.at(-1)!;
    expect(last.kindsTotal).toBe(keys.length + 1);
    expect(last.failingKinds).toEqual([{ kind: 'gadgets.example.kubeatlas.io', reason: expect.stringMatching(/unknown kind/) }]);
    expect(deriveStatus({ state: 'ok' }, last)).toBe('DEGRADED');
  });

  it('reports kinds the credentials may not read as failing, and syncs the others', async () => {
    const s = await sim({
      objects: 60,
      tokens: [{ token: 'viewer-token-abcdef0123', user: 'viewer' }],
      allow: [{ user: 'viewer', resources: ['pods'], verbs: ['get', 'list', 'watch'] }],
    });
    const c = clientFor(s, 'viewer-token-abcdef0123');
    cleanups.push(() => c.close());
    const t = target('c3', c, { kinds: ['pods', 'configmaps', 'secrets'] });
    const store = new RecordingStore();
    const cs = start(t, store);
    await waitFor(() => t.reports.at(-1)?.failingKinds.length === 2 && t.reports.at(-1)?.kindsSynced === 1, 5000, () => JSON.stringify(t.reports.at(-1)));
    const last = t.reports.at(-1)!;
    expect(last).toMatchObject({ kindsTotal: 3, kindsSynced: 1, objects: serverState(s, POD).size });
    expect(last.failingKinds).toEqual([
      { kind: 'ConfigMap', reason: 'forbidden (403)' },
      { kind: 'Secret', reason: 'forbidden (403)' },
    ]);
    expect(diffStates(store.sinks.get(POD)!.snapshot(), serverState(s, POD))).toBe('');
    expect(deriveStatus({ state: 'ok' }, last)).toBe('DEGRADED');
    expect(cs.status().phase).toBe('syncing');
  });

  it('rediscovery starts reflectors for kinds that appear and drops (with their objects) kinds that vanish', async () => {
    const s = await sim({ objects: 0 });
    for (const name of ['w1', 'w2']) s.store.create('widgets', { apiVersion: 'example.kubeatlas.io/v1', kind: 'Widget', metadata: { name, namespace: 'default' }, spec: { size: 1 } });
    const c = clientFor(s);
    cleanups.push(() => c.close());
    // The CRD's group is hidden from discovery until `crdInstalled` (as before a CRD is installed, and after it is deleted).
    let crdInstalled = false;
    const discovering: KubeClient = {
      clusterId: c.clusterId,
      server: c.server,
      stream: (req) => c.stream(req),
      request: async (req) => {
        const res = await c.request(req);
        if (req.path !== '/apis' || crdInstalled) return res;
        const doc = JSON.parse(res.body.toString('utf8')) as { items?: Array<{ metadata?: { name?: string } }>; groups?: Array<{ name?: string }> };
        if (doc.items) doc.items = doc.items.filter((g) => g.metadata?.name !== 'example.kubeatlas.io');
        if (doc.groups) doc.groups = doc.groups.filter((g) => g.name !== 'example.kubeatlas.io');
        return { ...res, body: Buffer.from(JSON.stringify(doc)) };
      },
    };
    const t = target('c6', discovering, { kinds: ['configmaps', 'widgets.example.kubeatlas.io'] });
    const store = new RecordingStore();
    const cs = start(t, store, { rediscoverIntervalMs: 200 });
    await waitFor(() => t.reports.at(-1)?.kindsSynced === 1, 5000);
    expect(t.reports.at(-1)!.failingKinds).toEqual([{ kind: 'widgets.example.kubeatlas.io', reason: expect.stringMatching(/unknown kind/) }]);

    crdInstalled = true;
    await waitFor(() => t.reports.at(-1)?.kindsSynced === 2, 5000, () => JSON.stringify(t.reports.at(-1)));
    expect(t.reports.at(-1)).toMatchObject({ kindsTotal: 2, failingKinds: [], objects: serverState(s, CONFIGMAP).size + 2 });
    const widgets = () => store.sinks.get('example.kubeatlas.io/Widget')!;
    expect([...widgets().objects.keys()].sort()).toEqual(['default/w1', 'default/w2']);

    crdInstalled = false;
    await waitFor(() => cs.status().reflectors.length === 1 && widgets().objects.size === 0, 5000);
    expect(widgets().changes.filter((ch) => ch.kind === 'example.kubeatlas.io/Widget').map((ch) => ch.type)).toEqual(['ADDED', 'ADDED', 'DELETED', 'DELETED']);
    await waitFor(() => t.reports.at(-1)?.failingKinds.length === 1, 2000);
  });

  it('reports the cluster stale while synced kinds cannot watch, and fresh again once they do', async () => {
    const s = await sim({ objects: 0 });
    const c = clientFor(s);
    cleanups.push(() => c.close());
    const t = target('c7', c, { kinds: ['configmaps', 'secrets'] });
    const cs = start(t, new RecordingStore(), { staleAfterMs: 300 });
    expect(await cs.whenSynced()).toBe(true);
    await waitFor(() => t.reports.at(-1)?.kindsSynced === 2, 2000);
    expect(t.reports.at(-1)!.stale).toBe(false);
    await s.stop();
    await waitFor(() => t.reports.at(-1)?.stale === true, 5000);
    expect(deriveStatus({ state: 'ok' }, t.reports.at(-1))).toBe('DEGRADED');
    await s.start();
    await waitFor(() => t.reports.at(-1)?.stale === false, 5000);
    expect(deriveStatus({ state: 'ok' }, t.reports.at(-1))).toBe('READY');
  });

  it('resumeKinds: kinds with a resume point start watching before discovery (no list); discovery restarts one held under another version and skips unselected ones', async () => {
    const s = await sim();
    const c = clientFor(s);
    cleanups.push(() => c.close());
    const t = target('c-early', c, { kinds: ['pods', 'configmaps'] });
    const store = new RecordingStore();
    const SERVICE = BUILTIN_KINDS.find((k) => k.kind === 'Service')!;
    const staleConfigMap: KindInfo = { ...CONFIGMAP, version: 'v0' };
    const rv = String(s.store.resourceVersion);
    const asked: string[] = [];
    const since = Date.now();
    const cs = start(t, store, {
      resumeKinds: () => [POD, staleConfigMap, SERVICE],
      resumePoint: (_id, kind) => (asked.push(kindKey(kind)), kindKey(kind) === 'Pod' || kindKey(kind) === 'ConfigMap' ? { resourceVersion: rv, objects: 0 } : undefined),
    });
    // Started synchronously with the sync, before any discovery answer.
    expect(store.kinds.map((k) => `${kindKey(k)}@${k.version}`)).toEqual(['Pod@v1', 'ConfigMap@v0']);
    expect(asked).toEqual(['Pod', 'ConfigMap']);
    expect(await cs.whenSynced()).toBe(true);
    // The ConfigMap reflector held under v0 was replaced by one on the served version.
    await waitFor(() => store.kinds.some((k) => kindKey(k) === 'ConfigMap' && k.version === 'v1'), 5000);
    expect(store.kinds.map(kindKey).filter((k) => k === 'Service')).toEqual([]);
    await waitFor(() => cs.status().reflectors.every((r) => r.phase === 'watching'), 5000);
    expect(cs.status().reflectors.map((r) => `${kindKey(r.kind)}@${r.kind.version}`).sort()).toEqual(['ConfigMap@v1', 'Pod@v1']);
    // Pods resumed by WATCH from the point: no state transfer of pods.
    const podTransfers = s.requests().filter((r) => r.at >= since && r.path === '/api/v1/pods' && (r.watch ? r.query.sendInitialEvents === 'true' : true));
    expect(podTransfers).toEqual([]);
  });

  it('caps concurrent initial lists per cluster', async () => {
    const s = await sim({ watchList: false, objects: 600 });
    const c = clientFor(s);
    cleanups.push(() => c.close());
    let inFlight = 0;
    let maxInFlight = 0;
    const counting: KubeClient = {
      clusterId: c.clusterId,
      server: c.server,
      stream: (req) => c.stream(req),
      request: async (req) => {
        const isList = req.query?.limit !== undefined; // discovery requests carry no limit
        if (isList) maxInFlight = Math.max(maxInFlight, ++inFlight);
        try {
          return await c.request(req);
        } finally {
          if (isList) inFlight--;
        }
      },
    };
    const cs = start(target('c4', counting), new RecordingStore(), { maxConcurrentLists: 2, staggerMs: 1, reflector: { ...FAST, pageSize: 20 } });
    expect(await cs.whenSynced()).toBe(true);
    expect(maxInFlight).toBe(2);
  });

  it('a cluster that refuses connections keeps retrying discovery, reports nothing, and stops at once', async () => {
    const port = await freePort();
    const s = await sim({ objects: 0 });
    const c = connectionFor('closed', `https://127.0.0.1:${port}`, s.ca.certPem, s.adminToken);
    cleanups.push(() => c.close());
    const t = target('closed', c);
    const cs = start(t, new RecordingStore());
    await waitFor(() => cs.status().discoveryError !== undefined, 3000);
    expect(cs.status().phase).toBe('discovering');
    expect(cs.status().discoveryError).toMatch(/ECONNREFUSED|refused/);
    await new Promise((r) => setTimeout(r, 300));
    expect(t.reports).toEqual([]);
    const t0 = Date.now();
    t.abort();
    await waitFor(() => cs.status().phase === 'stopped', 2000);
    expect(Date.now() - t0).toBeLessThan(1500);
  });
});

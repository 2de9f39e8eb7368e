import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCatalog, type Catalog } from '../../src/catalog/catalog.js';
import { ClusterRegistry } from '../../src/clusters/registry.js';
import type { ClusterEvent, ClusterStatus } from '../../src/clusters/types.js';
import { ConfigSchema, type Config } from '../../src/config/configSchema.js';
import { BUILTIN_KINDS, kindKey } from '../../src/kube/kinds.js';
import type { SimCluster } from '../../src/sim/types.js';
import { ResourceStore } from '../../src/store/resourceStore.js';
import type { ChangeEvent } from '../../src/store/types.js';
import { freePort } from '../helpers/ports.js';
import { FAST, serverState, startSim, waitFor } from '../watch/support/harness.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface World {
  registry: ClusterRegistry;
  store: ResourceStore;
  catalog: Catalog;
  statuses: Map<string, ClusterStatus[]>;
  changes: ChangeEvent[];
}

async function world(): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'kubeatlas-catalog-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const config: Config = { ...ConfigSchema.parse({}), clusterFilesDir: dir, help: false };
  const registry = new ClusterRegistry({ config, health: { intervalMs: 500, initialBackoffMs: 200, maxBackoffMs: 1000, minGapMs: 100 } });
  const store = new ResourceStore();
  const statuses = new Map<string, ClusterStatus[]>();
  registry.onEvent((e: ClusterEvent) => {
    if (!e.cluster) return;
    const list = statuses.get(e.clusterId) ?? [];
    if (list.at(-1) !== e.cluster.status) list.push(e.cluster.status);
    statuses.set(e.clusterId, list);
  });
  const changes: ChangeEvent[] = [];
  store.onChange((ev) => void changes.push(ev));
  const catalog = startCatalog({ registry, store, options: { sync: { staggerMs: 50, reportThrottleMs: 50, reportIntervalMs: 100, rediscoverIntervalMs: 0, reflector: FAST } } });
  await registry.start();
  cleanups.push(async () => {
    await catalog.close();
    await registry.close();
  });
  return { registry, store, catalog, statuses, changes };
}

async function sim(name: string): Promise<SimCluster> {
  const s = await startSim({ name, objects: 120, seed: 1, bookmarkIntervalMs: 200 });
  cleanups.push(() => s.close());
  return s;
}

const entry = (s: SimCluster, clusterId = s.name) => ({ clusterId, authMethod: 'TOKEN', server: s.url, token: s.adminToken, tls: { caData: s.ca.certPem }, qps: 500, burst: 500 });

/** Every object of the built-in kinds the sim holds is in the store with the same resourceVersion, and nothing else. */
function storeMatches(w: World, s: SimCluster, clusterId: string): string[] {
  const problems: string[] = [];
  for (const kind of BUILTIN_KINDS) {
    const server = serverState(s, kind);
    const held = w.store.kinds(clusterId).find((k) => kindKey(k.kind) === kindKey(kind))?.count ?? 0;
    if (held !== server.size) problems.push(`${kindKey(kind)}: ${held} held, ${server.size} on the server`);
    for (const [key, rv] of server) {
      const [namespace, name] = key.split('/');
      const rec = w.store.get(clusterId, kindKey(kind), namespace, name);
      if (rec?.resourceVersion !== rv) problems.push(`${kindKey(kind)} ${key}: ${rec?.resourceVersion ?? 'absent'} vs ${rv}`);
    }
  }
  return problems;
}

describe('Catalog', () => {
  it('a cluster added to the registry appears in the store, SYNCING → READY; removed, its objects are gone', async () => {
    const w = await world();
    const s = await sim('cat-a');
    await w.registry.add(entry(s));
    await waitFor(() => w.statuses.get('cat-a')?.at(-1) === 'READY', 15_000, () => JSON.stringify(w.statuses.get('cat-a')));
    expect(w.statuses.get('cat-a')).toContain('SYNCING');
    await waitFor(() => storeMatches(w, s, 'cat-a').length === 0, 5000, () => storeMatches(w, s, 'cat-a').slice(0, 5).join('; '));
    const info = w.registry.get('cat-a')!.info();
    const total = BUILTIN_KINDS.reduce((n, k) => n + serverState(s, k).size, 0);
    expect(info.sync).toEqual({ kindsTotal: BUILTIN_KINDS.length, kindsSynced: BUILTIN_KINDS.length, objects: total, progress: 1 });

    // A change on the cluster reaches the store through the watch.
    const cm = s.store.create('configmaps', { metadata: { name: 'live', namespace: 'default' }, data: { a: '1' } });
    await waitFor(() => w.store.get('cat-a', 'ConfigMap', 'default', 'live')?.resourceVersion === cm.metadata.resourceVersion, 5000);

    const held = w.store.kinds('cat-a').reduce((n, k) => n + k.count, 0);
    const before = w.changes.length;
    await w.registry.remove('cat-a');
    await waitFor(() => w.store.kinds('cat-a').every((k) => k.count === 0), 5000);
    const removed = w.changes.slice(before);
    expect(removed.filter((c) => c.type === 'DELETED' && c.origin === 'removed')).toHaveLength(held);
    expect(removed.every((c) => c.record.clusterId === 'cat-a')).toBe(true);
    expect(w.catalog.sync('cat-a')).toBeUndefined();
    // Nothing more arrives for the removed cluster.
    s.store.create('configmaps', { metadata: { name: 'after-removal', namespace: 'default' } });
    await new Promise((r) => setTimeout(r, 300));
    expect(w.store.get('cat-a', 'ConfigMap', 'default', 'after-removal')).toBeUndefined();
  });

  it('a cluster behind a closed port does not delay the others', async () => {
    const w = await world();
    const s = await sim('cat-b');
    const port = await freePort();
    const t0 = Date.now();
    await w.registry.add({ ...entry(s, 'cat-dead'), server: `https://127.0.0.1:${port}` });
    await w.registry.add(entry(s));
    await waitFor(() => w.statuses.get('cat-b')?.at(-1) === 'READY', 15_000, () => JSON.stringify([...w.statuses]));
    const readyAfter = Date.now() - t0;
    await waitFor(() => storeMatches(w, s, 'cat-b').length === 0, 5000);
    expect(w.statuses.get('cat-dead')?.at(-1)).toBe('UNREACHABLE');
    expect(w.catalog.sync('cat-dead')?.status().phase).toBe('discovering');
    expect(w.store.kinds('cat-dead').every((k) => k.count === 0)).toBe(true);
    // READY as fast as a cluster alone would be: well inside one request deadline (10 s is the connection default here).
    expect(readyAfter).toBeLessThan(10_000);
  });

  it('clusters present before the catalog starts are synced too, and close() keeps the store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeatlas-catalog-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const s = await sim('cat-c');
    const config: Config = { ...ConfigSchema.parse({ clusters: [entry(s)] }), clusterFilesDir: dir, help: false };
    const registry = new ClusterRegistry({ config, health: { intervalMs: 500, initialBackoffMs: 200, maxBackoffMs: 1000, minGapMs: 100 } });
    await registry.start();
    const store = new ResourceStore();
    const catalog = startCatalog({ registry, store, options: { sync: { staggerMs: 50, rediscoverIntervalMs: 0, reflector: FAST } } });
    cleanups.push(async () => {
      await catalog.close();
      await registry.close();
    });
    expect(await catalog.sync('cat-c')!.whenSynced()).toBe(true);
    const held = store.kinds('cat-c').reduce((n, k) => n + k.count, 0);
    expect(held).toBe(BUILTIN_KINDS.reduce((n, k) => n + serverState(s, k).size, 0));
    const t0 = Date.now();
    await catalog.close();
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(store.kinds('cat-c').reduce((n, k) => n + k.count, 0)).toBe(held);
    expect(catalog.clusterIds()).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { RedisKeys } from '../../src/cache/keys.js';
import { RedisLink } from '../../src/cache/redisLink.js';
import { loadSnapshot } from '../../src/cache/snapshotLoader.js';
import type { SimCluster } from '../../src/sim/types.js';
import { ResourceStore } from '../../src/store/resourceStore.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { waitUntil } from '../helpers/wait.js';
import { differences, memoryLogger, removeDir, startCacheApp, startSim, storeState } from './support/cacheHarness.js';
import { gql, sseSubscribe } from './support/graphqlClient.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) removeDir(d);
});

async function ready(app: App, sim: SimCluster): Promise<void> {
  await waitUntil(() => app.registry.get(sim.name)?.info().status === 'READY', `${sim.name} READY`, 30_000);
  await waitUntil(() => differences(app, sim).length === 0, `${sim.name} in the store`, 30_000, 250);
}

/** Loads the cluster's snapshot from Redis into a fresh store and compares it with the app's store, kind by kind. */
async function snapshotMatches(redisUrl: string, app: App, clusterId: string): Promise<string[]> {
  const log = memoryLogger();
  const link = new RedisLink({ url: redisUrl, connectTimeoutMs: 1000, commandTimeoutMs: 5000, maxBlockMs: 1000, log: log.log, name: 'probe' });
  try {
    if (!(await link.connect(3000))) return ['redis unreachable'];
    const fresh = new ResourceStore();
    const r = await loadSnapshot({ link, keys: new RedisKeys('kubeatlas:'), store: fresh, log: log.log }, { clusterId, keepSecretValues: false, signal: new AbortController().signal });
    if (r.status !== 'loaded') return [`snapshot ${r.status}`];
    const out: string[] = [];
    for (const { kind } of app.store.kinds(clusterId)) {
      const a = storeState(app, clusterId, kind);
      const bRecords = new Map<string, string>();
      for (const [k, rv] of storeStateOf(fresh, clusterId, kind)) bRecords.set(k, rv);
      if (a.size !== bRecords.size) out.push(`${kind.kind}: ${a.size} in the app, ${bRecords.size} in the snapshot`);
      else for (const [k, rv] of a) if (bRecords.get(k) !== rv) out.push(`${kind.kind} ${k}`);
    }
    return out;
  } finally {
    await link.close();
  }
}

function storeStateOf(store: ResourceStore, clusterId: string, kind: { group: string; kind: string }): Map<string, string> {
  const out = new Map<string, string>();
  const key = kind.group ? `${kind.group}/${kind.kind}` : kind.kind;
  let after: string | undefined;
  for (;;) {
    const page = store.query({ clusters: new Set([clusterId]), kindKeys: new Set([key]), namespaces: undefined, selector: undefined, name: undefined, nameContains: undefined, status: undefined }, { first: 500, after });
    for (const r of page.records) out.set(`${r.namespace}/${r.name}`, r.resourceVersion);
    if (!page.hasNextPage || page.records.length === 0) return out;
    after = page.cursors.at(-1);
  }
}

const CONFIGMAP_NAMES = `query($c: [String!]) { resources(filter: { clusters: $c, kinds: ["ConfigMap"] }, first: 500) { totalCount edges { node { name resourceVersion } } } }`;

describe('redis faults', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('redis down at start-up: kubeatlas starts on L1 alone and says so, serves queries, and writes snapshots once redis is back', async () => {
    await redis.kill();
    const sim = await startSim({ name: 'down-at-start', objects: 600, seed: 21 });
    const logs = memoryLogger();
    const started = Date.now();
    const { app, dir } = await startCacheApp({ sims: [sim], redisUrl: redis.url, replicaId: 'solo', cacheLogger: logs.log });
    dirs.push(dir);
    try {
      // Bounded by the connect deadline (500 ms in these tests), not by redis.
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(logs.messages()).toContain('redis is unreachable: running on the in-process cache alone (no warm restart, no replica sharing); attaching as soon as it answers');
      await ready(app, sim);
      expect(app.l2!.coordinator.roleOf(sim.name)).toBe('standalone');
      const res = await gql<{ resources: { totalCount: number } }>(app.server!.url, CONFIGMAP_NAMES, { c: [sim.name] });
      expect(res.errors).toBeUndefined();
      expect(res.data!.resources.totalCount).toBe(sim.store.count('ConfigMap'));

      await redis.restart();
      await waitUntil(() => app.l2!.coordinator.roleOf(sim.name) === 'owner', 'the lease once redis is back', 15_000);
      await waitUntil(() => app.l2!.coordinator.writer.inSync, 'the snapshot to be written', 15_000);
      expect(await snapshotMatches(redis.url, app, sim.name)).toEqual([]);
    } finally {
      await app.close();
      await sim.close();
    }
  }, 60_000);

  it('redis killed while running: queries and subscriptions keep working, nothing in the catalog is lost, snapshots resume after restart', async () => {
    const sim = await startSim({ name: 'killed-later', objects: 600, seed: 22 });
    const { app, dir } = await startCacheApp({ sims: [sim], redisUrl: redis.url, replicaId: 'solo2' });
    dirs.push(dir);
    const sub = sseSubscribe<{ type: string; resource: { name: string; resourceVersion: string } }>(
      app.server!.url,
      `subscription { resourceEvents(filter: { kinds: ["ConfigMap"], namespaces: ["default"] }) { type resource { name resourceVersion } } }`,
    );
    try {
      await ready(app, sim);
      await waitUntil(() => app.l2!.coordinator.roleOf(sim.name) === 'owner' && app.l2!.coordinator.writer.inSync, 'the first snapshot');
      await sub.ready;

      await redis.kill();
      await waitUntil(() => !app.l2!.link.up, 'the link to notice');
      const made: string[] = [];
      for (let i = 0; i < 5; i++) {
        const o = sim.store.create('ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `during-outage-${i}`, namespace: 'default' }, data: { i: String(i) } });
        made.push(o.metadata.resourceVersion!);
      }
      sim.store.delete('ConfigMap', 'default', 'during-outage-0');
      // Subscriptions and queries run from the in-process catalog.
      await waitUntil(() => sub.events.filter((e) => e.resource.name.startsWith('during-outage-')).length >= 6, 'the events during the outage');
      expect(sub.events.filter((e) => e.resource.name.startsWith('during-outage-')).map((e) => `${e.type} ${e.resource.name}`)).toEqual([
        ...made.map((_, i) => `ADDED during-outage-${i}`),
        'DELETED during-outage-0',
      ]);
      const q = await gql<{ resources: { edges: Array<{ node: { name: string } }> } }>(app.server!.url, CONFIGMAP_NAMES, { c: [sim.name] });
      expect(q.errors).toBeUndefined();
      expect(q.data!.resources.edges.map((e) => e.node.name).filter((n) => n.startsWith('during-outage-')).sort()).toEqual(['during-outage-1', 'during-outage-2', 'during-outage-3', 'during-outage-4']);
      expect(app.registry.get(sim.name)?.info().status).toBe('READY');

      // Redis comes back empty (no persistence): the owner notices and rewrites the snapshot from the catalog.
      await redis.restart();
      await waitUntil(() => app.l2!.link.up, 'the link to come back', 15_000);
      await waitUntil(async () => app.l2!.coordinator.writer.inSync && (await snapshotMatches(redis.url, app, sim.name)).length === 0, 'the snapshot to be rewritten', 20_000, 250);
      expect(differences(app, sim)).toEqual([]);
      expect(sub.errors).toEqual([]);
      expect(sub.done).toBe(false);
    } finally {
      sub.close();
      await app.close();
      await sim.close();
    }
  }, 60_000);

  it('never buffers without bound: a batch larger than maxPendingChanges while redis is away is dropped and its kinds rewritten later', async () => {
    const sim = await startSim({ name: 'overflow', objects: 300, seed: 23 });
    const logs = memoryLogger();
    const { app, dir } = await startCacheApp({ sims: [sim], redisUrl: redis.url, replicaId: 'solo3', cacheLogger: logs.log, redis: { maxPendingChanges: 100 } });
    dirs.push(dir);
    try {
      await ready(app, sim);
      await waitUntil(() => app.l2!.coordinator.roleOf(sim.name) === 'owner' && app.l2!.coordinator.writer.inSync, 'the first snapshot');
      await redis.kill();
      await waitUntil(() => !app.l2!.link.up, 'the link to notice');
      for (let i = 0; i < 150; i++) sim.store.create('ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `burst-${i}`, namespace: 'default' }, data: {} });
      await ready(app, sim);
      await waitUntil(() => logs.messages().includes('snapshot batch too large (redis slow or down): dropped; its kinds will be rewritten in full'), 'the overflow');
      await redis.restart();
      await waitUntil(async () => app.l2!.coordinator.writer.inSync && (await snapshotMatches(redis.url, app, sim.name)).length === 0, 'the snapshot to be rewritten', 20_000, 250);
    } finally {
      await app.close();
      await sim.close();
    }
  }, 60_000);
});

describe('redis unreachable from the start and never there', () => {
  it('a URL to a port nobody listens on: start-up is bounded, the app serves', async () => {
    const sim = await startSim({ name: 'no-redis', objects: 100, seed: 24 });
    const { app, dir } = await startCacheApp({ sims: [sim], redisUrl: 'redis://127.0.0.1:1', replicaId: 'lonely' });
    dirs.push(dir);
    try {
      await ready(app, sim);
      expect(app.l2!.coordinator.roleOf(sim.name)).toBe('standalone');
    } finally {
      const t = Date.now();
      await app.close();
      expect(Date.now() - t).toBeLessThan(5_000);
      await sim.close();
    }
  }, 30_000);
});

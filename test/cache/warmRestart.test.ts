import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { SNAPSHOT_FORMAT } from '../../src/cache/snapshotFormat.js';
import type { SimChange } from '../../src/sim/types.js';
import { collectionPath, kindKey } from '../../src/kube/kinds.js';
import type { SimCluster } from '../../src/sim/types.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { waitUntil } from '../helpers/wait.js';
import { isStateTransfer, memoryLogger, mirrorsServer, plainWatches, removeDir, simState, startCacheApp, startSim, storeState } from './support/cacheHarness.js';

let redis: TestRedis;
const dirs: string[] = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
  for (const d of dirs) removeDir(d);
});

async function ready(app: App, sim: SimCluster): Promise<void> {
  await mirrorsServer(app, sim);
  // This replica watches the cluster (not only serves its snapshot).
  await waitUntil(() => app.catalog.sync(sim.name)?.status().phase === 'synced', `${sim.name} synced here`, 30_000);
  await mirrorsServer(app, sim);
}

async function synced(app: App): Promise<void> {
  await waitUntil(() => app.l2?.coordinator.writer.inSync, 'snapshot written', 20_000);
}

describe('warm restart from the redis snapshot', () => {
  it('reaches READY without a LIST (only WATCHes from the stored resourceVersions); changes made while down arrive as events', async () => {
    const sim = await startSim({ name: 'warm-1', objects: 3000, seed: 3 });
    try {
      const first = await startCacheApp({ sims: [sim], redisUrl: redis.url, replicaId: 'r1' });
      dirs.push(first.dir);
      await ready(first.app, sim);
      await synced(first.app);
      const objects = first.app.store.size;
      await first.app.close();

      // While kubeatlas is down: one ConfigMap created, one changed, one deleted.
      const cms = sim.store.list('ConfigMap');
      sim.store.create('ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'made-while-down', namespace: 'default' }, data: { a: '1' } });
      sim.store.mutate('ConfigMap', cms[0].metadata.namespace, cms[0].metadata.name!, (o) => void ((o as { data?: Record<string, string> }).data = { changed: 'yes' }));
      sim.store.delete('ConfigMap', cms[1].metadata.namespace, cms[1].metadata.name!);

      const since = Date.now();
      const second = await startCacheApp({ sims: [sim], redisUrl: redis.url, replicaId: 'r1', dir: first.dir });
      const app = second.app;
      const seen: Array<{ type: string; name: string; origin: string }> = [];
      app.store.onChange((e) => {
        if (e.record.kind.kind === 'ConfigMap') seen.push({ type: e.type, name: e.record.name, origin: e.origin });
      });
      try {
          await ready(app, sim);
          expect(sim.requests().filter((r) => r.at >= since && isStateTransfer(r)).map((r) => r.path)).toEqual([]);
        expect(app.store.size).toBe(objects + 1 - 1);
        const expectedPaths = app.store.kinds(sim.name).filter((k) => k.count > 0).map((k) => collectionPath(k.kind));
        const diag = JSON.stringify(app.catalog.sync(sim.name)?.status().reflectors.map((r) => [r.kind.kind, r.phase, r.synced, r.resourceVersion, r.restarts, r.lastEventAt]));
        await app.close();
        // The sim logs a watch when it ends: every kind resumed by a plain WATCH from a stored resourceVersion.
        let watches = plainWatches(sim.requests().filter((r) => r.at >= since));
        for (const deadline = Date.now() + 15_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
          watches = plainWatches(sim.requests().filter((r) => r.at >= since));
          if (expectedPaths.every((p) => watches.some((w) => w.path === p))) break;
        }
        const missing = expectedPaths.filter((p) => !watches.some((w) => w.path === p));
        expect(missing, diag).toEqual([]);
        for (const w of watches) expect(Number(w.query.resourceVersion)).toBeGreaterThan(0);
        expect(sim.requests().filter((r) => r.at >= since && isStateTransfer(r))).toEqual([]);
        const live = seen.filter((e) => e.origin === 'watch');
        expect(live).toEqual(
          expect.arrayContaining([
            { type: 'ADDED', name: 'made-while-down', origin: 'watch' },
            { type: 'MODIFIED', name: cms[0].metadata.name, origin: 'watch' },
            { type: 'DELETED', name: cms[1].metadata.name, origin: 'watch' },
          ]),
        );
      } finally {
        await app.close();
      }
    } finally {
      await sim.close();
    }
  }, 60_000);

  it('410 on resume (history compacted while down): relist, and only the difference is emitted', async () => {
    const sim = await startSim({ name: 'warm-410', objects: 1500, seed: 5 });
    try {
      const first = await startCacheApp({ sims: [sim], redisUrl: redis.url, replicaId: 'r2' });
      dirs.push(first.dir);
      await ready(first.app, sim);
      await synced(first.app);
      const before = new Map<string, string>();
      for (const { kind } of first.app.store.kinds(sim.name)) for (const r of storeRecords(first.app, sim.name, kind)) before.set(`${kindKey(kind)} ${r}`, '');
      await first.app.close();

      // Changes while down (and whatever the simulated controllers do about them), then compaction.
      const changed = new Map<string, SimChange>();
      const off = sim.store.onChange((c) => changed.set(`${kindKey(c.kind)} ${c.object.metadata.namespace ?? ''}/${c.object.metadata.name}`, c));
      const cms = sim.store.list('ConfigMap');
      sim.store.create('ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'made-while-down', namespace: 'default' }, data: { a: '1' } });
      sim.store.create('ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'short-lived', namespace: 'default' }, data: { a: '1' } });
      sim.store.delete('ConfigMap', 'default', 'short-lived');
      sim.store.mutate('ConfigMap', cms[0].metadata.namespace, cms[0].metadata.name!, (o) => void ((o as { data?: Record<string, string> }).data = { changed: 'yes' }));
      sim.store.delete('ConfigMap', cms[1].metadata.namespace, cms[1].metadata.name!);
      off();
      sim.faults.compact();

      const expected = new Set<string>();
      for (const [key, c] of changed) {
        const existed = before.has(key);
        const exists = c.type !== 'DELETED';
        if (existed && exists) expected.add(`MODIFIED ${key}`);
        else if (!existed && exists) expected.add(`ADDED ${key}`);
        else if (existed && !exists) expected.add(`DELETED ${key}`);
      }
      expect(expected).toEqual(
        new Set([`ADDED ConfigMap default/made-while-down`, `MODIFIED ConfigMap ${cms[0].metadata.namespace}/${cms[0].metadata.name}`, `DELETED ConfigMap ${cms[1].metadata.namespace}/${cms[1].metadata.name}`]),
      );

      const since = Date.now();
      const second = await startCacheApp({ sims: [sim], redisUrl: redis.url, replicaId: 'r2', dir: first.dir });
      const app = second.app;
      const relisted: string[] = [];
      app.store.onChange((e) => {
        if (e.origin === 'relist') relisted.push(`${e.type} ${kindKey(e.record.kind)} ${e.record.namespace}/${e.record.name}`);
      });
      try {
        await ready(app, sim);
        await waitUntil(() => relisted.length >= expected.size, 'the relist');
        await new Promise((r) => setTimeout(r, 300));
        // The relist emitted exactly the difference, nothing for the objects that did not change...
        expect(new Set(relisted)).toEqual(expected);
        expect(relisted.length).toBe(expected.size);
      } finally {
        await app.close();
      }
      // ...after a state transfer (the sim logs a WatchList when it ends): the watch from the snapshot's resourceVersion got 410.
      await waitUntil(() => sim.requests().some((r) => r.at >= since && isStateTransfer(r)), 'a state transfer in the request log');
    } finally {
      await sim.close();
    }
  }, 60_000);

  it('kinds no longer asked for (config changed between runs) are dropped after the warm restart; the others resume by WATCH', async () => {
    const sim = await startSim({ name: 'warm-kinds', objects: 600, seed: 13 });
    try {
      const first = await startCacheApp({ sims: [sim], redisUrl: redis.url, replicaId: 'r4' });
      dirs.push(first.dir);
      await ready(first.app, sim);
      await synced(first.app);
      expect(first.app.store.kinds(sim.name).filter((k) => k.count > 0).length).toBeGreaterThan(10);
      await first.app.close();

      const since = Date.now();
      const second = await startCacheApp({ sims: [sim], redisUrl: redis.url, replicaId: 'r4', dir: first.dir, clusterSpec: { kinds: ['Pod', 'ConfigMap', 'Namespace'] } });
      try {
        await waitUntil(() => second.app.registry.get(sim.name)?.info().status === 'READY' && second.app.catalog.sync(sim.name)?.status().phase === 'synced', 'READY', 30_000);
        await waitUntil(() => second.app.store.kinds(sim.name).filter((k) => k.count > 0).map((k) => k.kind.kind).sort().join() === 'ConfigMap,Namespace,Pod', 'only the asked kinds left', 15_000);
        for (const kind of second.app.store.kinds(sim.name).filter((k) => k.count > 0).map((k) => k.kind)) {
          expect(storeState(second.app, sim.name, kind)).toEqual(simState(sim, kind));
        }
        expect(sim.requests().filter((r) => r.at >= since && isStateTransfer(r))).toEqual([]);
      } finally {
        await second.app.close();
      }
    } finally {
      await sim.close();
    }
  }, 60_000);

  it('a snapshot of an incompatible version is discarded with a log line; the cluster is listed cold and the snapshot rewritten', async () => {
    const sim = await startSim({ name: 'warm-bad', objects: 800, seed: 9 });
    try {
      const first = await startCacheApp({ sims: [sim], redisUrl: redis.url, replicaId: 'r3' });
      dirs.push(first.dir);
      await ready(first.app, sim);
      await synced(first.app);
      const keys = first.app.l2!.keys;
      await first.app.close();
      const probe = await import('ioredis').then((m) => new m.Redis(redis.url));
      try {
        await probe.hset(keys.meta(sim.name), 'format', '999');
        const since = Date.now();
        const logs = memoryLogger();
        const second = await startCacheApp({ sims: [sim], redisUrl: redis.url, replicaId: 'r3', dir: first.dir, cacheLogger: logs.log });
        try {
          await ready(second.app, sim);
          expect(logs.lines.find((l) => l.msg === 'redis snapshot discarded: incompatible or unreadable; the cluster is listed from its API server')).toMatchObject({
            clusterId: sim.name,
            reason: expect.stringContaining('format "999"'),
          });
          await synced(second.app);
          expect(await probe.hget(keys.meta(sim.name), 'format')).toBe(SNAPSHOT_FORMAT);
        } finally {
          await second.app.close();
        }
        // Listed cold: state transfers (logged by the sim when they end).
        await waitUntil(() => sim.requests().filter((r) => r.at >= since && isStateTransfer(r)).length >= 20, 'state transfers in the request log');
      } finally {
        probe.disconnect();
      }
    } finally {
      await sim.close();
    }
  }, 60_000);
});

/** "namespace/name" of every object of a kind the app's store holds. */
function storeRecords(app: App, clusterId: string, kind: import('../../src/kube/kinds.js').KindInfo): string[] {
  const out: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = app.store.query({ clusters: new Set([clusterId]), kindKeys: new Set([kindKey(kind)]), namespaces: undefined, selector: undefined, name: undefined, nameContains: undefined, status: undefined }, { first: 500, after });
    for (const r of page.records) out.push(`${r.namespace}/${r.name}`);
    if (!page.hasNextPage || page.records.length === 0) return out;
    after = page.cursors.at(-1);
  }
}

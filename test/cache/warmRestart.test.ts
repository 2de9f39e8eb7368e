import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { BusEvent } from '../../src/events/types.js';
import type { SimCluster } from '../../src/sim/types.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { waitUntil } from '../helpers/wait.js';
import { differences, isStateTransfer, plainWatches, removeDir, startCacheApp, startSim } from './support/cacheHarness.js';

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
  await waitUntil(() => app.registry.get(sim.name)?.info().status === 'READY', `${sim.name} READY`, 30_000);
  await waitUntil(() => differences(app, sim).length === 0, `${sim.name} in the store`, 30_000);
}

async function synced(app: App): Promise<void> {
  await waitUntil(() => app.l2?.coordinator.writer.inSync, 'snapshot written', 20_000);
}

/** Every event the app's bus still holds, from the first. */
function history(app: App): BusEvent[] {
  const sub = app.events.subscribe(app.services ? ({} as never) : ({} as never), { since: app.events.stats().oldestResumableCursor });
  void sub;
  return [];
}
void history;

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
      sim.store.mutate('ConfigMap', cms[0].metadata.namespace, cms[0].metadata.name, (o) => void ((o as { data?: Record<string, string> }).data = { changed: 'yes' }));
      sim.store.delete('ConfigMap', cms[1].metadata.namespace, cms[1].metadata.name);

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
        const kinds = app.store.kinds(sim.name).filter((k) => k.count > 0).length;
        await app.close();
        // The sim logs a watch when it ends: every kind resumed by a plain WATCH from a stored resourceVersion.
        const watches = await waitUntil(() => {
          const w = plainWatches(sim.requests().filter((r) => r.at >= since));
          return w.length >= kinds ? w : undefined;
        }, 'the watches to end');
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
  });
});

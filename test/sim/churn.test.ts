import { describe, expect, it, vi } from 'vitest';
import { createSimStore } from '../../src/sim/index.js';
import type { SimChange, SimStore } from '../../src/sim/types.js';
import { CHANGED_AT_ANNOTATION, createChurnEngine, startChurn } from '../../src/sim/churn.js';
import { startControllers } from '../../src/sim/controllers/index.js';
import { bootstrapCluster } from '../../src/sim/workload/bootstrap.js';
import { seedWorkload } from '../../src/sim/workload/seed.js';

/** The churn engine: a steady, realistic stream of changes at the rate asked for, without growing the cluster. */

function seededStore(seed: number, objects: number): SimStore {
  const store = createSimStore();
  bootstrapCluster(store, { clusterName: 'churn', seed });
  seedWorkload(store, { clusterName: 'churn', seed, objects });
  return store;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the store has seen no write for `quietMs` (controllers and kubelets have settled). */
async function settle(store: SimStore, quietMs = 700, maxMs = 15_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = store.resourceVersion;
  let since = Date.now();
  while (Date.now() < deadline) {
    await sleep(50);
    if (store.resourceVersion !== last) {
      last = store.resourceVersion;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return;
  }
  throw new Error('store did not settle');
}

describe('churn', () => {
  it('holds the rate, stamps every write with its time, and keeps the object count stable', async () => {
    const store = seededStore(11, 3000);
    const controllers = startControllers(store);
    const before = store.count();
    const stamps = new Map<string, number>();
    let lateStamps = 0;
    const off = store.onChange((c: SimChange) => {
      const v = c.object.metadata.annotations?.[CHANGED_AT_ANNOTATION];
      if (!v) return;
      const key = `${c.kind.plural}/${c.object.metadata.namespace ?? ''}/${c.object.metadata.name}@${v}`;
      if (stamps.has(key)) return;
      stamps.set(key, Date.now());
      // Set at the moment of the write: never in the future, never stale.
      const age = Date.now() - Number(v);
      if (age < 0 || age > 250) lateStamps++;
    });
    const RATE = 300;
    const churn = startChurn(store, { seed: 5, perSecond: RATE });
    const t0 = performance.now();
    await sleep(3000);
    const elapsed = (performance.now() - t0) / 1000;
    const made = churn.changes;
    churn.stop();
    const seen = stamps.size;
    await sleep(200);
    expect(stamps.size, 'no change after stop()').toBe(seen);
    off();
    console.info(`churn: ${made} changes in ${elapsed.toFixed(2)} s (${(made / elapsed).toFixed(0)}/s asked ${RATE}/s); ${seen} distinct stamped writes; count ${before} -> ${store.count()}`);
    expect(made / elapsed).toBeGreaterThan(RATE * 0.9);
    expect(made / elapsed).toBeLessThan(RATE * 1.1);
    // Every change is one stamped write (a CronJob firing stamps the CronJob and its new Job).
    expect(seen).toBeGreaterThan(made * 0.97);
    expect(seen).toBeLessThan(made * 1.03);
    expect(lateStamps).toBeLessThan(seen * 0.01);
    const kinds = new Set([...stamps.keys()].map((k) => k.split('/')[0]));
    for (const k of ['pods', 'events', 'configmaps', 'deployments', 'leases']) expect(kinds, k).toContain(k);
    await settle(store);
    const after = store.count();
    expect(Math.abs(after - before) / before).toBeLessThan(0.02);
    controllers.stop();
  }, 60_000);

  it('is deterministic for a seed (same cluster, same steps, same changes)', () => {
    // Job names carry the scheduled minute (like the CronJob controller's): both runs read the same clock.
    const run = (): string[] => {
      vi.useFakeTimers({ toFake: ['Date'], now: Date.parse('2026-01-01T12:00:30Z') });
      try {
        const store = seededStore(21, 1500);
        const log: string[] = [];
        // Event names end in the clock's nanoseconds, like the apiserver's: compare them without it.
        const name = (c: SimChange) => (c.kind.kind === 'Event' ? (c.object.metadata.name ?? '').replace(/\.[0-9a-f]{16}$/, '.<time>') : c.object.metadata.name);
        store.onChange((c) => log.push(`${c.type} ${c.kind.plural} ${c.object.metadata.namespace ?? ''}/${name(c)}`));
        const engine = createChurnEngine(store, 9);
        for (let i = 0; i < 300; i++) engine.step();
        engine.close();
        return log;
      } finally {
        vi.useRealTimers();
      }
    };
    const a = run();
    const b = run();
    expect(a.length).toBeGreaterThan(300);
    expect(b).toEqual(a);
  });

  it('setRate changes the pace, 0 pauses', async () => {
    const store = seededStore(31, 800);
    const churn = startChurn(store, { seed: 1, perSecond: 100 });
    await sleep(1000);
    const atPause = churn.changes;
    expect(atPause).toBeGreaterThan(70);
    churn.setRate(0);
    await sleep(400);
    expect(churn.changes).toBe(atPause);
    churn.setRate(400);
    const t0 = performance.now();
    await sleep(1000);
    const rate = (churn.changes - atPause) / ((performance.now() - t0) / 1000);
    churn.stop();
    expect(rate).toBeGreaterThan(300);
    expect(rate).toBeLessThan(440);
  });
});

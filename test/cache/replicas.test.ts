import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { SimCluster } from '../../src/sim/types.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { waitUntil } from '../helpers/wait.js';
import { eventually, l2State, mirrorsServer, removeDir, startCacheApp, startSim } from './support/cacheHarness.js';
import { gql, sseSubscribe } from './support/graphqlClient.js';

/**
 * Two kubeatlas replicas in one process, one redis-server, simulated
 * clusters over HTTPS. (The same with two real processes and SIGKILL:
 * replicaProcesses.test.ts.)
 */

const A = 'rep-a';
const B = 'rep-b';

/** Cluster names whose preferred replica (rendezvous hashing, as LeaseManager) is A, then B. */
function namesSplitBetweenReplicas(prefix: string): [string, string] {
  let forA: string | undefined;
  let forB: string | undefined;
  for (let i = 0; !forA || !forB; i++) {
    const name = `${prefix}-${i}`;
    const preferred = crc32(`${name}|${A}`) > crc32(`${name}|${B}`) ? A : B;
    if (preferred === A) forA ??= name;
    else forB ??= name;
  }
  return [forA, forB];
}

let redis: TestRedis;
const dirs: string[] = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
  for (const d of dirs) removeDir(d);
});

const role = (app: App, id: string) => app.l2!.coordinator.roleOf(id);

/** Every app of the running test, for failure messages. */
const running: App[] = [];

async function mirrors(app: App, sims: SimCluster[], _what: string): Promise<void> {
  for (const sim of sims) await mirrorsServer(app, sim, 45_000, running);
}

describe('replicas sharing one redis', () => {
  it('share the clusters (one owner each), serve all of them, fan subscription events out, and see runtime clusters added on the other', async () => {
    const [forA, forB] = namesSplitBetweenReplicas('share');
    const simA = await startSim({ name: forA, objects: 500, seed: 31 });
    const simB = await startSim({ name: forB, objects: 500, seed: 32 });
    const extra = await startSim({ name: 'added-at-runtime', objects: 200, seed: 33 });
    const a = await startCacheApp({ sims: [simA, simB], redisUrl: redis.url, replicaId: A });
    dirs.push(a.dir);
    running.splice(0, running.length, a.app);
    let b: Awaited<ReturnType<typeof startCacheApp>> | undefined;
    try {
      // Alone, A owns both.
      await mirrors(a.app, [simA, simB], 'A alone');
      expect([role(a.app, forA), role(a.app, forB)]).toEqual(['owner', 'owner']);

      b = await startCacheApp({ sims: [simA, simB], redisUrl: redis.url, replicaId: B, dir: a.dir });
      running.push(b.app);
      // B serves both clusters at once, from the snapshots and change streams...
      await mirrors(b.app, [simA, simB], 'B');
      // ...and once B has been live for a lease TTL, A hands B the cluster B is preferred for.
      await eventually(() => role(b!.app, forB) === 'owner' && role(a.app, forB) === 'follower', () => `the handoff to B: ${l2State(a.app, forB)} ${l2State(b!.app, forB)}`, 30_000);
      expect(role(a.app, forA)).toBe('owner');
      expect(role(b.app, forA)).toBe('follower');
      await mirrors(a.app, [simA, simB], 'A after the handoff');
      await mirrors(b.app, [simA, simB], 'B after the handoff');

      // A subscription on B receives the events of the cluster A watches, in order.
      const sub = sseSubscribe<{ type: string; clusterId: string; resource: { name: string; resourceVersion: string } }>(
        b.app.server!.url,
        `subscription($c: [String!]) { resourceEvents(filter: { clusters: $c, kinds: ["ConfigMap"] }) { type clusterId resource { name resourceVersion } } }`,
        { c: [forA] },
      );
      try {
        await sub.ready;
        const rvs: string[] = [];
        for (let i = 0; i < 5; i++) rvs.push(simA.store.create('ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `fan-out-${i}`, namespace: 'default' }, data: {} }).metadata.resourceVersion!);
        simA.store.mutate('ConfigMap', 'default', 'fan-out-0', (o) => void ((o as { data?: Record<string, string> }).data = { v: '2' }));
        rvs.push(simA.store.get('ConfigMap', 'default', 'fan-out-0')!.metadata.resourceVersion!);
        await waitUntil(() => sub.events.length >= 6, 'the events on B');
        expect(sub.events.map((e) => `${e.type} ${e.clusterId} ${e.resource.name} ${e.resource.resourceVersion}`)).toEqual([
          ...rvs.slice(0, 5).map((rv, i) => `ADDED ${forA} fan-out-${i} ${rv}`),
          `MODIFIED ${forA} fan-out-0 ${rvs[5]}`,
        ]);
        expect(sub.errors).toEqual([]);
      } finally {
        sub.close();
      }

      // A cluster added at runtime on A appears on B, and exactly one replica watches it.
      const added = await gql<{ addCluster: { clusterId: string } }>(
        a.app.server!.url,
        `mutation($input: AddClusterInput!) { addCluster(input: $input) { clusterId } }`,
        { input: { clusterId: extra.name, authMethod: 'TOKEN', server: extra.url, token: extra.adminToken, tls: { caData: extra.ca.certPem } } },
      );
      expect(added.errors).toBeUndefined();
      await waitUntil(() => b!.app.registry.get(extra.name) !== undefined, 'the runtime cluster on B', 10_000);
      expect(b.app.registry.get(extra.name)!.info().source).toBe('runtime');
      await mirrors(b.app, [extra], 'B, runtime cluster');
      await mirrors(a.app, [extra], 'A, runtime cluster');
      await eventually(() => [role(a.app, extra.name), role(b!.app, extra.name)].sort().join() === 'follower,owner', () => `one owner of the runtime cluster: ${l2State(a.app, extra.name)} ${l2State(b!.app, extra.name)}`, 30_000);

      // Removed on B: gone from A too.
      const removed = await gql<{ removeCluster: boolean }>(b.app.server!.url, `mutation { removeCluster(clusterId: "${extra.name}") }`);
      expect(removed.errors).toBeUndefined();
      await waitUntil(() => a.app.registry.get(extra.name) === undefined, 'the removal on A', 10_000);
      await waitUntil(() => a.app.store.kinds(extra.name).every((k) => k.count === 0), 'its objects gone on A');
      // Its snapshot and change stream are deleted from redis by the replica that wrote them.
      const keys = a.app.l2!.keys;
      await waitUntil(async () => (await a.app.l2!.link.cmd.exists(keys.meta(extra.name), keys.stream(extra.name), keys.objects(extra.name, 'ConfigMap'))) === 0, 'its snapshot deleted', 10_000);

      // A leaves (graceful): B takes its cluster at once (the lease is released, not left to expire).
      const t = Date.now();
      await a.app.close();
      await waitUntil(() => role(b!.app, forA) === 'owner', 'B to take over', 10_000);
      expect(Date.now() - t).toBeLessThan(3000);
      simA.store.create('ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-a-left', namespace: 'default' }, data: {} });
      await mirrors(b.app, [simA, simB], 'B alone');
    } finally {
      await b?.app.close();
      await a.app.close();
      await Promise.all([simA.close(), simB.close(), extra.close()]);
    }
  }, 120_000);

  it('redis lost with two replicas: the follower keeps serving its last state as DEGRADED, then watches itself; when redis is back, one owner again', async () => {
    const [forA] = namesSplitBetweenReplicas('outage');
    const sim = await startSim({ name: forA, objects: 300, seed: 34 });
    const a = await startCacheApp({ sims: [sim], redisUrl: redis.url, replicaId: A });
    dirs.push(a.dir);
    running.splice(0, running.length, a.app);
    await mirrors(a.app, [sim], 'A');
    const b = await startCacheApp({ sims: [sim], redisUrl: redis.url, replicaId: B, dir: a.dir });
    running.push(b.app);
    try {
      await mirrors(b.app, [sim], 'B');
      expect(role(a.app, sim.name)).toBe('owner');
      expect(role(b.app, sim.name)).toBe('follower');

      await redis.kill();
      // The follower cannot know whether the owner still watches: its data may be stale.
      await eventually(() => b.app.registry.get(sim.name)?.info().status === 'DEGRADED', () => `B to report DEGRADED: ${l2State(b.app, sim.name)}`, 15_000);
      expect(a.app.registry.get(sim.name)?.info().status).toBe('READY');
      // After one lease TTL without redis, B watches the cluster itself.
      await eventually(() => role(b.app, sim.name) === 'standalone', () => `B standalone: ${l2State(b.app, sim.name)}`, 20_000);
      sim.store.create('ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'during-outage', namespace: 'default' }, data: {} });
      await mirrors(b.app, [sim], 'B standalone');
      await mirrors(a.app, [sim], 'A owner');

      await redis.restart();
      await eventually(() => [role(a.app, sim.name), role(b.app, sim.name)].sort().join() === 'follower,owner', () => `one owner again: ${l2State(a.app, sim.name)} ${l2State(b.app, sim.name)}`, 30_000);
      await waitUntil(() => a.app.l2!.coordinator.writer.inSync && b.app.l2!.coordinator.writer.inSync, 'the snapshot rewritten', 20_000);
      sim.store.create('ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-outage', namespace: 'default' }, data: {} });
      await mirrors(a.app, [sim], 'A after');
      await mirrors(b.app, [sim], 'B after');
      await waitUntil(() => b.app.registry.get(sim.name)?.info().status === 'READY' && a.app.registry.get(sim.name)?.info().status === 'READY', 'READY on both', 10_000);
    } finally {
      await b.app.close();
      await a.app.close();
      await sim.close();
    }
  }, 120_000);
});

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisKeys } from '../../src/cache/keys.js';
import { RedisLink } from '../../src/cache/redisLink.js';
import { loadSnapshot } from '../../src/cache/snapshotLoader.js';
import { SnapshotWriter } from '../../src/cache/snapshotWriter.js';
import { BUILTIN_KINDS, kindKey, type KindInfo } from '../../src/kube/kinds.js';
import type { KubeObject } from '../../src/kube/types.js';
import type { SimCluster } from '../../src/sim/types.js';
import { ResourceStore } from '../../src/store/resourceStore.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { waitUntil } from '../helpers/wait.js';
import { memoryLogger, startSim } from './support/cacheHarness.js';

const CLUSTER = 'snap-1';
const REPLICA = 'writer-1';
let redis: TestRedis;
let sim: SimCluster;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  redis = await startRedis();
  sim = await startSim({ name: CLUSTER, objects: 1500, seed: 11 });
});
afterAll(async () => {
  await sim.close();
  await redis.stop();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const kinds = (): KindInfo[] => BUILTIN_KINDS.filter((k) => sim.store.count(k.group ? `${k.group}/${k.kind}` : k.kind) > 0);

async function link(prefix: string): Promise<{ link: RedisLink; keys: RedisKeys; log: ReturnType<typeof memoryLogger> }> {
  const log = memoryLogger();
  const l = new RedisLink({ url: redis.url, connectTimeoutMs: 1000, commandTimeoutMs: 5000, maxBlockMs: 1000, log: log.log, name: 'test' });
  cleanups.push(() => l.close());
  expect(await l.connect(5000)).toBe(true);
  return { link: l, keys: new RedisKeys(prefix), log };
}

/** A store holding the simulated cluster's objects, loaded like a reflector's list would. */
function filledStore(): ResourceStore {
  const store = new ResourceStore();
  for (const kind of kinds()) {
    const sink = store.sinkFor(CLUSTER, kind);
    sink.beginReplace();
    for (const o of sim.store.list(kind.group ? `${kind.group}/${kind.kind}` : kind.kind)) sink.replaceItem(structuredClone(o));
    sink.endReplace(String(sim.store.resourceVersion));
  }
  return store;
}

/** kindKey -> "ns/name" -> slimmed JSON, and the collections' resourceVersions. */
function contents(store: ResourceStore): { objects: Map<string, Map<string, string>>; rvs: Map<string, string | undefined> } {
  const objects = new Map<string, Map<string, string>>();
  const rvs = new Map<string, string | undefined>();
  for (const { kind } of store.kinds(CLUSTER)) {
    const key = kindKey(kind);
    const m = new Map<string, string>();
    let after: string | undefined;
    for (;;) {
      const page = store.query({ clusters: new Set([CLUSTER]), kindKeys: new Set([key]), namespaces: undefined, selector: undefined, name: undefined, nameContains: undefined, status: undefined }, { first: 500, after });
      for (const r of page.records) m.set(`${r.namespace}/${r.name}`, r.json);
      if (!page.hasNextPage || page.records.length === 0) break;
      after = page.cursors.at(-1);
    }
    objects.set(key, m);
    rvs.set(key, store.resourceVersionOf(CLUSTER, key));
  }
  return { objects, rvs };
}

async function writeSnapshot(store: ResourceStore, prefix: string) {
  const ctx = await link(prefix);
  await ctx.link.cmd.set(ctx.keys.lease(CLUSTER), REPLICA, 'PX', 60_000);
  const writer = new SnapshotWriter({
    link: ctx.link,
    keys: ctx.keys,
    replicaId: REPLICA,
    store,
    flushIntervalMs: 20,
    flushMaxChanges: 1000,
    maxPendingChanges: 100_000,
    streamMaxLength: 100,
    pageSize: 500,
    onLeaseLost: () => undefined,
    onLeaseExpired: () => undefined,
    log: ctx.log.log,
  });
  cleanups.push(() => writer.close());
  writer.own(CLUSTER, { seq: 0, epoch: undefined, keepSecretValues: false, snapshotKinds: new Map(), storeMatchesSnapshot: false });
  await waitUntil(() => writer.inSync, 'the snapshot to be written');
  return { ...ctx, writer };
}

async function loadInto(store: ResourceStore, ctx: { link: RedisLink; keys: RedisKeys; log: ReturnType<typeof memoryLogger> }) {
  return loadSnapshot({ link: ctx.link, keys: ctx.keys, store, log: ctx.log.log }, { clusterId: CLUSTER, keepSecretValues: false, signal: new AbortController().signal });
}

describe('redis snapshot', () => {
  it('round trip: store -> redis -> a fresh store holds the same objects and resourceVersions, incremental changes included', async () => {
    const a = filledStore();
    const ctx = await writeSnapshot(a, 'rt:');
    // Incremental batches on top of the full write: a change, a deletion, a new object.
    const cmSink = a.sinkFor(CLUSTER, kinds().find((k) => k.kind === 'ConfigMap')!);
    const cms = sim.store.list('ConfigMap');
    cmSink.apply('MODIFIED', { ...structuredClone(cms[0]), data: { changed: 'yes' }, metadata: { ...cms[0].metadata, resourceVersion: '999001' } } as KubeObject);
    cmSink.apply('DELETED', structuredClone(cms[1]));
    cmSink.apply('ADDED', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fresh', namespace: 'default', uid: 'u-fresh', resourceVersion: '999002' }, data: { x: '1' } });
    cmSink.setResourceVersion('999002');
    await waitUntil(() => ctx.writer.inSync, 'the batch to be written');

    const b = new ResourceStore();
    const r = await loadInto(b, ctx);
    expect(r.status).toBe('loaded');
    expect(r.discardedKinds).toEqual([]);
    const want = contents(a);
    const got = contents(b);
    expect([...got.objects.keys()].sort()).toEqual([...want.objects.keys()].sort());
    for (const [key, objs] of want.objects) expect(got.objects.get(key), key).toEqual(objs);
    expect(got.rvs).toEqual(want.rvs);
    expect(got.rvs.get('ConfigMap')).toBe('999002');
    expect(r.complete.get('ConfigMap')).toEqual({ resourceVersion: '999002', objects: want.objects.get('ConfigMap')!.size });
    // Every object arrived as ADDED with origin "snapshot" into the empty store.
    expect(b.size).toBe(a.size);
  });

  it('a snapshot of another format version is discarded with a log line, nothing loaded', async () => {
    const ctx = await writeSnapshot(filledStore(), 'fmt:');
    await ctx.writer.close();
    await ctx.link.cmd.hset(ctx.keys.meta(CLUSTER), 'format', '0');
    const b = new ResourceStore();
    const r = await loadInto(b, ctx);
    expect(r.status).toBe('discarded');
    expect(b.size).toBe(0);
    expect(ctx.log.messages()).toContain('redis snapshot discarded: incompatible or unreadable; the cluster is listed from its API server');
  });

  it('a corrupt value or a wrong count discards that kind only (dropped again, logged); the other kinds load', async () => {
    const ctx = await writeSnapshot(filledStore(), 'bad:');
    await ctx.writer.close();
    await ctx.link.cmd.hset(ctx.keys.objects(CLUSTER, 'ConfigMap'), 'default/garbage', '{"metadata":');
    const [field] = await ctx.link.cmd.hkeys(ctx.keys.objects(CLUSTER, 'Pod'));
    await ctx.link.cmd.hdel(ctx.keys.objects(CLUSTER, 'Pod'), field);
    const b = new ResourceStore();
    const r = await loadInto(b, ctx);
    expect(r.status).toBe('loaded');
    expect(r.discardedKinds.map((d) => d.kind).sort()).toEqual(['ConfigMap', 'Pod']);
    expect(b.kinds(CLUSTER).find((k) => k.kind.kind === 'ConfigMap')?.count ?? 0).toBe(0);
    expect(b.kinds(CLUSTER).find((k) => k.kind.kind === 'Pod')?.count ?? 0).toBe(0);
    expect(r.complete.has('ConfigMap')).toBe(false);
    expect(r.complete.has('Pod')).toBe(false);
    expect(b.kinds(CLUSTER).find((k) => k.kind.kind === 'Service')?.count).toBe(sim.store.count('Service'));
    const discards = ctx.log.lines.filter((l) => l.msg === 'redis snapshot of a kind discarded; it is listed from the API server');
    expect(discards.map((l) => l.kind).sort()).toEqual(['ConfigMap', 'Pod']);
    expect(String(discards.find((l) => l.kind === 'ConfigMap')?.reason)).toContain('not JSON');
    expect(String(discards.find((l) => l.kind === 'Pod')?.reason)).toContain('meta says');
  });

  it('a load while the owner keeps committing ends at one consistent seq (objects agree with the meta)', async () => {
    const a = filledStore();
    const ctx = await writeSnapshot(a, 'busy:');
    const sink = a.sinkFor(CLUSTER, kinds().find((k) => k.kind === 'ConfigMap')!);
    let n = 0;
    const churn = setInterval(() => {
      for (let i = 0; i < 20; i++, n++) {
        sink.apply('ADDED', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `churn-${n}`, namespace: 'default', uid: `c-${n}`, resourceVersion: String(1_000_000 + n) }, data: {} });
        sink.setResourceVersion(String(1_000_000 + n));
      }
    }, 5);
    try {
      const b = new ResourceStore();
      const r = await loadInto(b, ctx);
      expect(r.status).toBe('loaded');
      expect(r.discardedKinds).toEqual([]);
      const meta = r.kinds.get('ConfigMap')!;
      expect(b.kinds(CLUSTER).find((k) => k.kind.kind === 'ConfigMap')?.count).toBe(meta.count);
      expect(b.resourceVersionOf(CLUSTER, 'ConfigMap')).toBe(meta.rv);
      // The newest object the meta counts is there, and nothing newer.
      const newest = Number(meta.rv) - 1_000_000;
      expect(b.get(CLUSTER, 'ConfigMap', 'default', `churn-${newest}`)).toBeDefined();
      expect(b.get(CLUSTER, 'ConfigMap', 'default', `churn-${newest + 1}`)).toBeUndefined();
    } finally {
      clearInterval(churn);
    }
  });
});

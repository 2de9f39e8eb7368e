import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisKeys } from '../../src/cache/keys.js';
import { RedisLink } from '../../src/cache/redisLink.js';
import { KIND_FIELD_PREFIX, SNAPSHOT_FORMAT } from '../../src/cache/snapshotFormat.js';
import { loadSnapshot } from '../../src/cache/snapshotLoader.js';
import { SnapshotWriter } from '../../src/cache/snapshotWriter.js';
import { BUILTIN_KINDS, kindKey, type KindInfo } from '../../src/kube/kinds.js';
import { parseLabelSelector } from '../../src/kube/labelSelector.js';
import type { KubeObject } from '../../src/kube/types.js';
import { RelationGraph } from '../../src/relations/relationGraph.js';
import type { SimCluster } from '../../src/sim/types.js';
import { ResourceStore } from '../../src/store/resourceStore.js';
import type { CompiledFilter, ResourceRecord } from '../../src/store/types.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { waitUntil } from '../helpers/wait.js';
import { memoryLogger, startSim } from './support/cacheHarness.js';

/**
 * Snapshot format 2: objects are stored in the store's record form (packed
 * JSON against content-addressed compression bases, index fields, relation
 * facts) and loaded without parse/slim/compress; these tests compare a
 * store and relation graph loaded that way with the ones built by listing.
 */

const CLUSTER = 'rec-1';
const REPLICA = 'writer-1';
const SELECTOR_KINDS = new Set(['Service', 'policy/PodDisruptionBudget', 'networking.k8s.io/NetworkPolicy']);
let redis: TestRedis;
let sim: SimCluster;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  redis = await startRedis();
  sim = await startSim({ name: CLUSTER, objects: 2000, seed: 5 });
});
afterAll(async () => {
  await sim.close();
  await redis.stop();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const kinds = (): KindInfo[] => BUILTIN_KINDS.filter((k) => sim.store.count(kindKey(k)) > 0);

type Ctx = { link: RedisLink; keys: RedisKeys; log: ReturnType<typeof memoryLogger> };

async function link(prefix: string): Promise<Ctx> {
  const log = memoryLogger();
  const l = new RedisLink({ url: redis.url, connectTimeoutMs: 1000, commandTimeoutMs: 5000, maxBlockMs: 1000, log: log.log, name: 'test' });
  cleanups.push(() => l.close());
  expect(await l.connect(5000)).toBe(true);
  return { link: l, keys: new RedisKeys(prefix), log };
}

/** A store (and its relation graph) holding the simulated cluster, listed like a reflector would. */
function listedStore(): { store: ResourceStore; graph: RelationGraph } {
  const store = new ResourceStore();
  const graph = new RelationGraph(store);
  cleanups.push(() => graph.close());
  for (const kind of kinds()) {
    const sink = store.sinkFor(CLUSTER, kind);
    sink.beginReplace();
    for (const o of sim.store.list(kindKey(kind))) sink.replaceItem(structuredClone(o));
    sink.endReplace(String(sim.store.resourceVersion));
  }
  return { store, graph };
}

async function writeSnapshot(store: ResourceStore, graph: RelationGraph | undefined, prefix: string): Promise<Ctx & { writer: SnapshotWriter }> {
  const ctx = await link(prefix);
  await ctx.link.cmd.set(ctx.keys.lease(CLUSTER), REPLICA, 'PX', 60_000);
  const writer = new SnapshotWriter({
    link: ctx.link,
    keys: ctx.keys,
    replicaId: REPLICA,
    store,
    ...(graph ? { relationFacts: (r: ResourceRecord) => graph.factsOf(r) } : {}),
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

/** A fresh store with a relation graph following it, loaded from the snapshot. */
async function loadedStore(ctx: Ctx) {
  const store = new ResourceStore();
  const graph = new RelationGraph(store);
  cleanups.push(() => graph.close());
  const result = await loadSnapshot({ link: ctx.link, keys: ctx.keys, store, log: ctx.log.log }, { clusterId: CLUSTER, keepSecretValues: false, signal: new AbortController().signal });
  return { store, graph, result };
}

const filter = (over: Partial<CompiledFilter> = {}): CompiledFilter => ({
  clusters: new Set([CLUSTER]),
  kindKeys: undefined,
  namespaces: undefined,
  selector: undefined,
  name: undefined,
  nameContains: undefined,
  status: undefined,
  ...over,
});

/** Every record in query order, as comparable fields (the JSON decoded). */
function records(store: ResourceStore): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  let after: string | undefined;
  for (;;) {
    const page = store.query(filter(), { first: 500, after });
    for (const r of page.records) {
      out.push({ kind: kindKey(r.kind), namespace: r.namespace, name: r.name, uid: r.uid, rv: r.resourceVersion, labels: r.labels, status: r.status, created: r.creationTimestamp, json: r.json });
    }
    if (!page.hasNextPage || page.records.length === 0) return out;
    after = page.cursors.at(-1);
  }
}

const keyOf = (r: ResourceRecord | undefined): string => (r ? `${kindKey(r.kind)}|${r.namespace}|${r.name}` : '-');

/** The graph's edges with record ids replaced by object identities (ids differ between stores). */
function edges(store: ResourceStore, graph: RelationGraph): string[] {
  return graph
    .snapshot()
    .map((line) => {
      const m = /^(\d+) (\S+) (.*) -> (\d+|-)$/.exec(line)!;
      return `${keyOf(store.getById(Number(m[1])))} ${m[2]} ${m[3]} -> ${m[4] === '-' ? '-' : keyOf(store.getById(Number(m[4])))}`;
    })
    .sort();
}

describe('redis snapshot records (format 2)', () => {
  it('a store loaded from the snapshot answers queries and relations like the listed one, without decoding objects for relations', async () => {
    const a = listedStore();
    const ctx = await writeSnapshot(a.store, a.graph, 'eq:');
    expect(await ctx.link.cmd.hget(ctx.keys.meta(CLUSTER), 'format')).toBe(SNAPSHOT_FORMAT);
    // pods are packed against siblings (anchors) and kind dictionaries: both kinds of bases are stored
    const podBases = await ctx.link.cmd.hkeys(ctx.keys.bases(CLUSTER, 'Pod'));
    expect(podBases.some((id) => id.startsWith('d'))).toBe(true);
    expect(podBases.some((id) => id.startsWith('a'))).toBe(true);
    const b = await loadedStore(ctx);
    expect(b.result.status).toBe('loaded');
    expect(b.result.discardedKinds).toEqual([]);
    expect(b.store.size).toBe(a.store.size);

    // objects, index fields and order
    expect(records(b.store)).toEqual(records(a.store));
    // indexes: label selectors, status, owners, nodes
    for (const sel of ['app', '!app', 'app.kubernetes.io/name', 'tier in (web,api)']) {
      const selector = parseLabelSelector(sel);
      expect(b.store.count(filter({ selector })), sel).toBe(a.store.count(filter({ selector })));
    }
    expect(b.store.count(filter({ selector: parseLabelSelector('app') }))).toBeGreaterThan(0);
    for (const status of ['Running', 'Pending', 'CrashLoopBackOff', 'Available', 'Bound']) {
      expect(b.store.count(filter({ status })), status).toBe(a.store.count(filter({ status })));
    }
    const podsA = a.store.query(filter({ kindKeys: new Set(['Pod']) }), { first: 200 }).records;
    expect(podsA.length).toBeGreaterThan(50);
    for (const pa of podsA) {
      const pb = b.store.get(CLUSTER, 'Pod', pa.namespace, pa.name)!;
      expect(pb).toBeDefined();
      const node = JSON.parse(pa.json).spec?.nodeName as string | undefined;
      if (node) expect(b.store.podsOnNode(CLUSTER, node).map((id) => keyOf(b.store.getById(id))).sort()).toEqual(a.store.podsOnNode(CLUSTER, node).map((id) => keyOf(a.store.getById(id))).sort());
      const owner = JSON.parse(pa.json).metadata.ownerReferences?.[0]?.uid as string | undefined;
      if (owner) expect(b.store.ownedBy(CLUSTER, owner).length).toBe(a.store.ownedBy(CLUSTER, owner).length);
      // relations, seen from each pod, and two hops out
      const rel = (g: RelationGraph, r: ResourceRecord) => g.relations(r, { direction: 'BOTH' }).map((x) => `${x.direction} ${x.type} ${x.other.kind} ${x.other.namespace ?? ''} ${x.other.name} ${x.otherRecord ? 'in' : 'out'}`);
      expect(rel(b.graph, pb)).toEqual(rel(a.graph, pa));
      expect(b.graph.related(pb, { depth: 2, direction: 'BOTH', maxNodes: 100_000 }).map(keyOf)).toEqual(a.graph.related(pa, { depth: 2, direction: 'BOTH', maxNodes: 100_000 }).map(keyOf));
    }
    // every edge, and the same as the rules derive from the loaded objects
    expect(edges(b.store, b.graph)).toEqual(edges(a.store, a.graph));
    const rebuilt = new RelationGraph(b.store);
    cleanups.push(() => rebuilt.close());
    expect(rebuilt.snapshot()).toEqual(b.graph.snapshot());
    expect(b.graph.stats().edges).toBeGreaterThan(b.store.size);

    // Only selector kinds (whose SELECTS edges need the selector) were decoded while loading.
    const selectorObjects = kinds().filter((k) => SELECTOR_KINDS.has(kindKey(k))).reduce((n, k) => n + sim.store.count(kindKey(k)), 0);
    const fresh = await loadedStore(ctx);
    fresh.graph.settle();
    expect(fresh.store.objectCacheStats().misses).toBeGreaterThan(0);
    expect(fresh.store.objectCacheStats().misses).toBeLessThanOrEqual(selectorObjects);
  });

  it('records keep working after the load: changes are written incrementally and a second load matches', async () => {
    const a = listedStore();
    const ctx = await writeSnapshot(a.store, a.graph, 'inc:');
    const b = await loadedStore(ctx);
    // b now owns the snapshot and changes a pod and a deployment (their packing and facts are new)
    const writerB = new SnapshotWriter({
      link: ctx.link,
      keys: ctx.keys,
      replicaId: REPLICA,
      store: b.store,
      relationFacts: (r) => b.graph.factsOf(r),
      flushIntervalMs: 20,
      flushMaxChanges: 1000,
      maxPendingChanges: 100_000,
      streamMaxLength: 100,
      pageSize: 500,
      onLeaseLost: () => undefined,
      onLeaseExpired: () => undefined,
      log: ctx.log.log,
    });
    cleanups.push(() => writerB.close());
    await ctx.writer.close();
    writerB.own(CLUSTER, { seq: b.result.seq, epoch: b.result.epoch, keepSecretValues: false, snapshotKinds: b.result.kinds, storeMatchesSnapshot: true });
    const podKind = kinds().find((k) => k.kind === 'Pod')!;
    const pod = structuredClone(sim.store.list('Pod')[0]);
    const sink = b.store.sinkFor(CLUSTER, podKind);
    sink.apply('MODIFIED', { ...pod, metadata: { ...pod.metadata, labels: { ...pod.metadata.labels, extra: 'yes' }, resourceVersion: '888001' }, spec: { ...(pod.spec as object), nodeName: 'node-new' } } as KubeObject);
    sink.apply('ADDED', { ...structuredClone(pod), metadata: { ...pod.metadata, name: `${pod.metadata.name}-copy`, uid: 'uid-copy', resourceVersion: '888002' } } as KubeObject);
    sink.setResourceVersion('888002');
    await waitUntil(() => writerB.inSync, 'the changes to be written');
    const c = await loadedStore(ctx);
    expect(c.result.discardedKinds).toEqual([]);
    expect(records(c.store)).toEqual(records(b.store));
    expect(edges(c.store, c.graph)).toEqual(edges(b.store, b.graph));
    expect(c.store.podsOnNode(CLUSTER, 'node-new').length).toBe(1);
  });

  it('the graph indexes a loaded snapshot after the load, and no query or change ever sees it partly indexed', async () => {
    const a = listedStore();
    const ctx = await writeSnapshot(a.store, a.graph, 'lazy:');
    const b = await loadedStore(ctx);
    // right after the load nothing is indexed yet: the load did not wait for the edges
    expect(b.graph.pendingCount).toBe(b.store.size);
    // a query completes the graph first
    const pa = a.store.query(filter({ kindKeys: new Set(['Pod']) }), { first: 1 }).records[0];
    const pb = b.store.get(CLUSTER, 'Pod', pa.namespace, pa.name)!;
    const rel = (g: RelationGraph, r: ResourceRecord) => g.relations(r, { direction: 'BOTH' }).map((x) => `${x.direction} ${x.type} ${x.other.kind} ${x.other.name} ${x.otherRecord ? 'in' : 'out'}`);
    expect(rel(b.graph, pb)).toEqual(rel(a.graph, pa));
    expect(b.graph.pendingCount).toBe(0);
    expect(edges(b.store, b.graph)).toEqual(edges(a.store, a.graph));

    // changes to records still queued apply after their queued ADDED; left alone, the queue drains in the background
    const c = await loadedStore(ctx);
    expect(c.graph.pendingCount).toBe(c.store.size);
    const podKind = kinds().find((k) => k.kind === 'Pod')!;
    const [p1, p2] = sim.store.list('Pod').map((o) => structuredClone(o));
    const sink = c.store.sinkFor(CLUSTER, podKind);
    sink.apply('DELETED', p1);
    sink.apply('MODIFIED', { ...p2, metadata: { ...p2.metadata, labels: {}, resourceVersion: '777001' } } as KubeObject);
    const aSink = a.store.sinkFor(CLUSTER, podKind);
    aSink.apply('DELETED', structuredClone(p1));
    aSink.apply('MODIFIED', { ...structuredClone(p2), metadata: { ...p2.metadata, labels: {}, resourceVersion: '777001' } } as KubeObject);
    expect(c.graph.pendingCount).toBe(c.store.size - 1);
    await waitUntil(() => c.graph.pendingCount === 0, 'the background indexing');
    expect(edges(c.store, c.graph)).toEqual(edges(a.store, a.graph));
  });

  it('facts written under other relation rules are not used: the rules run on the objects, same edges', async () => {
    const a = listedStore();
    const ctx = await writeSnapshot(a.store, a.graph, 'rules:');
    await ctx.writer.close();
    const field = `${KIND_FIELD_PREFIX}Pod`;
    const meta = JSON.parse((await ctx.link.cmd.hget(ctx.keys.meta(CLUSTER), field))!) as Record<string, unknown>;
    expect(meta.rules).toBe(1);
    await ctx.link.cmd.hset(ctx.keys.meta(CLUSTER), field, JSON.stringify({ ...meta, rules: 0 }));
    const b = await loadedStore(ctx);
    expect(b.result.discardedKinds).toEqual([]);
    b.graph.settle();
    expect(b.store.objectCacheStats().misses).toBeGreaterThanOrEqual(sim.store.count('Pod'));
    expect(edges(b.store, b.graph)).toEqual(edges(a.store, a.graph));
  });

  it('a snapshot written without facts loads; the relation rules derive the edges', async () => {
    const a = listedStore();
    const ctx = await writeSnapshot(a.store, undefined, 'nofacts:');
    const b = await loadedStore(ctx);
    expect(b.result.discardedKinds).toEqual([]);
    expect(records(b.store)).toEqual(records(a.store));
    expect(edges(b.store, b.graph)).toEqual(edges(a.store, a.graph));
  });

  it('a corrupt record (checksum), a missing base or a base that does not match its id discards that kind only', async () => {
    const ctx = await writeSnapshot(listedStore().store, undefined, 'corrupt:');
    await ctx.writer.close();
    const redisCmd = ctx.link.cmd;
    // Pod: flip a byte of one record's packed bytes
    const [podField] = await redisCmd.hkeys(ctx.keys.objects(CLUSTER, 'Pod'));
    const value = (await redisCmd.hgetBuffer(ctx.keys.objects(CLUSTER, 'Pod'), podField))!;
    value[value.length - 1] ^= 0xff;
    await redisCmd.hset(ctx.keys.objects(CLUSTER, 'Pod'), podField, value);
    // ConfigMap: a base gone
    const cmBases = await redisCmd.hkeys(ctx.keys.bases(CLUSTER, 'ConfigMap'));
    expect(cmBases.length).toBeGreaterThan(0);
    await redisCmd.hdel(ctx.keys.bases(CLUSTER, 'ConfigMap'), ...cmBases);
    // Service: a base whose content is not what its id says
    const [svcBase] = await redisCmd.hkeys(ctx.keys.bases(CLUSTER, 'Service'));
    const svcValue = (await redisCmd.hgetBuffer(ctx.keys.bases(CLUSTER, 'Service'), svcBase))!;
    svcValue[svcValue.length - 1] ^= 0x01;
    await redisCmd.hset(ctx.keys.bases(CLUSTER, 'Service'), svcBase, svcValue);

    const b = await loadedStore(ctx);
    expect(b.result.status).toBe('loaded');
    expect(b.result.discardedKinds.map((d) => d.kind).sort()).toEqual(['ConfigMap', 'Pod', 'Service']);
    const reason = (k: string) => b.result.discardedKinds.find((d) => d.kind === k)!.reason;
    expect(reason('Pod')).toContain('checksum');
    expect(reason('ConfigMap')).toContain('not in the snapshot');
    expect(reason('Service')).toContain('does not match its content');
    for (const k of ['Pod', 'ConfigMap', 'Service']) expect(b.store.kinds(CLUSTER).find((x) => kindKey(x.kind) === k)?.count ?? 0).toBe(0);
    expect(b.store.kinds(CLUSTER).find((x) => x.kind.kind === 'Deployment')?.count).toBe(sim.store.count('apps/Deployment'));
  });

  it('a snapshot of format 1 (JSON values) is discarded with a log line, nothing loaded', async () => {
    const ctx = await writeSnapshot(listedStore().store, undefined, 'old:');
    await ctx.writer.close();
    await ctx.link.cmd.hset(ctx.keys.meta(CLUSTER), 'format', '1');
    const cm = sim.store.list('ConfigMap')[0];
    await ctx.link.cmd.hset(ctx.keys.objects(CLUSTER, 'ConfigMap'), `${cm.metadata.namespace}/${cm.metadata.name}`, JSON.stringify(cm));
    const b = await loadedStore(ctx);
    expect(b.result.status).toBe('discarded');
    expect(b.store.size).toBe(0);
    expect(ctx.log.lines.find((l) => l.msg === 'redis snapshot discarded: incompatible or unreadable; the cluster is listed from its API server')?.reason).toContain('format "1"');
  });
});

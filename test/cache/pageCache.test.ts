import { afterAll, describe, expect, it } from 'vitest';
import { PageCache, filterKey } from '../../src/cache/pageCache.js';
import { BUILTIN_KINDS, type KindInfo } from '../../src/kube/kinds.js';
import { parseLabelSelector } from '../../src/kube/labelSelector.js';
import type { KubeObject } from '../../src/kube/types.js';
import { ResourceStore } from '../../src/store/resourceStore.js';
import type { CompiledFilter } from '../../src/store/types.js';
import { removeDir, startCacheApp, startSim } from './support/cacheHarness.js';
import { gql } from './support/graphqlClient.js';
import { waitUntil } from '../helpers/wait.js';

const POD = BUILTIN_KINDS.find((k) => k.kind === 'Pod')!;
const CM = BUILTIN_KINDS.find((k) => k.kind === 'ConfigMap')!;

function filter(f: Partial<CompiledFilter> = {}): CompiledFilter {
  return { clusters: undefined, kindKeys: undefined, namespaces: undefined, selector: undefined, name: undefined, nameContains: undefined, status: undefined, ...f };
}

function obj(kind: KindInfo, ns: string, name: string, rv: number, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: kind.kind, metadata: { name, namespace: ns, uid: `${kind.kind}-${ns}-${name}`, resourceVersion: String(rv), labels } };
}

/** A small deterministic PRNG (mulberry32) so the sequence is the same on every run. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('page cache (L1 of query pages)', () => {
  it('answers a repeated query from the cache, and recomputes after any change of a collection the filter reads', () => {
    const store = new ResourceStore();
    const pods = store.sinkFor('c1', POD);
    const cms = store.sinkFor('c1', CM);
    for (let i = 0; i < 50; i++) pods.apply('ADDED', obj(POD, 'ns', `p${String(i).padStart(2, '0')}`, i + 1));
    cms.apply('ADDED', obj(CM, 'ns', 'cm', 100));
    const cache = new PageCache(store, { maxBytes: 1 << 20 });
    const podsOnly = filter({ clusters: new Set(['c1']), kindKeys: new Set(['Pod']) });

    const first = cache.query(podsOnly, { first: 10 });
    expect(cache.query(podsOnly, { first: 10 })).toBe(first);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, entries: 1 });

    // A change to a collection the filter does not read leaves the page valid.
    cms.apply('MODIFIED', obj(CM, 'ns', 'cm', 101));
    store.sinkFor('c2', POD).apply('ADDED', obj(POD, 'ns', 'elsewhere', 1));
    expect(cache.query(filter({ clusters: new Set(['c1']), kindKeys: new Set(['Pod']) }), { first: 10 })).toBe(first);

    // A change in the page: the next read sees it.
    pods.apply('MODIFIED', obj(POD, 'ns', 'p03', 999));
    const after = cache.query(podsOnly, { first: 10 });
    expect(after).not.toBe(first);
    expect(after.records[3].resourceVersion).toBe('999');
    // A change outside the page but in the collection also recomputes (totalCount, later pages may move).
    pods.apply('DELETED', obj(POD, 'ns', 'p40', 41));
    const afterDelete = cache.query(podsOnly, { first: 10 });
    expect(afterDelete.totalCount).toBe(49);
    expect(cache.stats()).toMatchObject({ hits: 2, misses: 3 });
  });

  it('a read never returns a state older than the store (seeded random reads and changes, compared with the store itself)', () => {
    const store = new ResourceStore();
    const cache = new PageCache(store, { maxBytes: 256 * 1024 });
    const random = rng(7);
    const kinds = [POD, CM];
    const filters: CompiledFilter[] = [
      filter(),
      filter({ clusters: new Set(['c1']) }),
      filter({ kindKeys: new Set(['Pod']) }),
      filter({ clusters: new Set(['c2']), kindKeys: new Set(['ConfigMap']) }),
      filter({ namespaces: new Set(['a']), selector: parseLabelSelector('tier=web') }),
      filter({ nameContains: '1' }),
    ];
    let rv = 1;
    for (let step = 0; step < 3000; step++) {
      if (random() < 0.45) {
        const cluster = random() < 0.5 ? 'c1' : 'c2';
        const kind = kinds[Math.floor(random() * 2)];
        const name = `o${Math.floor(random() * 40)}`;
        const ns = random() < 0.5 ? 'a' : 'b';
        const sink = store.sinkFor(cluster, kind);
        if (random() < 0.25) sink.apply('DELETED', obj(kind, ns, name, rv++));
        else sink.apply('ADDED', obj(kind, ns, name, rv++, { tier: random() < 0.5 ? 'web' : 'db' }));
        if (random() < 0.01) store.removeCluster(cluster);
      } else {
        const f = filters[Math.floor(random() * filters.length)];
        const first = 1 + Math.floor(random() * 8);
        const direct = store.query(f, { first });
        const page = cache.query(f, { first });
        expect(page.records.map((r) => `${r.clusterId}/${r.kind.kind}/${r.namespace}/${r.name}@${r.resourceVersion}`)).toEqual(
          direct.records.map((r) => `${r.clusterId}/${r.kind.kind}/${r.namespace}/${r.name}@${r.resourceVersion}`),
        );
        expect(page.cursors).toEqual(direct.cursors);
        expect([page.totalCount, page.hasNextPage]).toEqual([direct.totalCount, direct.hasNextPage]);
        if (direct.hasNextPage) {
          const next = cache.query(f, { first, after: direct.cursors.at(-1) });
          expect(next.records.map((r) => r.id)).toEqual(store.query(f, { first, after: direct.cursors.at(-1) }).records.map((r) => r.id));
        }
      }
    }
    const s = cache.stats();
    expect(s.hits).toBeGreaterThan(0);
    expect(s.bytes).toBeLessThanOrEqual(256 * 1024);
  });

  it('stays within its byte budget', () => {
    const store = new ResourceStore();
    const sink = store.sinkFor('c1', POD);
    for (let i = 0; i < 400; i++) sink.apply('ADDED', obj(POD, 'ns', `pod-${i}`, i + 1));
    const cache = new PageCache(store, { maxBytes: 64 * 1024 });
    let after: string | undefined;
    for (;;) {
      const page = cache.query(filter(), { first: 20, after });
      if (!page.hasNextPage) break;
      after = page.cursors.at(-1);
    }
    expect(cache.stats().bytes).toBeLessThanOrEqual(64 * 1024);
    expect(cache.stats().entries).toBeLessThan(20);
    expect(cache.stats().entries).toBeGreaterThan(0);
  });

  it('equal filters share an entry whatever the order of their sets', () => {
    expect(filterKey(filter({ clusters: new Set(['b', 'a']), kindKeys: new Set(['Pod', 'ConfigMap']) }))).toBe(
      filterKey(filter({ clusters: new Set(['a', 'b']), kindKeys: new Set(['ConfigMap', 'Pod']) })),
    );
    expect(filterKey(filter({ selector: parseLabelSelector('a=1,b in (x,y)') }))).toBe(filterKey(filter({ selector: parseLabelSelector('b in (y,x),a=1') })));
    expect(filterKey(filter({ name: 'x' }))).not.toBe(filterKey(filter({ nameContains: 'x' })));
  });
});

describe('L1 through GraphQL', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach(removeDir));

  it('resources pages and Resource.object come from L1 on repeat reads, a change is visible on the next read, hit ratios in /metrics', async () => {
    const sim = await startSim({ name: 'l1-gql', objects: 300, seed: 51 });
    const { app, dir } = await startCacheApp({ sims: [sim] });
    dirs.push(dir);
    try {
      await waitUntil(() => app.registry.get(sim.name)?.info().status === 'READY', 'READY', 30_000);
      const url = app.server!.url;
      const q = `{ resources(filter: { kinds: ["ConfigMap"], namespaces: ["default"] }, first: 50) { totalCount edges { node { name resourceVersion object } } } }`;
      const before = app.pages.stats();
      const r1 = await gql<{ resources: { totalCount: number; edges: Array<{ node: { name: string; resourceVersion: string } }> } }>(url, q);
      const r2 = await gql<typeof r1.data>(url, q);
      expect(r2.data).toEqual(r1.data);
      expect(app.pages.stats().hits - before.hits).toBe(1);
      const created = sim.store.create('ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'aaa-first', namespace: 'default' }, data: {} });
      await waitUntil(() => app.store.get(sim.name, 'ConfigMap', 'default', 'aaa-first'), 'the new ConfigMap in the store');
      const r3 = await gql<typeof r1.data>(url, q);
      expect(r3.data!.resources.totalCount).toBe(r1.data!.resources.totalCount + 1);
      expect(r3.data!.resources.edges[0].node).toMatchObject({ name: 'aaa-first', resourceVersion: created.metadata.resourceVersion });

      const metrics = await fetch(url.replace('/graphql', '/metrics')).then((r) => r.text());
      const value = (re: RegExp) => Number(re.exec(metrics)?.[1] ?? 'NaN');
      expect(value(/^kubeatlas_cache_l1_lookups_total\{cache="pages",result="hit"\} (\d+)$/m)).toBeGreaterThanOrEqual(1);
      expect(value(/^kubeatlas_cache_l1_lookups_total\{cache="objects",result="hit"\} (\d+)$/m)).toBeGreaterThanOrEqual(1);
      const pagesRatio = value(/^kubeatlas_cache_l1_hit_ratio\{cache="pages"\} ([\d.e-]+)$/m);
      expect(pagesRatio).toBeGreaterThan(0);
      expect(pagesRatio).toBeLessThanOrEqual(1);
      expect(value(/^kubeatlas_cache_l1_bytes\{cache="pages"\} (\d+)$/m)).toBeGreaterThan(0);
    } finally {
      await app.close();
      await sim.close();
    }
  }, 60_000);
});

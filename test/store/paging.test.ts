import { describe, expect, it } from 'vitest';
import { isKubeatlasError } from '../../src/util/errors.js';
import { compileFilter } from '../../src/store/filter.js';
import { ResourceStore } from '../../src/store/resourceStore.js';
import type { CompiledFilter, Page, ResourceRecord } from '../../src/store/types.js';
import { CONFIGMAP, DEPLOYMENT, NODE, POD, pick, pod, rng } from './helpers.js';

const ALL: CompiledFilter = compileFilter({}, []);
const keyOf = (r: ResourceRecord) => `${r.clusterId}|${r.namespace}|${r.name}|${r.kind.kind}`;

function walk(store: ResourceStore, filter: CompiledFilter, first: number): { records: ResourceRecord[]; pages: Page[] } {
  const records: ResourceRecord[] = [];
  const pages: Page[] = [];
  let after: string | undefined;
  for (let i = 0; i < 100_000; i++) {
    const page = store.query(filter, { first, after });
    pages.push(page);
    records.push(...page.records);
    if (!page.hasNextPage) break;
    after = page.cursors.at(-1);
  }
  return { records, pages };
}

/** Several clusters, kinds, namespaces; names shared between kinds so the kindKey tie-break matters. */
function populated(): ResourceStore {
  const store = new ResourceStore({ maxPageSize: 100 });
  const r = rng(7);
  for (const cluster of ['zeta', 'alpha', 'mid']) {
    const pods = store.sinkFor(cluster, POD);
    const cms = store.sinkFor(cluster, CONFIGMAP);
    const deploys = store.sinkFor(cluster, DEPLOYMENT);
    const nodes = store.sinkFor(cluster, NODE);
    for (let i = 0; i < 120; i++) {
      const ns = pick(r, ['default', 'kube-system', 'team-a', 'Team-B']);
      const name = `app-${Math.floor(r() * 60)}`;
      const target = pick(r, [pods, pods, cms, deploys]);
      const obj = pod({ namespace: ns, name, uid: `${cluster}-${i}`, labels: { app: name } });
      target.apply('ADDED', obj);
    }
    for (let i = 0; i < 5; i++) nodes.apply('ADDED', { apiVersion: 'v1', kind: 'Node', metadata: { name: `node-${i}`, uid: `${cluster}-node-${i}`, resourceVersion: '1' } });
  }
  return store;
}

function sortedKeys(store: ResourceStore): string[] {
  const all: ResourceRecord[] = [];
  // every record, through the id space (ids are small and sequential here)
  for (let id = 1; id < 10_000; id++) {
    const r = store.getById(id);
    if (r) all.push(r);
  }
  const kk = (r: ResourceRecord) => (r.kind.group ? `${r.kind.group}/${r.kind.kind}` : r.kind.kind);
  all.sort((a, b) => {
    for (const [x, y] of [
      [a.clusterId, b.clusterId],
      [a.namespace, b.namespace],
      [a.name, b.name],
      [kk(a), kk(b)],
    ]) if (x !== y) return x < y ? -1 : 1;
    return 0;
  });
  return all.map(keyOf);
}

describe('paging', () => {
  it('walking all pages yields every object exactly once, in (cluster, namespace, name, kindKey) order', () => {
    const store = populated();
    const expected = sortedKeys(store);
    expect(expected.length).toBe(store.size);
    for (const first of [1, 7, 50, 100]) {
      const { records, pages } = walk(store, ALL, first);
      expect(records.map(keyOf)).toEqual(expected);
      for (const p of pages) {
        expect(p.totalCount).toBe(store.size);
        expect(p.cursors).toHaveLength(p.records.length);
      }
      expect(pages.at(-1)!.hasNextPage).toBe(false);
      expect(pages.slice(0, -1).every((p) => p.hasNextPage && p.records.length === first)).toBe(true);
    }
    // cluster-scoped objects (namespace "") sort before namespaced ones of the same cluster
    const firstPage = store.query(ALL, { first: 5 });
    expect(firstPage.records.map((x) => `${x.clusterId}/${x.name}`)).toEqual(['alpha/node-0', 'alpha/node-1', 'alpha/node-2', 'alpha/node-3', 'alpha/node-4']);
  });

  it('a name shared by several kinds is ordered by kindKey and a cursor between them resumes exactly', () => {
    const store = new ResourceStore();
    for (const k of [POD, CONFIGMAP, DEPLOYMENT]) store.sinkFor('c1', k).apply('ADDED', pod({ name: 'web', uid: k.kind }));
    const p1 = store.query(ALL, { first: 1 });
    expect(p1.records.map((r) => r.kind.kind)).toEqual(['ConfigMap']);
    const p2 = store.query(ALL, { first: 1, after: p1.cursors[0] });
    expect(p2.records.map((r) => r.kind.kind)).toEqual(['Pod']);
    const p3 = store.query(ALL, { first: 5, after: p2.cursors[0] });
    expect(p3.records.map((r) => r.kind.kind)).toEqual(['Deployment']);
    expect(p3.hasNextPage).toBe(false);
  });

  it('cursors survive concurrent inserts and deletes', () => {
    const store = new ResourceStore();
    const sink = store.sinkFor('c1', POD);
    for (const n of ['b', 'd', 'f', 'h', 'j']) sink.apply('ADDED', pod({ name: n }));
    const p1 = store.query(ALL, { first: 2 });
    expect(p1.records.map((r) => r.name)).toEqual(['b', 'd']);
    const cursor = p1.cursors[1];
    sink.apply('ADDED', pod({ name: 'a' })); // before the cursor: not on later pages
    sink.apply('ADDED', pod({ name: 'e' })); // after the cursor: shows up
    sink.apply('DELETED', pod({ name: 'f' })); // gone: not shown
    sink.apply('DELETED', pod({ name: 'd' })); // the cursor's own object: the cursor still positions
    const p2 = store.query(ALL, { first: 2, after: cursor });
    expect(p2.records.map((r) => r.name)).toEqual(['e', 'h']);
    expect(p2.totalCount).toBe(5);
    const p3 = store.query(ALL, { first: 2, after: p2.cursors[1] });
    expect(p3.records.map((r) => r.name)).toEqual(['j']);
    expect(p3.hasNextPage).toBe(false);
  });

  it('cursors keep working across a cluster removal and with clusters inserted before the cursor', () => {
    const store = new ResourceStore();
    for (const c of ['c1', 'c2', 'c3']) for (const n of ['x', 'y']) store.sinkFor(c, POD).apply('ADDED', pod({ name: n, uid: `${c}${n}` }));
    const p1 = store.query(ALL, { first: 3 });
    expect(p1.records.map((r) => `${r.clusterId}/${r.name}`)).toEqual(['c1/x', 'c1/y', 'c2/x']);
    store.removeCluster('c2');
    store.sinkFor('c0', POD).apply('ADDED', pod({ name: 'x', uid: 'c0x' }));
    const p2 = store.query(ALL, { first: 10, after: p1.cursors[2] });
    expect(p2.records.map((r) => `${r.clusterId}/${r.name}`)).toEqual(['c3/x', 'c3/y']);
    expect(p2.totalCount).toBe(5);
  });

  it('randomized: pages under churn never repeat or skip objects that existed throughout', () => {
    const r = rng(42);
    const store = new ResourceStore();
    const sink = store.sinkFor('c1', POD);
    const live = new Set<string>();
    for (let i = 0; i < 400; i++) {
      const n = `p-${String(i).padStart(4, '0')}`;
      sink.apply('ADDED', pod({ name: n, namespace: pick(r, ['a', 'b']) }));
      live.add(n);
    }
    const stable = new Set(live);
    const seen: string[] = [];
    let after: string | undefined;
    for (let guard = 0; guard < 1000; guard++) {
      const page = store.query(ALL, { first: 13, after });
      seen.push(...page.records.map((x) => `${x.namespace}/${x.name}`));
      // churn between pages: delete some, add some
      for (let k = 0; k < 5; k++) {
        const victim = pick(r, [...live]);
        const rec = store.query(compileFilter({ name: victim }, []), { first: 1 }).records[0];
        if (rec) sink.apply('DELETED', pod({ name: victim, namespace: rec.namespace }));
        live.delete(victim);
        stable.delete(victim);
        const n = `q-${guard}-${k}`;
        sink.apply('ADDED', pod({ name: n, namespace: pick(r, ['a', 'b']) }));
        live.add(n);
      }
      if (!page.hasNextPage) break;
      after = page.cursors.at(-1);
    }
    expect(new Set(seen).size).toBe(seen.length);
    const sorted = [...seen].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    expect(seen).toEqual(sorted);
    const seenNames = new Set(seen.map((s) => s.split('/')[1]));
    for (const n of stable) expect(seenNames.has(n)).toBe(true);
  });

  it('totalCount and hasNextPage with filters; first: 0 counts only', () => {
    const store = populated();
    const f = compileFilter({ clusters: ['mid'], kinds: ['Pod'], namespaces: ['team-a', 'default'] }, store.knownKinds());
    const { records } = walk(store, f, 4);
    expect(records.every((r) => r.clusterId === 'mid' && r.kind.kind === 'Pod' && ['team-a', 'default'].includes(r.namespace))).toBe(true);
    const zero = store.query(f, { first: 0 });
    expect(zero.records).toEqual([]);
    expect(zero.totalCount).toBe(records.length);
    expect(zero.hasNextPage).toBe(records.length > 0);
    expect(store.count(f)).toBe(records.length);
    const none = store.query(compileFilter({ clusters: ['nope'] }, []), { first: 10 });
    expect(none).toEqual({ records: [], cursors: [], hasNextPage: false, totalCount: 0 });
  });

  it('first above the maximum page size, negative or fractional is BAD_USER_INPUT (field "first")', () => {
    const store = new ResourceStore({ maxPageSize: 100 });
    expect(store.query(ALL, { first: 100 }).records).toEqual([]);
    for (const first of [101, -1, 1.5, Number.NaN]) {
      try {
        store.query(ALL, { first });
        expect.unreachable(`first=${first} accepted`);
      } catch (e) {
        expect(isKubeatlasError(e) && e.code).toBe('BAD_USER_INPUT');
        expect(isKubeatlasError(e) && e.details.field).toBe('first');
      }
    }
    expect(() => new ResourceStore().query(ALL, { first: 501 })).toThrow(/between 0 and 500/);
  });

  it('a cursor that is not ours is BAD_USER_INPUT (field "after")', () => {
    const store = new ResourceStore();
    for (const after of ['garbage', Buffer.from('[1,2,3]').toString('base64url'), Buffer.from('{"a":1}').toString('base64url'), '']) {
      if (after === '') {
        expect(store.query(ALL, { first: 1, after }).records).toEqual([]);
        continue;
      }
      try {
        store.query(ALL, { first: 1, after });
        expect.unreachable(`cursor ${after} accepted`);
      } catch (e) {
        expect(isKubeatlasError(e) && e.code).toBe('BAD_USER_INPUT');
        expect(isKubeatlasError(e) && e.details.field).toBe('after');
      }
    }
  });

  it('status and nameContains filters page in order and count', () => {
    const store = new ResourceStore();
    const sink = store.sinkFor('c1', POD);
    for (let i = 0; i < 50; i++) sink.apply('ADDED', pod({ name: `web-${String(i).padStart(2, '0')}`, phase: i % 3 === 0 ? 'Running' : 'Pending' }));
    const running = walk(store, compileFilter({ status: 'Running' }, []), 4).records;
    expect(running.map((r) => r.name)).toEqual(Array.from({ length: 17 }, (_, k) => `web-${String(k * 3).padStart(2, '0')}`));
    expect(store.count(compileFilter({ status: 'Running' }, []))).toBe(17);
    expect(store.count(compileFilter({ status: 'Running', nameContains: '-1' }, []))).toBe(['web-12', 'web-15', 'web-18'].length);
    expect(store.count(compileFilter({ status: 'CrashLoopBackOff' }, []))).toBe(0);
    sink.apply('MODIFIED', pod({ name: 'web-00', rv: 2, phase: 'Failed' }));
    expect(store.count(compileFilter({ status: 'Running' }, []))).toBe(16);
    expect(store.query(compileFilter({ status: 'Failed' }, []), { first: 5 }).records.map((r) => r.name)).toEqual(['web-00']);
  });
});

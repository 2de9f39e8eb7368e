import { describe, expect, it } from 'vitest';
import { parseLabelSelector } from '../../src/kube/labelSelector.js';
import type { Collection } from '../../src/store/collection.js';
import { ResourceStore } from '../../src/store/resourceStore.js';
import { POD, pick, pod, rng } from './helpers.js';

/**
 * A bulk load into an empty collection leaves the label index out and
 * builds it afterwards, a namespace at a time, while changes keep coming;
 * selectors must answer exactly as with an index kept live all along.
 */

const NAMESPACES = ['ns-a', 'ns-b', 'ns-c', 'ns-d', 'ns-e'];
const SELECTORS = ['app=a', 'app in (b,c)', 'tier', '!tier', 'app=a,tier=fe', 'app!=b', 'tier notin (be)'];

function labels(r: () => number): Record<string, string> {
  const out: Record<string, string> = { app: pick(r, ['a', 'b', 'c']) };
  if (r() < 0.5) out.tier = pick(r, ['fe', 'be']);
  return out;
}

/** The store's collection of a cluster's pods (white-box: the test drives its index steps). */
function podCollection(store: ResourceStore, clusterId: string): Collection {
  const clusters = (store as unknown as { clusters: Map<string, { collections: Map<string, Collection> }> }).clusters;
  return clusters.get(clusterId)!.collections.get('Pod')!;
}

describe('deferred label index', () => {
  it('after a replace into an empty collection, built step by step under changes, selects what a live index selects', () => {
    const r = rng(7);
    const live = new ResourceStore();
    const bulk = new ResourceStore();
    const liveSink = live.sinkFor('c1', POD);
    const bulkSink = bulk.sinkFor('c1', POD);
    const model = new Map<string, { namespace: string; name: string; labels: Record<string, string> }>();
    let rv = 1;
    bulkSink.beginReplace();
    for (let i = 0; i < 1500; i++) {
      const e = { namespace: pick(r, NAMESPACES), name: `p-${i}`, labels: labels(r) };
      model.set(`${e.namespace}/${e.name}`, e);
      const obj = pod({ namespace: e.namespace, name: e.name, rv: rv++, labels: e.labels });
      liveSink.apply('ADDED', obj);
      bulkSink.replaceItem(obj);
    }
    bulkSink.endReplace(String(rv));
    const coll = podCollection(bulk, 'c1');
    expect(coll.labelsIndexed, 'the load left the index out').toBe(false);

    // churn, with one namespace indexed every 100 changes: records change in indexed and unindexed namespaces
    let steps = 0;
    for (let i = 0; i < 800; i++) {
      if (i % 100 === 0 && !coll.labelsIndexed) {
        coll.indexLabelsStep();
        steps++;
      }
      const keys = [...model.keys()];
      const roll = r();
      let type: 'ADDED' | 'MODIFIED' | 'DELETED';
      let e: { namespace: string; name: string; labels: Record<string, string> };
      if (roll < 0.5) {
        e = model.get(pick(r, keys))!;
        e.labels = labels(r);
        type = 'MODIFIED';
      } else if (roll < 0.75) {
        e = model.get(pick(r, keys))!;
        model.delete(`${e.namespace}/${e.name}`);
        type = 'DELETED';
      } else {
        e = { namespace: pick(r, NAMESPACES), name: `q-${i}`, labels: labels(r) };
        model.set(`${e.namespace}/${e.name}`, e);
        type = 'ADDED';
      }
      const obj = pod({ namespace: e.namespace, name: e.name, rv: rv++, labels: e.labels });
      liveSink.apply(type, obj);
      bulkSink.apply(type, obj);
    }
    expect(steps, 'the build was interleaved with the changes').toBeGreaterThan(2);
    expect(coll.labelsIndexed, 'five namespaces, at most five steps').toBe(true);

    const idsOf = (store: ResourceStore, sel: string, ns: string | undefined) =>
      store.selectIds('c1', 'Pod', ns, parseLabelSelector(sel)).map((id) => {
        const rec = store.getById(id)!;
        return `${rec.namespace}/${rec.name}`;
      });
    for (const sel of SELECTORS) {
      const parsed = parseLabelSelector(sel);
      for (const ns of [undefined, ...NAMESPACES]) {
        const expected = [...model.values()].filter((e) => (ns === undefined || e.namespace === ns) && parsed.matches(e.labels)).map((e) => `${e.namespace}/${e.name}`).sort();
        expect(idsOf(bulk, sel, ns).sort(), `${sel} in ${ns ?? 'all'}`).toEqual(expected);
        expect(idsOf(live, sel, ns).sort()).toEqual(expected);
      }
    }
  });

  it('a selector query before the background build completes the index first', () => {
    const store = new ResourceStore();
    const sink = store.sinkFor('c1', POD);
    sink.beginReplace();
    for (let i = 0; i < 300; i++) sink.replaceItem(pod({ namespace: NAMESPACES[i % 5], name: `p-${i}`, rv: i + 1, labels: { app: i % 3 === 0 ? 'a' : 'b' } }));
    sink.endReplace('301');
    const coll = podCollection(store, 'c1');
    expect(coll.labelsIndexed).toBe(false);
    expect(store.selectIds('c1', 'Pod', undefined, parseLabelSelector('app=a'))).toHaveLength(100);
    expect(coll.labelsIndexed).toBe(true);
  });

  it('is completed in the background without any reader', async () => {
    const store = new ResourceStore();
    const sink = store.sinkFor('c1', POD);
    sink.beginReplace();
    for (let i = 0; i < 3000; i++) sink.replaceItem(pod({ namespace: `ns-${i % 40}`, name: `p-${i}`, rv: i + 1, labels: { app: `a${i % 7}` } }));
    sink.endReplace('3001');
    const coll = podCollection(store, 'c1');
    expect(coll.labelsIndexed).toBe(false);
    const deadline = Date.now() + 3000;
    while (!coll.labelsIndexed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(coll.labelsIndexed).toBe(true);
  });

  it('a replace into a collection that holds objects keeps its index live', () => {
    const store = new ResourceStore();
    const sink = store.sinkFor('c1', POD);
    sink.apply('ADDED', pod({ name: 'first', rv: 1, labels: { app: 'a' } }));
    sink.beginReplace();
    sink.replaceItem(pod({ name: 'second', rv: 2, labels: { app: 'a' } }));
    expect(podCollection(store, 'c1').labelsIndexed).toBe(true);
    sink.endReplace('2');
    expect(store.selectIds('c1', 'Pod', undefined, parseLabelSelector('app=a'))).toHaveLength(1);
  });
});

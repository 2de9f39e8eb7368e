import { describe, expect, it } from 'vitest';
import { parseLabelSelector } from '../../src/kube/labelSelector.js';
import { compileFilter } from '../../src/store/filter.js';
import { ResourceStore } from '../../src/store/resourceStore.js';
import type { ResourceRecord } from '../../src/store/types.js';
import { CONFIGMAP, POD, pick, pod, rng } from './helpers.js';

const KEYS = ['app', 'tier', 'env', 'rare', 'version'];
const VALUES: Record<string, string[]> = {
  app: ['a', 'b', 'c', 'd', 'e'],
  tier: ['fe', 'be'],
  env: ['prod', 'dev', 'qa'],
  rare: ['x', 'y'],
  version: ['1', '2', '3', '10'],
};
const NAMESPACES = ['ns-a', 'ns-b', 'ns-c', 'ns-d'];
const CLUSTERS = ['c1', 'c2'];
const KINDS = [POD, CONFIGMAP];

function randomLabels(r: () => number): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const k of KEYS) {
    const p = k === 'rare' ? 0.02 : k === 'app' ? 0.9 : 0.5;
    if (r() < p) labels[k] = pick(r, VALUES[k]);
  }
  return labels;
}

function randomRequirement(r: () => number): string {
  const k = pick(r, [...KEYS, 'missing']);
  const vs = VALUES[k] ?? ['z'];
  const v = () => pick(r, vs);
  switch (Math.floor(r() * 8)) {
    case 0:
      return `${k}=${v()}`;
    case 1:
      return `${k}==${v()}`;
    case 2:
      return `${k}!=${v()}`;
    case 3:
      return `${k} in (${v()},${v()})`;
    case 4:
      return `${k} notin (${v()})`;
    case 5:
      return k;
    case 6:
      return `!${k}`;
    default:
      return k === 'version' ? `version${r() < 0.5 ? '>' : '<'}${pick(r, ['1', '2', '5'])}` : `${k} in (${v()})`;
  }
}

function randomSelector(r: () => number): string {
  const n = Math.floor(r() * 3) + (r() < 0.1 ? 0 : 1);
  const reqs = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    const req = randomRequirement(r);
    reqs.set(req, req);
  }
  return [...reqs.keys()].join(',');
}

interface ModelEntry {
  cluster: string;
  kindKey: string;
  namespace: string;
  name: string;
  labels: Record<string, string>;
}

const byQueryOrder = (a: ResourceRecord, b: ResourceRecord) =>
  a.clusterId < b.clusterId ? -1 : a.clusterId > b.clusterId ? 1 : a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : a.kind.kind < b.kind.kind ? -1 : a.kind.kind > b.kind.kind ? 1 : 0;

describe('label selectors through the indexes equal a brute-force scan (seeded random data)', () => {
  // materializeLimit 0: every namespace is scanned; default: every namespace is sorted (the data is small)
  for (const [seed, materializeLimit] of [[1, undefined], [2, 0], [3, undefined], [4, 0]] as const) {
    it(`seed ${seed}, ${materializeLimit === 0 ? 'scanning' : 'sorting'} candidates`, () => {
      const r = rng(seed);
      const store = new ResourceStore({ selectorMaterializeLimit: materializeLimit });
      const model = new Map<string, ModelEntry>();
      const sinks = new Map<string, ReturnType<ResourceStore['sinkFor']>>();
      for (const c of CLUSTERS) for (const k of KINDS) sinks.set(`${c}/${k.kind}`, store.sinkFor(c, k));
      let rv = 1;
      const write = (e: ModelEntry, type: 'ADDED' | 'MODIFIED' | 'DELETED') => {
        const obj = pod({ namespace: e.namespace, name: e.name, rv: rv++, labels: e.labels, uid: `${e.cluster}-${e.kindKey}-${e.namespace}-${e.name}` });
        obj.kind = e.kindKey;
        sinks.get(`${e.cluster}/${e.kindKey}`)!.apply(type, obj);
      };
      // initial load
      for (let i = 0; i < 2500; i++) {
        const e: ModelEntry = { cluster: pick(r, CLUSTERS), kindKey: r() < 0.8 ? 'Pod' : 'ConfigMap', namespace: pick(r, NAMESPACES), name: `obj-${i}`, labels: randomLabels(r) };
        model.set(`${e.cluster}/${e.kindKey}/${e.namespace}/${e.name}`, e);
        write(e, 'ADDED');
      }
      const check = (round: number) => {
        for (let q = 0; q < 40; q++) {
          const selector = randomSelector(r);
          const parsed = parseLabelSelector(selector);
          const cluster = pick(r, CLUSTERS);
          const kindKey = r() < 0.8 ? 'Pod' : 'ConfigMap';
          const ns = r() < 0.5 ? pick(r, NAMESPACES) : undefined;
          const expected = [...model.values()]
            .filter((e) => e.cluster === cluster && e.kindKey === kindKey && (ns === undefined || e.namespace === ns) && parsed.matches(e.labels))
            .map((e) => store.get(e.cluster, e.kindKey, e.namespace, e.name)!.id)
            .sort((a, b) => a - b);
          expect(store.selectIds(cluster, kindKey, ns, parsed), `round ${round} selectIds ${selector} ${cluster}/${kindKey}/${ns}`).toEqual(expected);

          // the same through query(): every page, in order, and the count
          const namespaces = r() < 0.5 ? [pick(r, NAMESPACES), pick(r, NAMESPACES)] : undefined;
          const filter = compileFilter({ labelSelector: selector, namespaces }, store.knownKinds());
          const wanted = [...model.values()].filter((e) => (namespaces === undefined || namespaces.includes(e.namespace)) && parsed.matches(e.labels));
          // small pages too, but at most ~25 pages per query to keep the test fast
          const first = Math.max(pick(r, [1, 7, 50, 500]), Math.ceil(wanted.length / 25));
          const seen: ResourceRecord[] = [];
          let after: string | undefined;
          let totalCount = -1;
          for (let guard = 0; guard < 10_000; guard++) {
            const page = store.query(filter, { first, after });
            seen.push(...page.records);
            totalCount = page.totalCount;
            if (!page.hasNextPage) break;
            after = page.cursors[page.cursors.length - 1];
          }
          const expectedRecords = wanted.map((e) => store.get(e.cluster, e.kindKey, e.namespace, e.name)!).sort(byQueryOrder);
          expect(seen.map((x) => x.id), `round ${round} query ${selector} ns=${namespaces} first=${first}`).toEqual(expectedRecords.map((x) => x.id));
          expect(totalCount).toBe(wanted.length);
          expect(store.count(filter)).toBe(wanted.length);
        }
      };
      check(0);
      // churn: relabel, delete, add; then check again
      const keys = [...model.keys()];
      for (let i = 0; i < 1500; i++) {
        const key = pick(r, keys);
        const e = model.get(key);
        const roll = r();
        if (e && roll < 0.6) {
          e.labels = randomLabels(r);
          write(e, 'MODIFIED');
        } else if (e && roll < 0.8) {
          model.delete(key);
          write(e, 'DELETED');
        } else {
          const n: ModelEntry = { cluster: pick(r, CLUSTERS), kindKey: 'Pod', namespace: pick(r, NAMESPACES), name: `new-${i}`, labels: randomLabels(r) };
          model.set(`${n.cluster}/${n.kindKey}/${n.namespace}/${n.name}`, n);
          write(n, 'ADDED');
        }
      }
      check(1);
      expect(store.size).toBe(model.size);
    });
  }
});

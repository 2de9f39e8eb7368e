import { describe, expect, it } from 'vitest';
import { kindKey } from '../../src/kube/kinds.js';
import type { KubeObject } from '../../src/kube/types.js';
import { RelationGraph } from '../../src/relations/relationGraph.js';
import { selectorOf } from '../../src/relations/rules/selects.js';
import type { Relation } from '../../src/relations/types.js';
import type { ResourceReader } from '../../src/store/types.js';
import { newCatalog } from './helpers/catalog.js';
import { Prng } from './helpers/prng.js';
import { allRecords } from './helpers/records.js';
import { randomObject, UNIVERSE, type Slot } from './helpers/universe.js';

const CLUSTERS = ['c1', 'c2'];
const STEPS = 1500;
const CHECK_EVERY = 50;

const comparable = (rels: Relation[]) => rels.map((r) => ({ type: r.type, direction: r.direction, other: r.other, otherId: r.otherRecord?.id }));

/** The incremental graph must equal one rebuilt from the same catalog, and SELECTS must equal a brute-force match. */
function check(graph: RelationGraph, reader: ResourceReader, context: string): void {
  const rebuilt = new RelationGraph(reader);
  try {
    expect(graph.snapshot(), context).toEqual(rebuilt.snapshot());
    // approxBytes depends on history (pool capacity), edges and unresolved must not
    const { edges, unresolved } = graph.stats();
    expect({ edges, unresolved }, context).toEqual({ edges: rebuilt.stats().edges, unresolved: rebuilt.stats().unresolved });
    const records = allRecords(reader);
    for (const r of records) {
      expect(comparable(graph.relations(r, { direction: 'BOTH' })), `${context}: relations of ${r.kind.kind} ${r.namespace}/${r.name}`).toEqual(
        comparable(rebuilt.relations(r, { direction: 'BOTH' })),
      );
      const sel = selectorOf(reader.objectOf(r), kindKey(r.kind));
      if (sel) {
        const expected = records
          .filter((p) => p.kind.kind === 'Pod' && p.kind.group === '' && p.clusterId === r.clusterId && p.namespace === r.namespace && sel.matches(p.labels))
          .map((p) => p.id)
          .sort((a, b) => a - b);
        const actual = graph
          .relations(r, { direction: 'OUTGOING', types: ['SELECTS'] })
          .map((x) => x.otherRecord!.id)
          .sort((a, b) => a - b);
        expect(actual, `${context}: SELECTS of ${r.kind.kind} ${r.namespace}/${r.name}`).toEqual(expected);
      }
    }
  } finally {
    rebuilt.close();
  }
}

describe('incremental graph == graph rebuilt from scratch', () => {
  for (const seed of [1, 7, 42, 1234]) {
    it(`after ${STEPS} random changes (seed ${seed})`, () => {
      const rng = new Prng(seed);
      const catalog = newCatalog();
      const graph = new RelationGraph(catalog.reader);
      const present = new Map<string, KubeObject>();
      const uids = new Map<string, string>();
      let created = 0;
      let deleted = 0;
      let relabelled = 0;
      for (let step = 1; step <= STEPS; step++) {
        const cluster = rng.pick(CLUSTERS);
        const s: Slot = rng.pick(UNIVERSE);
        const key = `${cluster}/${s.key}`;
        const uidOf = (kind: string, ns: string, name: string) => uids.get(`${cluster}/${kind}/${ns}/${name}`) ?? `never-${kind}-${ns}-${name}`;
        const current = present.get(key);
        if (!current) {
          const uid = `${cluster}-${seed}-${step}`;
          uids.set(key, uid);
          const o = randomObject(rng, s, uid, uidOf);
          catalog.add(o, cluster);
          present.set(key, o);
          created++;
        } else if (rng.chance(0.3)) {
          catalog.remove(current, cluster);
          present.delete(key);
          deleted++;
        } else if (s.kind === 'Pod' && rng.chance(0.5)) {
          // a pod change that only touches labels (or nothing the graph reads: a status update)
          const labels = rng.chance(0.5) ? randomObject(rng, s, current.metadata.uid!, uidOf).metadata.labels : current.metadata.labels;
          const o = { ...current, metadata: { ...current.metadata, labels }, status: { phase: rng.pick(['Running', 'Succeeded']) } };
          catalog.modify(o, cluster);
          present.set(key, o);
          relabelled++;
        } else {
          const o = randomObject(rng, s, current.metadata.uid!, uidOf);
          catalog.modify(o, cluster);
          present.set(key, o);
        }
        if (step % CHECK_EVERY === 0) check(graph, catalog.reader, `seed ${seed} step ${step}`);
      }
      expect(created).toBeGreaterThan(200);
      expect(deleted).toBeGreaterThan(100);
      expect(relabelled).toBeGreaterThan(50);
      const { edges, unresolved } = graph.stats();
      expect(edges).toBeGreaterThan(100);
      expect(unresolved).toBeGreaterThan(0);
      expect(unresolved).toBeLessThan(edges);
      graph.close();
    });
  }
});

import { beforeAll, describe, expect, it } from 'vitest';
import { kindKey, type KindInfo } from '../../src/kube/kinds.js';
import type { KubeObject } from '../../src/kube/types.js';
import { RelationGraph } from '../../src/relations/relationGraph.js';
import { selectorOf } from '../../src/relations/rules/selects.js';
import { createSimStore } from '../../src/sim/store.js';
import { bootstrapCluster } from '../../src/sim/workload/bootstrap.js';
import { seedWorkload } from '../../src/sim/workload/seed.js';
import { ResourceStore } from '../../src/store/resourceStore.js';
import type { ResourceRecord } from '../../src/store/types.js';
import type { ReflectorSink } from '../../src/watch/sink.js';
import { Prng } from './helpers/prng.js';
import { allRecords } from './helpers/records.js';

/**
 * The graph on the simulator's realistic workload (about 5000 objects of 27
 * kinds), loaded through the real store's sinks like a reflector's initial
 * list, then put through a seeded churn: the relationships a user relies on
 * hold, and the incrementally maintained graph equals a rebuilt one.
 */

const CLUSTER = 'sim-1';
const OBJECTS = 5000;

interface Loaded {
  store: ResourceStore;
  graph: RelationGraph;
  sink: (kind: KindInfo) => ReflectorSink;
  byKind: Map<string, { kind: KindInfo; objects: KubeObject[] }>;
}

let loaded: Loaded;

beforeAll(() => {
  const sim = createSimStore();
  bootstrapCluster(sim, { clusterName: CLUSTER, seed: 3 });
  seedWorkload(sim, { clusterName: CLUSTER, seed: 3, objects: OBJECTS });
  const store = new ResourceStore();
  const graph = new RelationGraph(store);
  const sinks = new Map<string, ReflectorSink>();
  const sink = (kind: KindInfo) => {
    let s = sinks.get(kindKey(kind));
    if (!s) sinks.set(kindKey(kind), (s = store.sinkFor(CLUSTER, kind)));
    return s;
  };
  const byKind = new Map<string, { kind: KindInfo; objects: KubeObject[] }>();
  for (const k of sim.kinds()) {
    const objects = sim.list(k);
    if (objects.length === 0) continue;
    const kind: KindInfo = { group: k.group, version: k.version, kind: k.kind, plural: k.plural, namespaced: k.namespaced };
    byKind.set(kindKey(kind), { kind, objects });
    const s = sink(kind);
    s.beginReplace();
    for (const o of objects) s.replaceItem(o);
    s.endReplace(String(sim.resourceVersion));
  }
  loaded = { store, graph, sink, byKind };
}, 60_000);

const rels = (r: ResourceRecord, opts: Parameters<RelationGraph['relations']>[1]) => loaded.graph.relations(r, opts);
const records = (kk: string) => allRecords(loaded.store).filter((r) => kindKey(r.kind) === kk);

describe('RelationGraph on the simulated workload', () => {
  it('loads thousands of objects with every relation type and few dangling references', () => {
    const { edges, unresolved } = loaded.graph.stats();
    expect(loaded.store.size).toBeGreaterThan(OBJECTS * 0.9);
    expect(edges).toBeGreaterThan(loaded.store.size * 3);
    // the generator makes a consistent cluster: almost every reference names an object that exists
    expect(unresolved / edges).toBeLessThan(0.05);
    const seen = new Set<string>();
    for (const r of allRecords(loaded.store)) for (const x of rels(r, { direction: 'OUTGOING' })) seen.add(x.type);
    expect([...seen].sort()).toEqual(['BINDS', 'BOUND_TO', 'EVENT_FOR', 'MANAGES', 'OWNED_BY', 'ROUTES_TO', 'RUNS_ON', 'SCALES', 'SELECTS', 'USES']);
  });

  it('every scheduled pod runs on a Node of the catalog, every Deployment pod is managed by its Deployment', () => {
    const pods = records('Pod');
    let scheduled = 0;
    let deploymentPods = 0;
    for (const pod of pods) {
      const o = loaded.store.objectOf(pod);
      const nodeName = (o.spec as { nodeName?: string }).nodeName;
      const runsOn = rels(pod, { direction: 'OUTGOING', types: ['RUNS_ON'] });
      if (nodeName) {
        scheduled++;
        expect(runsOn.map((x) => [x.other.name, x.otherRecord?.kind.kind])).toEqual([[nodeName, 'Node']]);
      } else expect(runsOn).toEqual([]);
      const owner = o.metadata.ownerReferences?.find((ref) => ref.controller);
      if (owner?.kind === 'ReplicaSet') {
        const rs = loaded.store.getByUid(CLUSTER, owner.uid);
        const dep = rs && loaded.store.objectOf(rs).metadata.ownerReferences?.find((ref) => ref.kind === 'Deployment');
        if (dep) {
          deploymentPods++;
          expect(rels(pod, { direction: 'INCOMING', types: ['MANAGES'] }).map((x) => x.otherRecord?.uid)).toEqual([dep.uid]);
        }
      }
    }
    expect(scheduled).toBeGreaterThan(pods.length / 2);
    expect(deploymentPods).toBeGreaterThan(pods.length / 4);
  });

  it('Services, PDBs and NetworkPolicies select exactly the pods their selectors match', () => {
    const pods = records('Pod');
    let selecting = 0;
    for (const kk of ['Service', 'policy/PodDisruptionBudget', 'networking.k8s.io/NetworkPolicy']) {
      for (const r of records(kk)) {
        const sel = selectorOf(loaded.store.objectOf(r), kk)!;
        const expected = pods.filter((p) => p.namespace === r.namespace && sel.matches(p.labels)).map((p) => p.id);
        const actual = rels(r, { direction: 'OUTGOING', types: ['SELECTS'] }).map((x) => x.otherRecord!.id);
        expect(actual.sort((a, b) => a - b), `${kk} ${r.namespace}/${r.name}`).toEqual(expected.sort((a, b) => a - b));
        if (expected.length > 0) selecting++;
      }
    }
    expect(selecting).toBeGreaterThan(50);
  });

  it("each namespace's kube-root-ca.crt is used by every pod of the namespace (what breaks if it is deleted)", () => {
    const pods = records('Pod');
    let checked = 0;
    for (const cm of records('ConfigMap').filter((c) => c.name === 'kube-root-ca.crt')) {
      const users = new Set(rels(cm, { direction: 'INCOMING', types: ['USES'] }).map((x) => x.otherRecord!.id));
      const inNamespace = pods.filter((p) => p.namespace === cm.namespace);
      for (const p of inNamespace) expect(users.has(p.id), `${p.namespace}/${p.name}`).toBe(true);
      checked += inNamespace.length;
    }
    expect(checked).toBe(pods.length);
  });

  it('answers related(depth 2) for pods without exceeding the default node limit', () => {
    const rng = new Prng(11);
    const pods = records('Pod');
    for (let i = 0; i < 50; i++) {
      const pod = rng.pick(pods);
      const related = loaded.graph.related(pod, { direction: 'BOTH', depth: 2 });
      expect(related.length).toBeGreaterThan(3);
      expect(related.some((r) => r.kind.kind === 'Namespace')).toBe(false);
    }
  });

  it('after a seeded churn (pods relabelled, replaced, owners deleted first, selectors edited), equals a rebuilt graph', () => {
    const rng = new Prng(5);
    const pods = loaded.byKind.get('Pod')!;
    const services = loaded.byKind.get('Service')!;
    const replicaSets = loaded.byKind.get('apps/ReplicaSet')!;
    const deployments = loaded.byKind.get('apps/Deployment')!;
    let rv = 50_000_000;
    const stamp = (o: KubeObject): KubeObject => ({ ...o, metadata: { ...o.metadata, resourceVersion: String(++rv) } });
    const live = [...pods.objects];
    for (let step = 0; step < 3000; step++) {
      const r = rng.next();
      const i = rng.int(live.length);
      const p = live[i];
      if (r < 0.4) {
        live[i] = stamp({ ...p, status: { phase: rng.pick(['Running', 'Pending', 'Failed']) } });
        loaded.sink(pods.kind).apply('MODIFIED', live[i]);
      } else if (r < 0.6) {
        live[i] = stamp({ ...p, metadata: { ...p.metadata, labels: { ...(p.metadata.labels ?? {}), track: rng.pick(['stable', 'canary']) } } });
        loaded.sink(pods.kind).apply('MODIFIED', live[i]);
      } else if (r < 0.75) {
        loaded.sink(pods.kind).apply('DELETED', stamp(p));
        live[i] = stamp({ ...p, metadata: { ...p.metadata, uid: `churn-${step}` } }); // recreated under the same name, new uid
        loaded.sink(pods.kind).apply('ADDED', live[i]);
      } else if (r < 0.85) {
        const s = rng.pick(services.objects);
        const selector = (s.spec as { selector?: Record<string, string> }).selector;
        const edited = rng.chance(0.5) && selector ? { ...selector, track: 'canary' } : selector;
        loaded.sink(services.kind).apply('MODIFIED', stamp({ ...s, spec: { ...(s.spec as object), selector: edited } }));
      } else if (r < 0.92) {
        // an owner deleted before its children, sometimes recreated later
        const rs = rng.pick(replicaSets.objects);
        loaded.sink(replicaSets.kind).apply('DELETED', stamp(rs));
        if (rng.chance(0.5)) loaded.sink(replicaSets.kind).apply('ADDED', stamp(rs));
      } else {
        const d = rng.pick(deployments.objects);
        if (rng.chance(0.5)) loaded.sink(deployments.kind).apply('DELETED', stamp(d));
        else loaded.sink(deployments.kind).apply('ADDED', stamp(d));
      }
    }
    const rebuilt = new RelationGraph(loaded.store);
    try {
      expect(loaded.graph.snapshot()).toEqual(rebuilt.snapshot());
      expect(loaded.graph.stats()).toMatchObject({ edges: rebuilt.stats().edges, unresolved: rebuilt.stats().unresolved });
    } finally {
      rebuilt.close();
    }
  }, 60_000);
});

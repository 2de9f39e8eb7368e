/**
 * Cost of relationship maintenance and traversal at scale.
 *
 *   node --expose-gc --max-old-space-size=6144 --import tsx bench/relations.ts [--objects 100000] [--seed 1] [--changes 40000] [--queries 2000] [--json]
 *
 * Objects come from the simulator's workload generator (src/sim/workload):
 * the same objects are fed, through the real ResourceStore's sinks, to a store
 * without a RelationGraph (A) and to one with a RelationGraph subscribed (B),
 * alternating kind by kind (load), then chunk by chunk (a churn of realistic
 * changes: pod status updates, pods replaced, pod relabels, Service selector
 * edits, ConfigMap and Deployment edits).
 *
 * Maintenance overhead is reported two ways:
 * 1. direct (primary): the V8 CPU profiler samples both phases; samples under
 *    the graph's change listener, divided by the samples of the store's own
 *    event processing (sink calls minus the listener). A and B do identical
 *    store work, so the store's own share for B is half of all sink-call
 *    samples outside the listener. Sampling counts only on-CPU time, so it is
 *    not inflated by other processes on a shared machine. GC samples cannot
 *    be attributed to a caller; their share of the phase is printed apart.
 * 2. A/B CPU time (process.cpuUsage) of B's and A's segments: includes GC
 *    the graph causes, but on a loaded machine it is dominated by noise (the
 *    same code measured against itself differs by +-20%); the median of the
 *    per-chunk ratios is printed beside the ratio of the sums.
 *
 * Also reported:
 * - memory: heap growth (gc()'d before and after) of building a graph over
 *   store A after the churn, per edge, measured on a second build so that
 *   the store's parsed-object cache (which a build fills) is already full;
 *   and stats().approxBytes per edge;
 * - correctness at scale: the graph maintained incrementally on B equals the
 *   graph built from scratch on A (both stores received the same changes);
 * - query latency (p50/p99/max) of relations() and related(depth 2) on
 *   random pods, after dropping store A and the generated objects so that
 *   the heap (and GC pauses) are those of a server holding one catalog;
 *   wall-clock and process CPU time (the latter is not inflated when the OS
 *   schedules other processes in the middle of a query).
 */
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { kindKey, type KindInfo } from '../src/kube/kinds.js';
import type { KubeObject } from '../src/kube/types.js';
import { RelationGraph } from '../src/relations/relationGraph.js';
import { createSimStore } from '../src/sim/store.js';
import { bootstrapCluster } from '../src/sim/workload/bootstrap.js';
import { seedWorkload } from '../src/sim/workload/seed.js';
import { ResourceStore } from '../src/store/resourceStore.js';
import type { ResourceRecord } from '../src/store/types.js';
import { isKubeatlasError } from '../src/util/errors.js';
import type { ReflectorSink } from '../src/watch/sink.js';

interface Options {
  objects: number;
  seed: number;
  changes: number;
  queries: number;
  json: boolean;
}

interface Change {
  kind: KindInfo;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
  label: string;
}

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
}

interface PhaseOverhead {
  /** Graph listener samples / store-own samples of B. */
  direct: number;
  /** Share of the phase's samples spent in GC (not attributable). */
  gcShare: number;
  /** (CPU B - CPU A) / CPU A over the whole phase. */
  cpuRatioOfSums: number;
  /** Median over segments of CPU B / CPU A - 1. */
  cpuMedianRatio: number;
  samples: number;
}

const CLUSTER = 'bench';
const CHUNK = 1000;

function parseArgs(argv: string[]): Options {
  const opts: Options = { objects: 100_000, seed: 1, changes: 40_000, queries: 2000, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') opts.json = true;
    else if (a === '--objects') opts.objects = Number(argv[++i]);
    else if (a === '--seed') opts.seed = Number(argv[++i]);
    else if (a === '--changes') opts.changes = Number(argv[++i]);
    else if (a === '--queries') opts.queries = Number(argv[++i]);
    else throw new Error(`unknown argument ${a}`);
  }
  return opts;
}

/** mulberry32, for a reproducible churn. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (!g) throw new Error('run with node --expose-gc');
  g();
  g();
}

/** CPU time (user + system) of this process, in ms. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function quantile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : 0;
}

function median(values: number[]): number {
  return quantile([...values].sort((x, y) => x - y), 0.5);
}

function generate(opts: Options): Array<{ kind: KindInfo; objects: KubeObject[] }> {
  const sim = createSimStore();
  bootstrapCluster(sim, { clusterName: CLUSTER, seed: opts.seed });
  seedWorkload(sim, { clusterName: CLUSTER, seed: opts.seed, objects: opts.objects });
  const out: Array<{ kind: KindInfo; objects: KubeObject[] }> = [];
  for (const k of sim.kinds()) {
    const objects = sim.list(k);
    if (objects.length === 0) continue;
    const kind: KindInfo = { group: k.group, version: k.version, kind: k.kind, plural: k.plural, namespaced: k.namespaced };
    out.push({ kind, objects: objects.map((o) => JSON.parse(JSON.stringify(o)) as KubeObject) });
  }
  return out;
}

/** A reproducible sequence of realistic changes over the generated objects. */
function churn(data: Array<{ kind: KindInfo; objects: KubeObject[] }>, opts: Options): Change[] {
  const rnd = prng(opts.seed * 7919);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)];
  const byKind = new Map(data.map((d) => [kindKey(d.kind), d]));
  const pods = byKind.get('Pod')!;
  const live = [...pods.objects];
  const services = byKind.get('Service')!;
  const configMaps = byKind.get('ConfigMap')!;
  const deployments = byKind.get('apps/Deployment')!;
  let rv = 10_000_000;
  let serial = 0;
  const out: Change[] = [];
  const bump = (o: KubeObject): KubeObject => ({ ...o, metadata: { ...o.metadata, resourceVersion: String(++rv) } });
  while (out.length < opts.changes) {
    const r = rnd();
    if (r < 0.7) {
      const i = Math.floor(rnd() * live.length);
      const p = live[i];
      const status = { ...(p.status as object), phase: pick(['Running', 'Pending', 'Running']), startTime: new Date(1_800_000_000_000 + rv).toISOString() };
      live[i] = { ...bump(p), status };
      out.push({ kind: pods.kind, type: 'MODIFIED', object: live[i], label: 'pod status' });
    } else if (r < 0.8) {
      const i = Math.floor(rnd() * live.length);
      const old = live[i];
      out.push({ kind: pods.kind, type: 'DELETED', object: bump(old), label: 'pod replaced' });
      const name = `${old.metadata.generateName ?? `${old.metadata.name}-`}r${++serial}`;
      live[i] = bump({ ...old, metadata: { ...old.metadata, name, uid: `bench-${serial}` }, spec: { ...(old.spec as object), nodeName: undefined } });
      out.push({ kind: pods.kind, type: 'ADDED', object: live[i], label: 'pod replaced' });
    } else if (r < 0.85) {
      const i = Math.floor(rnd() * live.length);
      const p = live[i];
      live[i] = bump({ ...p, metadata: { ...p.metadata, labels: { ...(p.metadata.labels ?? {}), canary: String(rnd() < 0.5) } } });
      out.push({ kind: pods.kind, type: 'MODIFIED', object: live[i], label: 'pod relabel' });
    } else if (r < 0.9) {
      const s = pick(services.objects);
      const sel = (s.spec as { selector?: Record<string, string> }).selector;
      const selector = sel && rnd() < 0.5 ? { ...sel, canary: 'true' } : sel;
      out.push({ kind: services.kind, type: 'MODIFIED', object: bump({ ...s, spec: { ...(s.spec as object), selector } }), label: 'service selector' });
    } else if (r < 0.95) {
      const c = pick(configMaps.objects);
      out.push({ kind: configMaps.kind, type: 'MODIFIED', object: bump({ ...c, data: { ...((c.data as object) ?? {}), touched: String(rv) } }), label: 'configmap edit' });
    } else {
      const d = pick(deployments.objects);
      out.push({ kind: deployments.kind, type: 'MODIFIED', object: bump({ ...d, metadata: { ...d.metadata, annotations: { ...(d.metadata.annotations ?? {}), 'bench/touched': String(rv) } } }), label: 'deployment edit' });
    }
  }
  return out;
}

class Feeder {
  private readonly sinks = new Map<string, ReflectorSink>();
  constructor(readonly store: ResourceStore) {}
  sink(kind: KindInfo): ReflectorSink {
    const key = kindKey(kind);
    let s = this.sinks.get(key);
    if (!s) this.sinks.set(key, (s = this.store.sinkFor(CLUSTER, kind)));
    return s;
  }
}

/** Samples whose stack includes the graph's listener, the store's sink calls (outside the listener), and GC. */
function attribute(profile: CpuProfile): { graph: number; store: number; gc: number; total: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const memo = new Map<number, 'graph' | 'store' | 'gc' | 'other'>();
  const classify = (id: number): 'graph' | 'store' | 'gc' | 'other' => {
    const known = memo.get(id);
    if (known) return known;
    let inStore = false;
    let result: 'graph' | 'store' | 'gc' | 'other' = 'other';
    for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) {
      const f = byId.get(x)!.callFrame;
      if (f.functionName === '(garbage collector)') {
        result = 'gc';
        break;
      }
      if (f.functionName === 'onChange' && f.url.endsWith('/relations/relationGraph.ts')) {
        result = 'graph';
        break;
      }
      if (f.functionName === 'guard' && f.url.endsWith('/store/resourceStore.ts')) inStore = true;
    }
    if (result === 'other' && inStore) result = 'store';
    memo.set(id, result);
    return result;
  };
  const counts = { graph: 0, store: 0, gc: 0, total: profile.samples.length };
  for (const s of profile.samples) {
    const c = classify(s);
    if (c !== 'other') counts[c]++;
  }
  return counts;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const say = (s: string) => {
    if (!opts.json) console.log(s);
  };
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 250 });
  const profiled = async (fn: () => void) => {
    await session.post('Profiler.start');
    fn();
    const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
    return attribute(profile);
  };
  const overheadOf = (samples: ReturnType<typeof attribute>, cpuA: number[], cpuB: number[]): PhaseOverhead => {
    const storeOwnB = samples.store / 2; // A and B do the same store work; the listener's samples are not in `store`
    const sumA = cpuA.reduce((x, y) => x + y, 0);
    const sumB = cpuB.reduce((x, y) => x + y, 0);
    return {
      direct: samples.graph / storeOwnB,
      gcShare: samples.gc / samples.total,
      cpuRatioOfSums: (sumB - sumA) / sumA,
      cpuMedianRatio: median(cpuA.map((a, i) => cpuB[i] / a - 1)),
      samples: samples.total,
    };
  };

  let t = performance.now();
  const data = generate(opts);
  const total = data.reduce((n, d) => n + d.objects.length, 0);
  say(`generated ${total} objects (${data.length} kinds) in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  // ---- load: A without graph, B with graph, alternating in chunks of each kind
  let a: Feeder = new Feeder(new ResourceStore());
  const b = new Feeder(new ResourceStore());
  const graph = new RelationGraph(b.store);
  const loadA: number[] = [];
  const loadB: number[] = [];
  gc();
  const loadSamples = await profiled(() => {
    for (const { kind, objects } of data) {
      const sinks = [a.sink(kind), b.sink(kind)];
      for (const s of sinks) s.beginReplace();
      for (let i = 0; i < objects.length; i += CHUNK) {
        const chunk = objects.slice(i, i + CHUNK);
        for (const which of (i / CHUNK) % 2 === 0 ? [0, 1] : [1, 0]) {
          const t0 = cpuMs();
          for (const o of chunk) sinks[which].replaceItem(o);
          (which === 0 ? loadA : loadB).push(cpuMs() - t0);
        }
      }
      for (const s of sinks) s.endReplace('1');
    }
  });
  // pair up the per-chunk measurements (pushed in the same order for A and B)
  const load = overheadOf(loadSamples, loadA, loadB);
  say(
    `load: graph overhead ${(load.direct * 100).toFixed(1)}% direct (CPU samples; GC ${(load.gcShare * 100).toFixed(0)}% of the phase, unattributed); ` +
      `A/B CPU ${(load.cpuRatioOfSums * 100).toFixed(1)}% (sum), ${(load.cpuMedianRatio * 100).toFixed(1)}% (median of ${loadA.length} chunks)`,
  );

  // ---- churn, alternating chunks
  const changes = churn(data, opts);
  const churnA: number[] = [];
  const churnB: number[] = [];
  gc();
  const churnSamples = await profiled(() => {
    for (let i = 0; i < changes.length; i += CHUNK) {
      const chunk = changes.slice(i, i + CHUNK);
      for (const [feeder, isB] of (i / CHUNK) % 2 === 0 ? ([[a, false], [b, true]] as const) : ([[b, true], [a, false]] as const)) {
        const t0 = cpuMs();
        for (const c of chunk) feeder.sink(c.kind).apply(c.type, c.object);
        (isB ? churnB : churnA).push(cpuMs() - t0);
      }
    }
  });
  const churnPhase = overheadOf(churnSamples, churnA, churnB);
  const sumChurnA = churnA.reduce((x, y) => x + y, 0);
  const changeCount = changes.length;
  const mix = new Map<string, number>();
  for (const c of changes) mix.set(c.label, (mix.get(c.label) ?? 0) + 1);
  say(`churn: ${changes.length} changes (${[...mix].map(([k, v]) => `${k} ${v}`).join(', ')}); store alone ${((sumChurnA * 1000) / changes.length).toFixed(1)} µs CPU/change`);
  say(
    `churn: graph overhead ${(churnPhase.direct * 100).toFixed(1)}% direct (CPU samples; GC ${(churnPhase.gcShare * 100).toFixed(0)}% of the phase, unattributed); ` +
      `A/B CPU ${(churnPhase.cpuRatioOfSums * 100).toFixed(1)}% (sum), ${(churnPhase.cpuMedianRatio * 100).toFixed(1)}% (median of ${churnA.length} chunks)`,
  );
  session.disconnect();

  // ---- rebuild equality, then memory: a graph built from scratch over A
  t = performance.now();
  let rebuilt: RelationGraph | undefined = new RelationGraph(a.store);
  const buildMs = performance.now() - t;
  const equal = JSON.stringify(rebuilt.snapshot()) === JSON.stringify(graph.snapshot());
  rebuilt.close();
  rebuilt = undefined;
  // a second build over the same store, now that the store's parsed-object cache is as full as the first build left it
  gc();
  const before = process.memoryUsage().heapUsed;
  let measured: RelationGraph | undefined = new RelationGraph(a.store);
  gc();
  const graphBytes = process.memoryUsage().heapUsed - before;
  const stats = measured.stats();
  measured.close();
  measured = undefined;
  const heapPerEdge = graphBytes / stats.edges;
  say(`graph: ${stats.edges} edges (${stats.unresolved} unresolved), built from scratch over ${a.store.size} objects in ${buildMs.toFixed(0)} ms`);
  say(`memory: graph heap ${(graphBytes / 1048576).toFixed(1)} MiB = ${heapPerEdge.toFixed(1)} bytes/edge (approxBytes says ${(stats.approxBytes / stats.edges).toFixed(1)})`);
  say(`incremental graph (B) == rebuilt graph (A): ${equal}`);

  // ---- queries on random pods, on a heap like a server's: store B and its graph only
  const pods: ResourceRecord[] = [];
  const podKind = data.find((d) => kindKey(d.kind) === 'Pod')!;
  const rnd = prng(opts.seed);
  while (pods.length < opts.queries) {
    const o = podKind.objects[Math.floor(rnd() * podKind.objects.length)];
    const r = b.store.get(CLUSTER, 'Pod', o.metadata.namespace ?? '', o.metadata.name ?? '');
    if (r) pods.push(r);
  }
  data.length = 0;
  changes.length = 0;
  a = new Feeder(new ResourceStore());
  gc();
  const shapes: Array<{ name: string; run: (r: ResourceRecord) => number }> = [
    { name: 'relations(BOTH)', run: (r) => graph.relations(r, { direction: 'BOTH' }).length },
    { name: 'related(depth 2, OUTGOING)', run: (r) => graph.related(r, { direction: 'OUTGOING', depth: 2 }).length },
    { name: 'related(depth 2, BOTH)', run: (r) => graph.related(r, { direction: 'BOTH', depth: 2 }).length },
  ];
  const queries: Array<{ name: string; p50Ms: number; p99Ms: number; maxMs: number; cpuP50Ms: number; cpuP99Ms: number; avgResults: number; limitExceeded: number }> = [];
  for (const shape of shapes) {
    for (const r of pods.slice(0, 200)) tryRun(shape.run, r); // warm-up
    const times: number[] = [];
    const cpuTimes: number[] = [];
    let results = 0;
    let limited = 0;
    for (const r of pods) {
      const c0 = process.cpuUsage();
      t = performance.now();
      const n = tryRun(shape.run, r);
      times.push(performance.now() - t);
      const c = process.cpuUsage(c0);
      cpuTimes.push((c.user + c.system) / 1000);
      if (n < 0) limited++;
      else results += n;
    }
    times.sort((x, y) => x - y);
    cpuTimes.sort((x, y) => x - y);
    const q = {
      name: shape.name,
      p50Ms: quantile(times, 0.5),
      p99Ms: quantile(times, 0.99),
      maxMs: times[times.length - 1],
      cpuP50Ms: quantile(cpuTimes, 0.5),
      cpuP99Ms: quantile(cpuTimes, 0.99),
      avgResults: results / Math.max(1, pods.length - limited),
      limitExceeded: limited,
    };
    queries.push(q);
    say(
      `query ${q.name}: wall p50 ${q.p50Ms.toFixed(3)} ms, p99 ${q.p99Ms.toFixed(3)} ms, max ${q.maxMs.toFixed(2)} ms; CPU p50 ${q.cpuP50Ms.toFixed(3)} ms, p99 ${q.cpuP99Ms.toFixed(3)} ms; ` +
        `avg ${q.avgResults.toFixed(1)} results, LIMIT_EXCEEDED ${limited}/${pods.length}`,
    );
  }
  graph.close();

  if (opts.json) {
    console.log(
      JSON.stringify(
        {
          objects: total,
          load,
          churn: { changes: changeCount, mix: Object.fromEntries(mix), storeUsPerChange: (sumChurnA * 1000) / changeCount, ...churnPhase },
          graph: { edges: stats.edges, unresolved: stats.unresolved, buildMs, heapBytesPerEdge: heapPerEdge, approxBytesPerEdge: stats.approxBytes / stats.edges, incrementalEqualsRebuilt: equal },
          queries,
        },
        null,
        2,
      ),
    );
  }
  if (!equal) process.exitCode = 1;
}

function tryRun(run: (r: ResourceRecord) => number, r: ResourceRecord): number {
  try {
    return run(r);
  } catch (e) {
    if (isKubeatlasError(e) && e.code === 'LIMIT_EXCEEDED') return -1;
    throw e;
  }
}

await main();

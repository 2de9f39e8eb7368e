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
 * edits, ConfigMap and Deployment edits; node Lease renewals and Events
 * recorded; see CHANGE_TYPES for the mix), then each change type alone.
 *
 * Maintenance overhead is reported two ways:
 * 1. A/B in separate processes: child processes (each with its own heap,
 *    like a server's) load the same objects and apply the same mixed churn
 *    into a store alone (A) and into a store with a RelationGraph (B), in
 *    ABBA order; overhead = CPU time (process.cpuUsage) of the B runs over
 *    the A runs, minus one. This charges the graph for everything it costs,
 *    GC and cache misses included; other processes on a shared machine add
 *    noise to it.
 * 2. direct: in this process, stores A and B side by side under the V8 CPU
 *    profiler; samples under the graph's change listener divided by the
 *    samples of the store's own event processing (A and B do identical store
 *    work, so B's own share is half of all sink-call samples outside the
 *    listener). Sampling counts on-CPU time only, so it is not inflated by
 *    other processes; GC samples cannot be attributed to a caller and are
 *    printed as a share of the phase. Also per change type.
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
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
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

function sumOf(runs: ChildResult[], withGraph: boolean): number {
  const own = runs.filter((r) => r.graph === withGraph);
  return own.reduce((n, r) => n + r.churnCpuMs, 0) / own.length;
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

/**
 * Change types of the churn, with their weights in the mixed sequence. The
 * weights roughly follow the writes of a busy cluster: kubelets renew their
 * node Lease every 10 s and report pod status; controllers replace pods and
 * record Events; edits of specs by people and CD pipelines are rarer.
 */
const CHANGE_TYPES = [
  ['pod status', 0.4],
  ['lease renewal', 0.2],
  ['event recorded', 0.1],
  ['pod replaced', 0.1],
  ['pod relabel', 0.04],
  ['service selector', 0.02],
  ['configmap edit', 0.07],
  ['deployment edit', 0.07],
] as const;

type ChangeLabel = (typeof CHANGE_TYPES)[number][0];

/** Reproducible realistic changes over the generated objects; keeps the state it changed, so successive calls continue one history. */
class ChurnGenerator {
  private readonly rnd: () => number;
  private readonly byKind: Map<string, { kind: KindInfo; objects: KubeObject[] }>;
  private readonly livePods: KubeObject[];
  private readonly liveEvents: KubeObject[];
  private rv = 10_000_000;
  private serial = 0;

  constructor(data: Array<{ kind: KindInfo; objects: KubeObject[] }>, seed: number) {
    this.rnd = prng(seed * 7919);
    this.byKind = new Map(data.map((d) => [kindKey(d.kind), d]));
    this.livePods = [...this.of('Pod').objects];
    this.liveEvents = [...this.of('Event').objects];
  }

  /** `count` changes: of one type, or mixed by CHANGE_TYPES weights. */
  next(count: number, only?: ChangeLabel): Change[] {
    const out: Change[] = [];
    while (out.length < count) out.push(...this.one(only ?? this.pickType()));
    return out;
  }

  private pickType(): ChangeLabel {
    let r = this.rnd();
    for (const [label, weight] of CHANGE_TYPES) {
      if (r < weight) return label;
      r -= weight;
    }
    return CHANGE_TYPES[0][0];
  }

  private of(kk: string): { kind: KindInfo; objects: KubeObject[] } {
    return this.byKind.get(kk)!;
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.rnd() * list.length)];
  }

  private bump(o: KubeObject): KubeObject {
    return { ...o, metadata: { ...o.metadata, resourceVersion: String(++this.rv) } };
  }

  private one(label: ChangeLabel): Change[] {
    const pods = this.of('Pod');
    const live = this.livePods;
    const i = Math.floor(this.rnd() * live.length);
    const p = live[i];
    switch (label) {
      case 'pod status': {
        live[i] = { ...this.bump(p), status: { ...(p.status as object), phase: this.pick(['Running', 'Pending', 'Running']), startTime: new Date(1_800_000_000_000 + this.rv).toISOString() } };
        return [{ kind: pods.kind, type: 'MODIFIED', object: live[i], label }];
      }
      case 'lease renewal': {
        const leases = this.of('coordination.k8s.io/Lease');
        const l = this.pick(leases.objects);
        return [{ kind: leases.kind, type: 'MODIFIED', object: this.bump({ ...l, spec: { ...(l.spec as object), renewTime: new Date(1_800_000_000_000 + this.rv).toISOString() } }), label }];
      }
      case 'event recorded': {
        const events = this.of('Event');
        const j = Math.floor(this.rnd() * this.liveEvents.length);
        const old = this.liveEvents[j];
        const about = { kind: 'Pod', namespace: p.metadata.namespace, name: p.metadata.name, uid: p.metadata.uid, apiVersion: 'v1' };
        const fresh = this.bump({ ...old, metadata: { ...old.metadata, name: `${p.metadata.name}.bench${++this.serial}`, namespace: p.metadata.namespace, uid: `bench-ev-${this.serial}` }, involvedObject: about });
        this.liveEvents[j] = fresh;
        // one Event recorded, one expired (the apiserver's event TTL)
        return [
          { kind: events.kind, type: 'ADDED', object: fresh, label },
          { kind: events.kind, type: 'DELETED', object: this.bump(old), label },
        ];
      }
      case 'pod replaced': {
        const name = `${p.metadata.generateName ?? `${p.metadata.name}-`}r${++this.serial}`;
        live[i] = this.bump({ ...p, metadata: { ...p.metadata, name, uid: `bench-${this.serial}` }, spec: { ...(p.spec as object), nodeName: undefined } });
        return [
          { kind: pods.kind, type: 'DELETED', object: this.bump(p), label },
          { kind: pods.kind, type: 'ADDED', object: live[i], label },
        ];
      }
      case 'pod relabel': {
        live[i] = this.bump({ ...p, metadata: { ...p.metadata, labels: { ...(p.metadata.labels ?? {}), canary: String(this.rnd() < 0.5) } } });
        return [{ kind: pods.kind, type: 'MODIFIED', object: live[i], label }];
      }
      case 'service selector': {
        const services = this.of('Service');
        const s = this.pick(services.objects);
        const sel = (s.spec as { selector?: Record<string, string> }).selector;
        const selector = sel && this.rnd() < 0.5 ? { ...sel, canary: 'true' } : sel;
        return [{ kind: services.kind, type: 'MODIFIED', object: this.bump({ ...s, spec: { ...(s.spec as object), selector } }), label }];
      }
      case 'configmap edit': {
        const configMaps = this.of('ConfigMap');
        const c = this.pick(configMaps.objects);
        return [{ kind: configMaps.kind, type: 'MODIFIED', object: this.bump({ ...c, data: { ...((c.data as object) ?? {}), touched: String(this.rv) } }), label }];
      }
      case 'deployment edit': {
        const deployments = this.of('apps/Deployment');
        const d = this.pick(deployments.objects);
        const annotations = { ...(d.metadata.annotations ?? {}), 'bench/touched': String(this.rv) };
        return [{ kind: deployments.kind, type: 'MODIFIED', object: this.bump({ ...d, metadata: { ...d.metadata, annotations } }), label }];
      }
    }
  }
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

/** What a child process measures: CPU time of the load and of the mixed churn, with or without a graph. */
interface ChildResult {
  graph: boolean;
  loadCpuMs: number;
  churnCpuMs: number;
}

/** Child mode: load the objects and apply the churn from `file` into one store, with or without a graph, timing CPU. */
function runChild(file: string, withGraph: boolean): void {
  const { data, changes } = deserialize(readFileSync(file)) as { data: Array<{ kind: KindInfo; objects: KubeObject[] }>; changes: Change[] };
  const feeder = new Feeder(new ResourceStore());
  const graph = withGraph ? new RelationGraph(feeder.store) : undefined;
  gc();
  let t0 = cpuMs();
  for (const d of data) {
    const sink = feeder.sink(d.kind);
    sink.beginReplace();
    // a reflector holds one page of objects at a time: drop each after it is fed, so that GC works on a server-like heap
    for (let i = 0; i < d.objects.length; i++) {
      sink.replaceItem(d.objects[i]);
      (d.objects as Array<KubeObject | undefined>)[i] = undefined;
    }
    sink.endReplace('1');
  }
  const loadCpuMs = cpuMs() - t0;
  gc();
  t0 = cpuMs();
  for (const c of changes) feeder.sink(c.kind).apply(c.type, c.object);
  const churnCpuMs = cpuMs() - t0;
  graph?.close();
  const result: ChildResult = { graph: withGraph, loadCpuMs, churnCpuMs };
  console.log(JSON.stringify(result));
}

/** Runs this script in child mode in a fresh process (its own heap, like a server's) and returns what it measured. */
function spawnChild(file: string, withGraph: boolean): ChildResult {
  const script = fileURLToPath(import.meta.url);
  const run = spawnSync(process.execPath, [...process.execArgv, script, '--child', file, '--graph', withGraph ? '1' : '0'], {
    encoding: 'utf8',
    timeout: 20 * 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`bench child failed (status ${run.status}): ${run.stderr.slice(-2000)}`);
  const lines = run.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as ChildResult;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') return runChild(argv[1], argv[3] === '1');
  const opts = parseArgs(argv);
  const say = (s: string) => {
    if (!opts.json) console.log(s);
  };

  let t = performance.now();
  const data = generate(opts);
  const total = data.reduce((n, d) => n + d.objects.length, 0);
  say(`generated ${total} objects (${data.length} kinds) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const churner = new ChurnGenerator(data, opts.seed);
  const mixed = churner.next(opts.changes);
  const mix = new Map<string, number>();
  for (const c of mixed) mix.set(c.label, (mix.get(c.label) ?? 0) + 1);
  say(`churn: ${mixed.length} changes (${[...mix].map(([k, v]) => `${k} ${v}`).join(', ')})`);

  // ---- A/B in separate processes (each with its own heap, as a server would have), in ABBA order
  const file = join(tmpdir(), `kubeatlas-relations-bench-${process.pid}.bin`);
  writeFileSync(file, serialize({ data, changes: mixed }));
  let separate: { load: number; churn: number; runs: ChildResult[] };
  try {
    const runs = [false, true, true, false].map((withGraph) => spawnChild(file, withGraph));
    const sum = (g: boolean, k: 'loadCpuMs' | 'churnCpuMs') => runs.filter((r) => r.graph === g).reduce((n, r) => n + r[k], 0);
    separate = { load: sum(true, 'loadCpuMs') / sum(false, 'loadCpuMs') - 1, churn: sum(true, 'churnCpuMs') / sum(false, 'churnCpuMs') - 1, runs };
  } finally {
    rmSync(file, { force: true });
  }
  const per = (k: 'loadCpuMs' | 'churnCpuMs', g: boolean) =>
    separate.runs
      .filter((r) => r.graph === g)
      .map((r) => r[k].toFixed(0))
      .join('/');
  say(`A/B in separate processes (CPU ms, store / store+graph): load ${per('loadCpuMs', false)} / ${per('loadCpuMs', true)}: overhead ${(separate.load * 100).toFixed(1)}%`);
  say(`A/B in separate processes (CPU ms, store / store+graph): churn ${per('churnCpuMs', false)} / ${per('churnCpuMs', true)}: overhead ${(separate.churn * 100).toFixed(1)}% (${((sumOf(separate.runs, false) * 1000) / mixed.length).toFixed(1)} µs/change store alone)`);

  // ---- in this process: A without graph, B with graph, side by side under the CPU profiler
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 250 });
  const profiled = async (fn: () => void): Promise<PhaseOverhead> => {
    await session.post('Profiler.start');
    fn();
    const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
    const samples = attribute(profile);
    // A and B do the same store work; the listener's samples are not in `store`
    return { direct: samples.graph / (samples.store / 2), gcShare: samples.gc / samples.total, samples: samples.total };
  };
  let a: Feeder = new Feeder(new ResourceStore());
  const b = new Feeder(new ResourceStore());
  const graph = new RelationGraph(b.store);
  gc();
  const load = await profiled(() => {
    for (const { kind, objects } of data) {
      const sinks = [a.sink(kind), b.sink(kind)];
      for (const s of sinks) s.beginReplace();
      for (let i = 0; i < objects.length; i += CHUNK) {
        const chunk = objects.slice(i, i + CHUNK);
        for (const s of (i / CHUNK) % 2 === 0 ? sinks : [...sinks].reverse()) for (const o of chunk) s.replaceItem(o);
      }
      for (const s of sinks) s.endReplace('1');
    }
  });
  say(`load: graph overhead ${(load.direct * 100).toFixed(1)}% direct (CPU samples; GC ${(load.gcShare * 100).toFixed(0)}% of the phase, unattributed)`);
  const runChurn = async (changes: Change[]): Promise<PhaseOverhead> => {
    gc();
    return profiled(() => {
      for (let i = 0; i < changes.length; i += CHUNK) {
        const chunk = changes.slice(i, i + CHUNK);
        for (const feeder of (i / CHUNK) % 2 === 0 ? [a, b] : [b, a]) for (const c of chunk) feeder.sink(c.kind).apply(c.type, c.object);
      }
    });
  };
  const churnPhase = await runChurn(mixed);
  mixed.length = 0;
  say(`churn: graph overhead ${(churnPhase.direct * 100).toFixed(1)}% direct (CPU samples; GC ${(churnPhase.gcShare * 100).toFixed(0)}% of the phase, unattributed)`);
  const perType: Record<string, number> = {};
  for (const [label] of CHANGE_TYPES) {
    const r = await runChurn(churner.next(Math.min(opts.changes, 4 * CHUNK), label));
    perType[label] = r.direct;
    say(`  ${label.padEnd(17)} graph overhead ${(r.direct * 100).toFixed(1).padStart(5)}% direct`);
  }
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
          separateProcesses: separate,
          load,
          churn: { mix: Object.fromEntries(mix), ...churnPhase, perTypeDirect: perType },
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

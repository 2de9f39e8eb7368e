/**
 * Memory and speed of the ResourceStore on realistic pods.
 *
 *   node --expose-gc --max-old-space-size=8192 --import tsx bench/storeMemory.ts [--pods 100000] [--clusters 5] [--runs 200] [--only memory|queries] [--json]
 *
 * Pods come from the simulator's workload generator (src/sim/workload),
 * serialized and parsed again as a reflector would receive them from the
 * wire, with resourceVersions assigned. Prints, per representation:
 * - bytes per pod, all-in: heap (+ external buffers) after `global.gc()`,
 *   after minus before loading N pods, divided by N;
 * - apply rate: ADDED events/s through the sink (slimming, status, indexing,
 *   packing, one listener), and MODIFIED events/s (status changes);
 * and, for the default store loaded with the same pods in `--clusters`
 * clusters, the latency (p50/p99) of typical queries.
 *
 * Representations: "naive" (the parsed slimmed objects in a Map by uid, no
 * index at all: the floor of keeping parsed objects), the store with
 * compression "none" (JSON strings), and the store with "deflate" (default).
 */
import { performance } from 'node:perf_hooks';
import { BUILTIN_KINDS, kindKey, type KindInfo } from '../src/kube/kinds.js';
import type { KubeObject } from '../src/kube/types.js';
import { compileFilter } from '../src/store/filter.js';
import { ResourceStore, type ResourceStoreOptions } from '../src/store/resourceStore.js';
import { slimObject } from '../src/store/slim.js';
import type { CompiledFilter } from '../src/store/types.js';

export interface StoreBenchOptions {
  pods: number;
  clusters: number;
  /** Query repetitions per query shape. */
  queryRuns: number;
  /** Skip the memory/apply part or the query part (default: run both). */
  only?: 'memory' | 'queries';
}

export interface RepresentationResult {
  name: string;
  bytesPerPod: number;
  heapBytesPerPod: number;
  externalBytesPerPod: number;
  /** Events per wall-clock second. */
  addedPerSecond: number;
  modifiedPerSecond: number;
  /** Events per CPU second of the process (the rate on an otherwise idle core). */
  addedPerCpuSecond: number;
  modifiedPerCpuSecond: number;
}

export interface QueryResult {
  name: string;
  p50Ms: number;
  p99Ms: number;
  returned: number;
  totalCount: number;
}

export interface StoreBenchResult {
  pods: number;
  avgWireBytes: number;
  avgSlimJsonBytes: number;
  representations: RepresentationResult[];
  queryObjects: number;
  queries: QueryResult[];
}

const POD_KIND: KindInfo = BUILTIN_KINDS.find((k) => kindKey(k) === 'Pod')!;

type Gc = () => void;

function gc(): void {
  const g = (globalThis as { gc?: Gc }).gc;
  if (!g) throw new Error('run with node --expose-gc');
  for (let i = 0; i < 3; i++) g();
}

function memory(): { heap: number; external: number } {
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, external: m.external + m.arrayBuffers };
}

/** Wire JSON of `count` realistic pods from the simulator's generator. */
async function generatePods(count: number): Promise<string[]> {
  const { generateWorkload } = await import('../src/sim/workload/seed.js');
  const out: string[] = [];
  const names = new Set<string>();
  let seed = 1;
  let rv = 1000;
  while (out.length < count) {
    generateWorkload(
      { clusterName: `bench-${seed}`, seed, objects: Math.ceil((count - out.length) / 0.55), now: Date.parse('2026-11-23T12:00:00Z') },
      { nodes: [], hasKind: () => true },
      (kind, obj) => {
        if (kind !== 'Pod' || out.length >= count) return;
        obj.metadata.resourceVersion = String(rv++);
        // a second generator run must not collide with the first one's names
        if (seed > 1) obj.metadata.namespace = `${obj.metadata.namespace}-s${seed}`;
        // the generator may reuse a name (random suffixes); a store keys objects by namespace/name
        const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
        if (names.has(key)) return;
        names.add(key);
        out.push(JSON.stringify(obj));
      },
    );
    seed++;
  }
  return out;
}

const BATCH = 2000;

/** Feeds pods to `apply` in parsed batches, timing only `apply`. Returns seconds spent in apply. */
interface Timing {
  /** Wall-clock seconds spent in `apply`. */
  wall: number;
  /** CPU seconds (user + system) of the process during `apply`: less sensitive to other processes on a shared machine. */
  cpu: number;
}

function feed(pods: readonly string[], apply: (o: KubeObject) => void, mutate?: (o: KubeObject) => void): Timing {
  const timing: Timing = { wall: 0, cpu: 0 };
  for (let i = 0; i < pods.length; i += BATCH) {
    const batch = pods.slice(i, i + BATCH).map((s) => JSON.parse(s) as KubeObject);
    if (mutate) for (const o of batch) mutate(o);
    const c = process.cpuUsage();
    const t = performance.now();
    for (const o of batch) apply(o);
    timing.wall += (performance.now() - t) / 1000;
    const used = process.cpuUsage(c);
    timing.cpu += (used.user + used.system) / 1e6;
  }
  return timing;
}

/** Turns a running pod into its next state: new resourceVersion and a restart. */
function bumpStatus(o: KubeObject): void {
  o.metadata.resourceVersion = `${o.metadata.resourceVersion}1`;
  const statuses = (o.status as { containerStatuses?: Array<{ restartCount?: number }> } | undefined)?.containerStatuses;
  if (statuses?.[0]) statuses[0].restartCount = (statuses[0].restartCount ?? 0) + 1;
}

function measureNaive(pods: readonly string[]): RepresentationResult {
  const before = memory();
  const byUid = new Map<string, KubeObject>();
  const added = feed(pods, (o) => {
    byUid.set(o.metadata.uid!, slimObject(o, { isSecret: false }));
  });
  const after = memory();
  const modified = feed(pods, (o) => void byUid.set(o.metadata.uid!, slimObject(o, { isSecret: false })), bumpStatus);
  const result = representation('naive (parsed objects, no indexes)', pods.length, before, after, added, modified);
  byUid.clear();
  return result;
}

function measureStore(name: string, pods: readonly string[], options: ResourceStoreOptions): RepresentationResult {
  const before = memory();
  const store = new ResourceStore(options);
  let events = 0;
  store.onChange(() => void events++);
  const sink = store.sinkFor('bench', POD_KIND);
  // watch-path records are compressed off the event path; the rest of that work is counted with the events
  const added = withSettle(feed(pods, (o) => sink.apply('ADDED', o)), store);
  const after = memory();
  const modified = withSettle(feed(pods, (o) => sink.apply('MODIFIED', o), bumpStatus), store);
  if (events !== pods.length * 2) throw new Error(`expected ${pods.length * 2} events, saw ${events}`);
  return representation(name, pods.length, before, after, added, modified);
}

/** `timing` plus the time to compress what the store still holds plain (deferred compression). */
function withSettle(timing: Timing, store: ResourceStore): Timing {
  const c = process.cpuUsage();
  const t = performance.now();
  store.settleDeferredCompression();
  const used = process.cpuUsage(c);
  return { wall: timing.wall + (performance.now() - t) / 1000, cpu: timing.cpu + (used.user + used.system) / 1e6 };
}

function representation(name: string, n: number, before: { heap: number; external: number }, after: { heap: number; external: number }, added: Timing, modified: Timing): RepresentationResult {
  const heap = (after.heap - before.heap) / n;
  const external = (after.external - before.external) / n;
  return { name, bytesPerPod: Math.round(heap + external), heapBytesPerPod: Math.round(heap), externalBytesPerPod: Math.round(external), addedPerSecond: Math.round(n / added.wall), modifiedPerSecond: Math.round(n / modified.wall), addedPerCpuSecond: Math.round(n / added.cpu), modifiedPerCpuSecond: Math.round(n / modified.cpu) };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

function measureQueries(pods: readonly string[], clusters: number, runs: number): { objects: number; queries: QueryResult[] } {
  const store = new ResourceStore();
  for (let c = 0; c < clusters; c++) {
    const sink = store.sinkFor(`cluster-${String(c).padStart(2, '0')}`, POD_KIND);
    feed(pods, (o) => sink.apply('ADDED', o));
  }
  const known = store.knownKinds();
  // the label every generated app pod carries, and its values
  const values = new Map<string, number>();
  for (let i = 0; i < Math.min(pods.length, 5000); i++) {
    const v = (JSON.parse(pods[i]) as KubeObject).metadata.labels?.['app.kubernetes.io/name'];
    if (v) values.set(v, (values.get(v) ?? 0) + 1);
  }
  const apps = [...values.keys()];
  const namespaces = [...new Set(pods.slice(0, 5000).map((s) => (JSON.parse(s) as KubeObject).metadata.namespace!))];
  const secondPageCursor = store.query(compileFilter({ kinds: ['Pod'] }, known), { first: 50 }).cursors[49];
  const deepCursor = store.query(compileFilter({ kinds: ['Pod'] }, known), { first: 500 }).cursors[499];

  const shapes: Array<{ name: string; filter: (i: number) => CompiledFilter; after?: string }> = [
    { name: 'first page, no filter (first: 50)', filter: () => compileFilter({}, known) },
    { name: 'kinds: [Pod], first: 50', filter: () => compileFilter({ kinds: ['Pod'] }, known) },
    { name: 'kinds: [Pod], labelSelector "app.kubernetes.io/name=<app>", first: 50', filter: (i) => compileFilter({ kinds: ['Pod'], labelSelector: `app.kubernetes.io/name=${apps[i % apps.length]}` }, known) },
    { name: 'labelSelector "app.kubernetes.io/name in (<a>,<b>),tier!=x" (set-based), first: 50', filter: (i) => compileFilter({ labelSelector: `app.kubernetes.io/name in (${apps[i % apps.length]},${apps[(i + 1) % apps.length]}),tier!=x` }, known) },
    { name: 'namespaces: [<ns>], first: 50', filter: (i) => compileFilter({ namespaces: [namespaces[i % namespaces.length]] }, known) },
    { name: 'status: "CrashLoopBackOff", first: 50 (scan)', filter: () => compileFilter({ status: 'CrashLoopBackOff' }, known) },
    { name: 'second page (after cursor), first: 50', filter: () => compileFilter({ kinds: ['Pod'] }, known), after: secondPageCursor },
    { name: 'page after 500, clusters: [2 of them], first: 50', filter: () => compileFilter({ clusters: ['cluster-00', 'cluster-01'] }, known), after: deepCursor },
  ];
  const out: QueryResult[] = [];
  for (const shape of shapes) {
    const times: number[] = [];
    let returned = 0;
    let totalCount = 0;
    store.query(shape.filter(0), { first: 50, after: shape.after }); // warm (builds the ordered lists once)
    for (let i = 0; i < runs; i++) {
      const f = shape.filter(i);
      const t = performance.now();
      const page = store.query(f, { first: 50, after: shape.after });
      times.push(performance.now() - t);
      returned = page.records.length;
      totalCount = page.totalCount;
    }
    times.sort((a, b) => a - b);
    out.push({ name: shape.name, p50Ms: round3(percentile(times, 0.5)), p99Ms: round3(percentile(times, 0.99)), returned, totalCount });
  }
  return { objects: store.size, queries: out };
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** Runs the whole benchmark (needs --expose-gc). */
export async function runStoreBench(options: StoreBenchOptions): Promise<StoreBenchResult> {
  const pods = await generatePods(options.pods);
  let wire = 0;
  let slim = 0;
  for (let i = 0; i < pods.length; i += 97) {
    wire += pods[i].length;
    slim += JSON.stringify(slimObject(JSON.parse(pods[i]) as KubeObject, { isSecret: false })).length;
  }
  const sampled = Math.ceil(pods.length / 97);
  const representations =
    options.only === 'queries'
      ? []
      : [
          measureNaive(pods),
          measureStore('store, compression "none" (JSON strings)', pods, { compression: 'none' }),
          measureStore('store, compression "deflate" (default)', pods, {}),
        ];
  const q = options.only === 'memory' ? { objects: 0, queries: [] } : measureQueries(pods, options.clusters, options.queryRuns);
  return { pods: pods.length, avgWireBytes: Math.round(wire / sampled), avgSlimJsonBytes: Math.round(slim / sampled), representations, queryObjects: q.objects, queries: q.queries };
}

function printResult(r: StoreBenchResult): void {
  console.log(`pods: ${r.pods}  avg wire JSON ${r.avgWireBytes} B  avg slimmed JSON ${r.avgSlimJsonBytes} B`);
  console.log('');
  if (r.representations.length) console.log('representation                                  bytes/pod  (heap + external)   ADDED/s (per CPU s)   MODIFIED/s (per CPU s)');
  for (const x of r.representations) {
    console.log(
      `${x.name.padEnd(46)} ${String(x.bytesPerPod).padStart(9)}  (${x.heapBytesPerPod} + ${x.externalBytesPerPod})`.padEnd(70) +
        `${String(x.addedPerSecond).padStart(8)} (${x.addedPerCpuSecond})`.padEnd(22) +
        `${String(x.modifiedPerSecond).padStart(8)} (${x.modifiedPerCpuSecond})`,
    );
  }
  if (!r.queries.length) return;
  console.log('');
  console.log(`queries over ${r.queryObjects} pods (default store)          p50 ms    p99 ms  returned  totalCount`);
  for (const q of r.queries) {
    console.log(`${q.name.padEnd(78)} ${String(q.p50Ms).padStart(8)} ${String(q.p99Ms).padStart(9)} ${String(q.returned).padStart(9)} ${String(q.totalCount).padStart(11)}`);
  }
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('storeMemory.ts')) {
  const pods = Number(argValue('--pods') ?? 100_000);
  const clusters = Number(argValue('--clusters') ?? 5);
  const only = argValue('--only');
  if (only !== undefined && only !== 'memory' && only !== 'queries') throw new Error('--only takes "memory" or "queries"');
  const result = await runStoreBench({ pods, clusters, queryRuns: Number(argValue('--runs') ?? 200), only });
  if (process.argv.includes('--json')) console.log(JSON.stringify(result, null, 2));
  else printResult(result);
}

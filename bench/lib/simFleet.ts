import { fileURLToPath } from 'node:url';
import { repin, spawnChild, type BenchChild } from './children.js';
import type { PodChangeWindow, PodChanges, PodRef, ProcessUsage, SimClusterInfo, SimClusterRequest } from './simTypes.js';

const SIM_HOST = fileURLToPath(new URL('../children/simHost.ts', import.meta.url));

/** Simulated clusters spread over simulator processes, driven as one. */
export interface SimFleet {
  readonly clusters: readonly SimClusterInfo[];
  readonly processes: readonly BenchChild[];
  /** Wall time of seeding and starting everything. */
  readonly startSeconds: number;
  /** Sets the churn so that the clusters together make `perSecond` changes/s (spread evenly). */
  setTotalChurn(perSecond: number, names?: readonly string[]): Promise<void>;
  /** Starts recording Pod changes; returns each cluster's current resourceVersion. */
  beginTracking(): Promise<Record<string, number>>;
  marks(): Promise<Record<string, number>>;
  podChanges(windows: Record<string, PodChangeWindow>): Promise<Record<string, PodChanges>>;
  /** Waits until no Pod changed for `quietMs` in any cluster (at most `timeoutMs`). */
  quietPods(quietMs: number, timeoutMs: number): Promise<boolean>;
  samplePods(count: number, seed: number): Promise<PodRef[]>;
  appLabels(): Promise<Record<string, number>>;
  usage(): Promise<ProcessUsage[]>;
  stop(): Promise<void>;
}

/**
 * Starts `requests` in `processes` simulator processes (round-robin), all
 * seeding in parallel on any CPU, then confined to `cpus` (when given) for
 * the measurements.
 */
export async function startSimFleet(opts: { requests: SimClusterRequest[]; processes: number; cpus?: string; heapMb?: number; label?: string }): Promise<SimFleet> {
  const started = performance.now();
  const n = Math.max(1, Math.min(opts.processes, opts.requests.length));
  const groups: SimClusterRequest[][] = Array.from({ length: n }, () => []);
  opts.requests.forEach((r, i) => groups[i % n].push(r));
  const hosts: BenchChild[] = [];
  const byCluster = new Map<string, BenchChild>();
  const infos: SimClusterInfo[] = [];
  try {
    await Promise.all(
      groups.map(async (group, i) => {
        const host = await spawnChild({ name: `${opts.label ?? 'sim'}-${i + 1}`, script: SIM_HOST, heapMb: opts.heapMb ?? heapFor(group) });
        hosts.push(host);
        const seedTimeout = 120_000 + group.reduce((s, r) => s + r.objects, 0) * 5; // ~1.6k objects/s when seeding; generous
        const got = await host.call<SimClusterInfo[]>('start', { clusters: group, caName: `${opts.label ?? 'sim'}-ca-${i + 1}` }, seedTimeout);
        for (const c of got) byCluster.set(c.name, host);
        infos.push(...got);
      }),
    );
    for (const h of hosts) repin(h, opts.cpus);
  } catch (e) {
    await Promise.all(hosts.map((h) => h.stop()));
    throw e;
  }
  const order = new Map(opts.requests.map((r, i) => [r.name, i]));
  infos.sort((a, b) => order.get(a.name)! - order.get(b.name)!);
  const all = <T>(fn: (h: BenchChild) => Promise<T>) => Promise.all(hosts.map(fn));
  const merge = <T>(parts: Array<Record<string, T>>) => Object.assign({}, ...parts) as Record<string, T>;
  return {
    clusters: infos,
    processes: hosts,
    startSeconds: (performance.now() - started) / 1000,
    async setTotalChurn(perSecond, names) {
      const targets = names ?? infos.map((c) => c.name);
      const per = targets.length ? perSecond / targets.length : 0;
      await all((h) => h.call('setChurn', { perCluster: per, names: targets.filter((t) => byCluster.get(t) === h) }));
    },
    beginTracking: async () => merge(await all((h) => h.call<Record<string, number>>('beginTracking'))),
    marks: async () => merge(await all((h) => h.call<Record<string, number>>('marks'))),
    async podChanges(windows) {
      const parts = await all((h) => {
        const mine = Object.fromEntries(Object.entries(windows).filter(([name]) => byCluster.get(name) === h));
        return h.call<Record<string, PodChanges>>('podChanges', { windows: mine });
      });
      return merge(parts);
    },
    async quietPods(quietMs, timeoutMs) {
      const r = await all((h) => h.call<boolean>('quietPods', { quietMs, timeoutMs }, timeoutMs + 10_000));
      return r.every(Boolean);
    },
    async samplePods(count, seed) {
      const parts = await all((h) => h.call<PodRef[]>('samplePods', { count: Math.ceil(count / hosts.length), seed }));
      return parts.flat().slice(0, count);
    },
    async appLabels() {
      const out: Record<string, number> = {};
      for (const part of await all((h) => h.call<Record<string, number>>('appLabels'))) for (const [k, v] of Object.entries(part)) out[k] = (out[k] ?? 0) + v;
      return out;
    },
    usage: () => all((h) => h.call<ProcessUsage>('usage')),
    async stop() {
      await all((h) => h.stop());
    },
  };
}

/** Heap for a simulator process: generous room (10 KB per object: serialized objects, history, indexes, parsed copies while seeding), at least 2 GB. */
function heapFor(group: SimClusterRequest[]): number {
  const objects = group.reduce((s, r) => s + r.objects, 0);
  return Math.max(2048, Math.ceil((objects * 10 * 1024) / 1024 / 1024) + 1024);
}

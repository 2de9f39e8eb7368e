import { fileURLToPath } from 'node:url';
import { spawnChild, type BenchChild } from './children.js';
import { startSimFleet, type SimFleet } from './simFleet.js';
import { clusterSpec, startKubeatlas, type KubeatlasProcess } from './kubeatlasProcess.js';
import type { BenchParams } from './params.js';
import type { ReadyReport } from './kubeatlasTypes.js';
import type { CpuPlan } from '../scenarios/types.js';

const LOAD_CLIENT = fileURLToPath(new URL('../children/loadClient.ts', import.meta.url));

/** How the fleet environment came up: scenario 2's figures. */
export interface ScaleMeasurement {
  clusters: number;
  objectsPerClusterRequested: number;
  /** Objects the simulators hold (all kinds). */
  simObjects: number;
  simPods: number;
  simStartSeconds: number;
  simProcesses: number;
  ready: ReadyReport;
  /** Objects in kubeatlas's store at READY. */
  catalogObjects: number;
  memoryBefore: NodeJS.MemoryUsage;
  memoryAfter: NodeJS.MemoryUsage;
  relationEdges: number;
  relationBytes: number;
  /** kubeatlas CPU time from add to READY, and the time its main thread waited for a CPU. */
  kubeatlasCpuMs: number;
  kubeatlasCpuWaitMs: number;
  simCpuMs: number;
  kubeatlasHeapLimitMb: number;
}

/** Simulated clusters, one kubeatlas watching them all, and a load-client process. */
export interface FleetEnv {
  sims: SimFleet;
  /** The not-yet-added cluster for scenario 7 (its own simulator process). */
  addSim: SimFleet | undefined;
  kubeatlas: KubeatlasProcess;
  load: BenchChild;
  scale: ScaleMeasurement;
  stop(): Promise<void>;
}

/** Heap for kubeatlas: ~8 KB per object of headroom over the measured ~2-5 KB, at least 2 GB, at most 16 GB. */
export function kubeatlasHeapMb(objects: number): number {
  return Math.min(16_384, Math.max(2_048, Math.ceil((objects * 8 * 1024) / 1024 / 1024) + 1_024));
}

export async function startFleetEnv(params: BenchParams, cpus: CpuPlan, log: (m: string) => void): Promise<FleetEnv> {
  const requests = Array.from({ length: params.clusters }, (_, i) => ({ name: `fleet-${i + 1}`, seed: params.seed + i, objects: params.objectsPerCluster }));
  const wantsAdd = !params.only || params.only.includes('addcluster');
  log(`fleet: seeding ${params.clusters} simulated clusters x ${params.objectsPerCluster} objects in ${params.simProcesses} simulator processes${wantsAdd ? `, plus one ${params.addClusterObjects}-object cluster for addCluster` : ''}`);
  const started: Array<SimFleet | KubeatlasProcess | BenchChild> = [];
  try {
    const [sims, addSim] = await Promise.all([
      startSimFleet({ requests, processes: params.simProcesses, cpus: cpus.others, label: 'sim' }),
      wantsAdd ? startSimFleet({ requests: [{ name: 'added-1', seed: params.seed + 1000, objects: params.addClusterObjects }], processes: 1, cpus: cpus.others, label: 'sim-add' }) : Promise.resolve(undefined),
    ]);
    started.push(sims);
    if (addSim) started.push(addSim);
    const simObjects = sims.clusters.reduce((s, c) => s + c.objects, 0);
    log(`fleet: ${simObjects} objects ready in ${sims.startSeconds.toFixed(1)} s; starting kubeatlas`);
    const heapMb = kubeatlasHeapMb(simObjects + params.addClusterObjects);
    const kubeatlas = await startKubeatlas({ cpus: cpus.subject, heapMb });
    started.push(kubeatlas);
    const load = await spawnChild({ name: 'load-client', script: LOAD_CLIENT, cpus: cpus.others, heapMb: 4_096 });
    started.push(load);

    const memoryBefore = await kubeatlas.memory();
    const cpu0 = await kubeatlas.usage();
    const sim0 = await sims.usage();
    await kubeatlas.add(sims.clusters.map((c) => clusterSpec(c)));
    const ready = await kubeatlas.waitReady(
      sims.clusters.map((c) => c.name),
      120_000 + simObjects,
    );
    const cpu1 = await kubeatlas.usage();
    const sim1 = await sims.usage();
    const memoryAfter = await kubeatlas.memory();
    const stats = await kubeatlas.stats();
    log(`fleet: ${ready.ready ? 'all READY' : 'NOT all READY'} after ${(ready.ms / 1000).toFixed(1)} s, ${stats.objects} objects in the catalog`);
    const scale: ScaleMeasurement = {
      clusters: params.clusters,
      objectsPerClusterRequested: params.objectsPerCluster,
      simObjects,
      simPods: sims.clusters.reduce((s, c) => s + c.pods, 0),
      simStartSeconds: sims.startSeconds,
      simProcesses: sims.processes.length,
      ready,
      catalogObjects: stats.objects,
      memoryBefore,
      memoryAfter,
      relationEdges: stats.edges,
      relationBytes: stats.relationBytes,
      kubeatlasCpuMs: cpu1.cpuMs - cpu0.cpuMs,
      kubeatlasCpuWaitMs: cpu1.runQueueMs - cpu0.runQueueMs,
      simCpuMs: sim1.reduce((s, u) => s + u.cpuMs, 0) - sim0.reduce((s, u) => s + u.cpuMs, 0),
      kubeatlasHeapLimitMb: heapMb,
    };
    return {
      sims,
      addSim,
      kubeatlas,
      load,
      scale,
      async stop() {
        await Promise.all([load.stop(), kubeatlas.stop()]);
        await Promise.all([sims.stop(), addSim?.stop()]);
      },
    };
  } catch (e) {
    await Promise.allSettled(started.map((s) => s.stop()));
    throw e;
  }
}

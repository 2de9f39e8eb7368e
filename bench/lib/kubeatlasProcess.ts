import { fileURLToPath } from 'node:url';
import { spawnChild, type BenchChild } from './children.js';
import type { KubeatlasStats, ReadyReport } from './kubeatlasTypes.js';
import type { PauseReport } from './pauses.js';
import type { ProcessUsage, SimClusterInfo } from './simTypes.js';

const HOST = fileURLToPath(new URL('../children/kubeatlasHost.ts', import.meta.url));

/** The kubeatlas process under measurement. */
export interface KubeatlasProcess {
  readonly child: BenchChild;
  /** http://127.0.0.1:PORT/graphql */
  readonly url: string;
  memory(): Promise<NodeJS.MemoryUsage>;
  add(specs: Array<Record<string, unknown>>): Promise<void>;
  waitReady(ids: string[], timeoutMs: number): Promise<ReadyReport>;
  stats(): Promise<KubeatlasStats>;
  usage(): Promise<ProcessUsage>;
  /** GC pauses and event-loop delay since the previous call with `reset`. */
  pauses(reset: boolean): Promise<PauseReport>;
  /** Starts a CPU profile of kubeatlas (no file) or stops it into `file` (.cpuprofile). */
  cpuProfile(file?: string): Promise<void>;
  stop(): Promise<void>;
}

/** The cluster entry a user would write for a simulated cluster (TOKEN auth, its CA). */
export function clusterSpec(c: SimClusterInfo, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { clusterId: c.name, authMethod: 'TOKEN', server: c.url, token: c.token, tls: { caData: c.caPem }, ...extra };
}

/**
 * Starts kubeatlas in a child process (--expose-gc, its own heap limit,
 * pinned to `cpus`), with `config` merged over bench defaults: ephemeral
 * port, no demo, mutations on, logs at error level, and subscription limits
 * raised to what the event scenario opens.
 */
export async function startKubeatlas(opts: { cpus?: string; heapMb: number; config?: Record<string, unknown>; name?: string }): Promise<KubeatlasProcess> {
  const nodeArgs = process.env.BENCH_KUBEATLAS_NODE_ARGS?.split(' ').filter(Boolean);
  const child = await spawnChild({ name: opts.name ?? 'kubeatlas', script: HOST, cpus: opts.cpus, heapMb: opts.heapMb, exposeGc: true, nodeArgs });
  try {
    const config = {
      enableMutations: true,
      limits: { maxSubscriptionsTotal: 10_000, maxSubscriptionsPerConnection: 25 },
      ...(opts.config ?? {}),
    };
    const { url } = await child.call<{ url: string }>('start', { config }, 60_000);
    return {
      child,
      url,
      memory: () => child.call('memory', null, 120_000),
      add: async (specs) => void (await child.call('add', { specs }, 60_000)),
      waitReady: (ids, timeoutMs) => child.call('waitReady', { ids, timeoutMs }, timeoutMs + 30_000),
      stats: () => child.call('stats'),
      usage: () => child.call('usage'),
      pauses: (reset) => child.call('pauses', { reset }),
      cpuProfile: async (file) => void (await child.call('cpuProfile', { file }, 120_000)),
      async stop() {
        await child.call('close', null, 15_000).catch(() => undefined);
        await child.stop();
      },
    };
  } catch (e) {
    await child.stop();
    throw e;
  }
}

/**
 * Bench child: one kubeatlas process under measurement (src/app.ts
 * `startApp`, configured from a YAML file through `loadConfig` as `npm start`
 * does), with nothing else in it, so its RSS is kubeatlas's alone. Driven
 * over IPC (bench/lib/kubeatlasProcess.ts):
 *
 * - start: writes the config file, starts the app (HTTP server on an
 *   ephemeral port), answers its GraphQL URL;
 * - memory: process.memoryUsage() after full GCs (the child runs with --expose-gc);
 * - add + waitReady: registers clusters as the addCluster mutation does
 *   (ClusterRegistry.add, same pacing as config-file clusters) and measures,
 *   from inside the process, when each reaches READY;
 * - stats: objects in the store, relation edges, event-bus subscriptions,
 *   watch restarts and relists of all reflectors;
 * - usage: CPU time, time waiting for a CPU, RSS;
 * - pauses: GC pauses and event-loop delay since the last reset;
 * - cpuProfile: start a V8 CPU profile, or stop it into a file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/index.js';
import { startApp, type App } from '../../src/app.js';
import type { ResourceStoreOptions } from '../../src/store/resourceStore.js';
import { serveRpc, settledMemory } from '../lib/rpcServer.js';
import { processUsage } from '../lib/usage.js';
import { PauseMonitor, type PauseReport } from '../lib/pauses.js';
import { startProfile, type RunningProfile } from '../lib/cpuProfile.js';
import { tallies } from '../../src/events/metrics.js';
import type { KubeatlasStats, ReadyReport } from '../lib/kubeatlasTypes.js';

let app: App | undefined;
let dir: string | undefined;
let addedAt = 0;
const pauseMonitor = new PauseMonitor();
let profile: RunningProfile | undefined;
const readyAt = new Map<string, number>();
/** Status changes per cluster, ms after `add` (where the time to READY goes). */
const timeline = new Map<string, Array<{ status: string; ms: number }>>();

function running(): App {
  if (!app) throw new Error('kubeatlas is not started');
  return app;
}

async function start(params: { config: Record<string, unknown> }): Promise<{ url: string }> {
  dir = mkdtempSync(join(tmpdir(), 'kubeatlas-bench-'));
  const file = join(dir, 'kubeatlas.yaml');
  const config = { port: 0, host: '127.0.0.1', stateFile: join(dir, 'clusters.json'), demo: { enabled: false }, logLevel: 'error', ...params.config };
  writeFileSync(file, stringify(config), { mode: 0o600 });
  // BENCH_STORE_OPTIONS: ResourceStoreOptions as JSON, for A/B runs of store tuning (e.g. {"compressionDelayMs":0})
  const store = storeOptionsFromEnv(process.env.BENCH_STORE_OPTIONS);
  app = await startApp({ config: loadConfig({ argv: ['--config', file], env: {}, cwd: dir }), store });
  app.registry.onEvent((e) => {
    if (e.type !== 'STATUS_CHANGED' || !e.cluster) return;
    const list = timeline.get(e.clusterId) ?? [];
    list.push({ status: e.cluster.status, ms: Math.round(performance.now() - addedAt) });
    timeline.set(e.clusterId, list);
    if (e.cluster.status === 'READY' && !readyAt.has(e.clusterId)) readyAt.set(e.clusterId, performance.now());
  });
  return { url: app.server!.url };
}

/** BENCH_STORE_OPTIONS parsed as a JSON object (undefined when unset); a bad value is an error naming the variable. */
function storeOptionsFromEnv(raw: string | undefined): ResourceStoreOptions | undefined {
  if (!raw) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    throw new Error(`BENCH_STORE_OPTIONS is not JSON (${(e as Error).message}): ${raw}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`BENCH_STORE_OPTIONS must be a JSON object of ResourceStoreOptions, got ${raw}`);
  return parsed as ResourceStoreOptions;
}

async function memory(): Promise<NodeJS.MemoryUsage> {
  return settledMemory();
}

/** Registers the clusters (validation, persistence, background connect); the clock for waitReady starts here. */
async function add(params: { specs: Array<Record<string, unknown>> }): Promise<null> {
  const a = running();
  addedAt = performance.now();
  for (const s of params.specs) {
    readyAt.delete(String(s.clusterId));
    timeline.delete(String(s.clusterId));
  }
  for (const s of params.specs) await a.registry.add(s);
  return null;
}

/** Waits until every cluster in `ids` is READY (or `timeoutMs` passes). */
async function waitReady(params: { ids: string[]; timeoutMs: number }): Promise<ReadyReport> {
  const a = running();
  const deadline = performance.now() + params.timeoutMs;
  for (;;) {
    for (const id of params.ids) {
      if (!readyAt.has(id) && a.registry.get(id)?.info().status === 'READY') readyAt.set(id, performance.now());
    }
    const done = params.ids.every((id) => readyAt.has(id));
    if (done || performance.now() > deadline) {
      const perCluster = params.ids.map((id) => {
        const info = a.registry.get(id)?.info();
        const sync = a.catalog.sync(id)?.status();
        const kinds = sync?.reflectors ?? [];
        return {
          id,
          status: info?.status ?? 'MISSING',
          readyMs: readyAt.has(id) ? readyAt.get(id)! - addedAt : undefined,
          objects: info?.sync.objects ?? 0,
          lastError: info?.lastError,
          timeline: timeline.get(id) ?? [],
          slowestKindMs: Math.max(0, ...kinds.map((r) => r.initialSyncMs ?? 0)),
          kinds: kinds.length,
        };
      });
      const last = Math.max(...perCluster.map((c) => c.readyMs ?? Infinity));
      return { ready: done, ms: done ? last : performance.now() - addedAt, objects: a.store.size, perCluster };
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

function stats(): KubeatlasStats {
  const a = running();
  const r = a.relations.stats();
  let restarts = 0;
  let relists = 0;
  let expired = 0;
  for (const c of a.registry.list()) {
    for (const ref of a.catalog.sync(c.id)?.status().reflectors ?? []) {
      restarts += ref.restarts;
      relists += ref.relists;
      expired += ref.expired;
    }
  }
  const d = a.store.deferredCompressionStats();
  return {
    objects: a.store.size,
    edges: r.edges,
    relationBytes: r.approxBytes,
    subscriptions: a.events.stats().subscriptions,
    slowDisconnects: tallies.resource.slowDisconnects,
    watchRestarts: restarts,
    relists,
    expired,
    deferredCompressions: { compressed: d.compressed, superseded: d.superseded },
  };
}

async function close(): Promise<void> {
  const a = app;
  app = undefined;
  await a?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
}

/** GC pauses and event-loop delay since the last `reset: true` call. */
function pauses(params: { reset: boolean }): PauseReport {
  return pauseMonitor.take(params.reset);
}

/** Starts a CPU profile of this process (`file` absent), or stops the running one and writes it to `file`. */
async function cpuProfile(params: { file?: string }): Promise<null> {
  if (params.file === undefined) {
    if (profile) throw new Error('a CPU profile is already running');
    profile = await startProfile();
    return null;
  }
  if (!profile) throw new Error('no CPU profile is running');
  const running = profile;
  profile = undefined;
  writeFileSync(params.file, await running.stop());
  return null;
}

serveRpc({ start, memory, add, waitReady, stats, usage: processUsage, pauses, cpuProfile, close }, close);

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { startApp, type App } from '../../../src/app.js';
import type { CatalogOptions } from '../../../src/catalog/catalog.js';
import { loadConfig } from '../../../src/config/index.js';
import { kindKey, type KindInfo } from '../../../src/kube/kinds.js';
import type { KubeObject } from '../../../src/kube/types.js';
import type { SimCluster, SimRequestRecord } from '../../../src/sim/types.js';
import type { Logger } from '../../../src/util/logger.js';
import { FAST, startSim, type SimStartOptions } from '../../watch/support/harness.js';

export { startSim };

/** Catalog timers shortened for tests (stagger, reports, reflector backoff). */
export const TEST_CATALOG: CatalogOptions = {
  sync: { staggerMs: 20, reportThrottleMs: 50, reportIntervalMs: 100, rediscoverIntervalMs: 0, reflector: FAST },
};

/** A real pino logger whose lines the test can read. */
export function memoryLogger(level = 'info'): { log: Logger; lines: Array<Record<string, unknown>>; messages(): string[] } {
  const lines: Array<Record<string, unknown>> = [];
  const dest = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const log = pino({ level }, dest);
  return { log, lines, messages: () => lines.map((l) => String(l.msg)) };
}

export interface CacheAppOptions {
  sims: SimCluster[];
  redisUrl?: string;
  replicaId?: string;
  /** redis.* overrides (lease TTL, flush interval...). */
  redis?: Record<string, unknown>;
  config?: Record<string, unknown>;
  dir?: string;
  cacheLogger?: Logger;
  serve?: boolean;
  /** Extra fields of every cluster entry (e.g. kinds). */
  clusterSpec?: Record<string, unknown>;
}

/** Starts kubeatlas from a YAML config file, as a user would, against simulated clusters. */
export async function startCacheApp(o: CacheAppOptions): Promise<{ app: App; dir: string; file: string }> {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'kubeatlas-cache-'));
  const config = {
    port: 0,
    host: '127.0.0.1',
    stateFile: join(dir, `clusters-${o.replicaId ?? 'x'}.json`),
    demo: { enabled: false },
    enableMutations: true,
    ...(o.redisUrl ? { redisUrl: o.redisUrl } : {}),
    redis: { leaseTtlMs: 5000, flushIntervalMs: 50, connectTimeoutMs: 500, commandTimeoutMs: 5000, ...(o.replicaId ? { replicaId: o.replicaId } : {}), ...(o.redis ?? {}) },
    clusters: o.sims.map((s) => ({ clusterId: s.name, authMethod: 'TOKEN', server: s.url, token: s.adminToken, tls: { caData: s.ca.certPem }, qps: 1000, burst: 1000, ...(o.clusterSpec ?? {}) })),
    ...(o.config ?? {}),
  };
  const file = join(dir, `kubeatlas-${o.replicaId ?? 'x'}.yaml`);
  writeFileSync(file, stringify(config));
  const app = await startApp({ config: loadConfig({ argv: ['--config', file], env: {}, cwd: dir }), catalog: TEST_CATALOG, cacheLogger: o.cacheLogger, serve: o.serve });
  return { app, dir, file };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Kinds the catalog watches by default that the simulator serves. */
export function watchedKinds(app: App, clusterId: string): KindInfo[] {
  return app.store.kinds(clusterId).map((k) => k.kind);
}

/** "namespace/name" -> resourceVersion of what the store holds for a kind. */
export function storeState(app: App, clusterId: string, kind: KindInfo): Map<string, string> {
  const out = new Map<string, string>();
  const filter = { clusters: new Set([clusterId]), kindKeys: new Set([kindKey(kind)]), namespaces: undefined, selector: undefined, name: undefined, nameContains: undefined, status: undefined };
  let after: string | undefined;
  for (;;) {
    const page = app.store.query(filter, { first: 500, after });
    for (const r of page.records) out.set(`${r.namespace}/${r.name}`, r.resourceVersion);
    if (!page.hasNextPage || page.records.length === 0) return out;
    after = page.cursors[page.cursors.length - 1];
  }
}

/** Kinds (of the store's collections for a cluster) whose content differs from the server's, with a short reason. */
export function differences(app: App, sim: SimCluster): string[] {
  const out: string[] = [];
  for (const { kind } of app.store.kinds(sim.name)) {
    const a = storeState(app, sim.name, kind);
    const b = simState(sim, kind);
    if (a.size !== b.size) {
      out.push(`${kindKey(kind)}: ${a.size} in the store, ${b.size} on the server`);
      continue;
    }
    for (const [k, rv] of b) {
      if (a.get(k) !== rv) {
        out.push(`${kindKey(kind)} ${k}: ${a.get(k)} in the store, ${rv} on the server`);
        break;
      }
    }
  }
  return out;
}

/** "namespace/name" -> resourceVersion of what the simulated server holds. */
export function simState(sim: SimCluster, kind: KindInfo): Map<string, string> {
  return new Map(sim.store.list(kind.group ? `${kind.group}/${kind.kind}` : kind.kind).map((o: KubeObject) => [`${o.metadata.namespace ?? ''}/${o.metadata.name}`, o.metadata.resourceVersion ?? '']));
}

const COLLECTION_PATH = /^\/(api\/v1|apis\/[^/]+\/[^/]+)\/[a-z0-9.-]+$/;

/** Requests that transfer a whole collection: a LIST (GET of a collection), or a WatchList (sendInitialEvents). */
export function isStateTransfer(r: SimRequestRecord): boolean {
  if (r.method !== 'GET') return false;
  if (r.watch) return r.query.sendInitialEvents === 'true';
  return COLLECTION_PATH.test(r.path);
}

/** Plain watches (no initial events) and the resourceVersion they started from. */
export function plainWatches(requests: readonly SimRequestRecord[]): SimRequestRecord[] {
  return requests.filter((r) => r.watch && r.query.sendInitialEvents !== 'true');
}

export type { SimStartOptions };

/** Polls `check` until truthy; on timeout throws with `describe()` (evaluated then: the state that did not converge). */
export async function eventually<T>(check: () => T | Promise<T>, describe: () => string, timeoutMs = 30_000, everyMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** What an app's L2 thinks of a cluster, for failure messages. */
export function l2State(app: App, clusterId: string): string {
  const info = app.registry.get(clusterId)?.info();
  const sync = app.catalog.sync(clusterId)?.status();
  return JSON.stringify({
    replica: app.l2?.replicaId,
    redisUp: app.l2?.link.up,
    role: app.l2?.coordinator.roleOf(clusterId),
    status: info?.status,
    lastError: info?.lastError,
    sync: info?.sync,
    syncPhase: sync?.phase,
    notWatching: sync?.reflectors.filter((r) => r.phase !== 'watching').map((r) => `${r.kind.kind}:${r.phase}`),
    writerInSync: app.l2?.coordinator.writer.inSync,
  });
}

/**
 * The app holds the cluster exactly as the server does and is READY; when
 * this replica runs the cluster's reflectors, every one of them is watching.
 */
export async function mirrorsServer(app: App, sim: SimCluster, timeoutMs = 45_000, others: App[] = []): Promise<void> {
  const state = () => [app, ...others.filter((o) => o !== app)].map((a) => l2State(a, sim.name)).join(' ');
  await eventually(() => app.registry.get(sim.name)?.info().status === 'READY', () => `${sim.name} READY: ${state()}`, timeoutMs);
  await eventually(
    () => {
      const sync = app.catalog.sync(sim.name)?.status();
      return sync === undefined || (sync.phase === 'synced' && sync.reflectors.length > 0 && sync.reflectors.every((r) => r.phase === 'watching'));
    },
    () => `${sim.name} watched: ${state()}`,
    timeoutMs,
  );
  await eventually(() => differences(app, sim).length === 0, () => `${sim.name} in the store: ${differences(app, sim).slice(0, 3).join('; ')} ${state()}`, timeoutMs, 250);
}

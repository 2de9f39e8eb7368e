import { tmpdir } from 'node:os';
import { ClusterConnection } from '../../../src/clusters/connection.js';
import { parseClusterSpecShape } from '../../../src/config/parseClusterSpec.js';
import type { KindInfo } from '../../../src/kube/kinds.js';
import { collectionPath } from '../../../src/kube/kinds.js';
import type { KubeObject } from '../../../src/kube/types.js';
import { createCertificateAuthority } from '../../../src/sim/ca.js';
import { startSimCluster, type SimClusterTuning } from '../../../src/sim/cluster.js';
import type { SimStoreInternals } from '../../../src/sim/store.js';
import type { SimCertificateAuthority, SimCluster, SimClusterOptions, SimRequestRecord } from '../../../src/sim/types.js';
import { Reflector, type ReflectorOptions } from '../../../src/watch/reflector.js';
import { newWatchListSupport } from '../../../src/watch/watchListSupport.js';
import { objectKey } from './recordingSink.js';

/** Reflector settings that make failures and recoveries happen in milliseconds, not minutes. */
export const FAST: Partial<ReflectorOptions> = {
  backoff: { initialMs: 50, maxMs: 400, resetAfterMs: 5000 },
  inactivityTimeoutMs: 5000,
  connectTimeoutMs: 3000,
  listTimeoutMs: 5000,
  slowRetryMs: 300,
  shortWatchMs: 200,
};

let sharedCa: SimCertificateAuthority | undefined;

/** A simulated cluster signed by a CA shared within the test file (key generation is the slow part of a start). */
export type SimStartOptions = Partial<SimClusterOptions & SimClusterTuning>;

export function startSim(options: SimStartOptions & { name: string }): Promise<SimCluster> {
  sharedCa ??= createCertificateAuthority();
  return startSimCluster({ ca: sharedCa, ...options });
}

/**
 * The real cluster connection (src/clusters/connection.ts) to a simulated
 * cluster: token auth, the sim's CA, a 10 s request deadline and a QPS budget
 * high enough not to be what a test measures.
 */
export function clientFor(sim: SimCluster, token: string = sim.adminToken, server: string = sim.url): ClusterConnection {
  return connectionFor(sim.name, server, sim.ca.certPem, token);
}

export function connectionFor(clusterId: string, server: string, caPem: string, token: string): ClusterConnection {
  const spec = parseClusterSpecShape(
    { clusterId, authMethod: 'TOKEN', server, token, tls: { caData: caPem }, qps: 2000, burst: 2000, timeoutSeconds: 10 },
    { clusterFilesDir: tmpdir(), source: 'runtime' },
  );
  return new ClusterConnection({ spec, clusterFilesDir: tmpdir(), source: 'runtime' });
}

/** A reflector with FAST settings and its own WatchList memo unless one is given. */
export function reflectorFor(options: Pick<ReflectorOptions, 'client' | 'kind' | 'sink'> & Partial<ReflectorOptions>): Reflector {
  return new Reflector({ watchList: newWatchListSupport(), ...FAST, ...options });
}

/**
 * key -> resourceVersion of what the simulated server holds for a kind. Reads
 * the sim's stored snapshot (no JSON parsing: tests poll this while the
 * reflectors under test need the CPU).
 */
export function serverState(sim: SimCluster, kind: KindInfo): Map<string, string> {
  const ref = `${kind.group ? `${kind.group}/` : ''}${kind.kind}`;
  const internals = sim.store as unknown as Partial<Pick<SimStoreInternals, 'currentSnapshot'>>;
  if (typeof internals.currentSnapshot === 'function') {
    return new Map(internals.currentSnapshot(sim.store.kind(ref)).map((so) => [`${so.namespace ?? ''}/${so.name}`, String(so.rv)]));
  }
  return new Map(sim.store.list(ref).map((o: KubeObject) => [objectKey(o), o.metadata.resourceVersion ?? '']));
}

/** Polls `cond` until it holds; throws with `describe()` after `timeoutMs`. */
export async function waitFor(cond: () => boolean, timeoutMs = 10_000, describe: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms ${describe()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function diffStates(a: Map<string, string>, b: Map<string, string>): string {
  const out: string[] = [];
  for (const [k, v] of a) if (b.get(k) !== v) out.push(`${k}: ${v} vs ${b.get(k) ?? 'absent'}`);
  for (const [k, v] of b) if (!a.has(k)) out.push(`${k}: absent vs ${v}`);
  return out.slice(0, 10).join('; ') + (out.length > 10 ? ` (+${out.length - 10})` : '');
}

/**
 * Requests the sim served for one kind's collection. The sim logs a request
 * when it closes (`at` is the close time), so an open watch is absent until
 * it ends: stop the reflector (see `stopAndLog`) before asserting on watches.
 */
export function collectionRequests(sim: SimCluster, kind: KindInfo): SimRequestRecord[] {
  const path = collectionPath(kind);
  return sim.requests().filter((r) => r.path === path);
}

/** Stops the reflectors and waits until the sim logged at least `watches` closed watches per kind. */
export async function stopAndLog(sim: SimCluster, reflectors: ReadonlyArray<{ kind: KindInfo; stop(): Promise<void> }>, watches = 1): Promise<void> {
  await Promise.all(reflectors.map((r) => r.stop()));
  await waitFor(() => reflectors.every((r) => collectionRequests(sim, r.kind).filter((q) => q.watch).length >= watches), 5000, () => 'watches not logged');
}

/** A state transfer request: a first list page or a WatchList. */
export const isTransfer = (r: SimRequestRecord) => (isList(r) && !r.query.continue) || isWatchList(r);

export const isList = (r: SimRequestRecord) => !r.watch && r.method === 'GET';
export const isWatchList = (r: SimRequestRecord) => r.watch && r.query.sendInitialEvents === 'true';
export const isPlainWatch = (r: SimRequestRecord) => r.watch && r.query.sendInitialEvents !== 'true';

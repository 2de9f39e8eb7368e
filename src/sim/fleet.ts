import { chmodSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { stringify } from 'yaml';
import { KubeatlasError } from '../util/errors.js';
import { logger } from '../util/logger.js';
import { createCertificateAuthority } from './ca.js';
import { startSimCluster } from './cluster.js';
import type { SimCluster } from './types.js';

const log = logger('sim-fleet');

export interface SimFleetOptions {
  /** Number of clusters (1-200). */
  clusters: number;
  /** Approximate objects of each cluster's workload (0 = bare clusters). */
  objects: number;
  /** Port of the first cluster; the others follow (basePort + i). 0 or absent = an ephemeral port each. */
  basePort?: number;
  host?: string;
  /** Changes per second per cluster (0 = none). */
  churnPerSecond?: number;
  /** Seed of the first cluster; cluster i uses seed + i. Default 1. */
  seed?: number;
  /** Cluster names are `${namePrefix}-1..N` (default "sim"). */
  namePrefix?: string;
  /** Serve WatchList (default true). */
  watchList?: boolean;
}

export interface SimFleet {
  clusters: SimCluster[];
  /** One kubeconfig for the whole fleet: a context, cluster and user per cluster (all named after it), current-context the first. */
  kubeconfig(): string;
  /** Writes kubeconfig() to `path` with mode 0600 (it holds bearer tokens). */
  writeKubeconfig(path: string): void;
  close(): Promise<void>;
}

const NAME_PREFIX = /^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$/;

function bad(message: string, field: string): KubeatlasError {
  return new KubeatlasError('BAD_USER_INPUT', message, { field });
}

function checkOptions(o: SimFleetOptions): void {
  if (!Number.isInteger(o.clusters) || o.clusters < 1 || o.clusters > 200) throw bad('clusters must be an integer from 1 to 200', 'clusters');
  if (!Number.isInteger(o.objects) || o.objects < 0 || o.objects > 2_000_000) throw bad('objects must be an integer from 0 to 2000000', 'objects');
  if (o.basePort !== undefined && (!Number.isInteger(o.basePort) || o.basePort < 0 || o.basePort > 65535)) throw bad('port must be an integer from 0 to 65535', 'port');
  if (o.basePort && o.basePort + o.clusters - 1 > 65535) throw bad(`ports ${o.basePort}..${o.basePort + o.clusters - 1} do not fit below 65536`, 'port');
  if (o.churnPerSecond !== undefined && (!Number.isFinite(o.churnPerSecond) || o.churnPerSecond < 0 || o.churnPerSecond > 100_000)) throw bad('churn must be a number from 0 to 100000 (changes per second per cluster)', 'churn');
  if (o.seed !== undefined && !Number.isInteger(o.seed)) throw bad('seed must be an integer', 'seed');
  if (o.namePrefix !== undefined && !NAME_PREFIX.test(o.namePrefix)) throw bad('name prefix must be a lowercase DNS label of at most 42 characters', 'namePrefix');
}

function isAddressInUse(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'EADDRINUSE';
}

/** Resolves when `port` can be bound on `host`, rejects with the bind error (EADDRINUSE...) otherwise. */
function probePort(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve()));
  });
}

/** Builds the fleet kubeconfig (exported for tests and tools that hold clusters already). */
export function fleetKubeconfig(clusters: readonly SimCluster[]): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: clusters.map((c) => ({ name: c.name, cluster: { server: c.url, 'certificate-authority-data': Buffer.from(c.ca.certPem).toString('base64') } })),
    users: clusters.map((c) => ({ name: c.name, user: { token: c.adminToken } })),
    contexts: clusters.map((c) => ({ name: c.name, context: { cluster: c.name, user: c.name } })),
    'current-context': clusters[0]?.name ?? '',
    preferences: {},
  });
}

/** Writes a file only its owner can read (created 0600; an existing file is narrowed to 0600 first). */
export function writePrivateFile(path: string, content: string): void {
  try {
    chmodSync(path, 0o600);
  } catch {
    // does not exist yet
  }
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/**
 * Starts N simulated clusters that share one certificate authority, named
 * `${namePrefix}-1..N`, on consecutive ports from basePort (or ephemeral
 * ports), each with its own seed. Fails with a coded error and stops what
 * it started when a port is taken (CONFLICT) or an option is invalid
 * (BAD_USER_INPUT).
 */
export async function startSimFleet(opts: SimFleetOptions): Promise<SimFleet> {
  checkOptions(opts);
  const prefix = opts.namePrefix ?? 'sim';
  const seed = opts.seed ?? 1;
  const host = opts.host ?? '127.0.0.1';
  // Fail fast on a taken port, before minutes of seeding.
  if (opts.basePort) {
    for (let i = 0; i < opts.clusters; i++) {
      const port = opts.basePort + i;
      try {
        await probePort(host, port);
      } catch (e) {
        if (isAddressInUse(e)) throw new KubeatlasError('CONFLICT', `port ${port} is already in use (cluster ${prefix}-${i + 1})`, { port, cluster: `${prefix}-${i + 1}` });
        throw new KubeatlasError('BAD_USER_INPUT', `cannot listen on ${host}:${port}: ${(e as Error).message}`, { port, host });
      }
    }
  }
  const ca = createCertificateAuthority(`${prefix}-fleet-ca`);
  const clusters: SimCluster[] = [];
  try {
    for (let i = 0; i < opts.clusters; i++) {
      const name = `${prefix}-${i + 1}`;
      const port = opts.basePort ? opts.basePort + i : 0;
      try {
        clusters.push(
          await startSimCluster({ name, port, host, seed: seed + i, objects: opts.objects, churnPerSecond: opts.churnPerSecond ?? 0, watchList: opts.watchList ?? true, ca }),
        );
      } catch (e) {
        if (isAddressInUse(e)) throw new KubeatlasError('CONFLICT', `port ${port} is already in use (cluster ${name})`, { port, cluster: name }, { cause: e });
        throw e;
      }
      log.info({ cluster: name, url: clusters[i].url }, 'cluster ready');
    }
  } catch (e) {
    await Promise.allSettled(clusters.map((c) => c.close()));
    throw e;
  }
  let closed: Promise<void> | undefined;
  return {
    clusters,
    kubeconfig: () => fleetKubeconfig(clusters),
    writeKubeconfig(path: string) {
      writePrivateFile(path, fleetKubeconfig(clusters));
    },
    close() {
      closed ??= Promise.allSettled(clusters.map((c) => c.close())).then(() => undefined);
      return closed;
    },
  };
}

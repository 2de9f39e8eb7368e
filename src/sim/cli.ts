import { realpathSync, renameSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describeError, isKubeatlasError, KubeatlasError } from '../util/errors.js';
import type { SimFleet } from './fleet.js';

/**
 * `npm run sim`: starts a fleet of simulated clusters, writes a kubeconfig
 * for them, prints how to reach them, and stops cleanly on SIGINT/SIGTERM.
 * Exit codes: 0 after a clean stop, 1 when the fleet cannot start (a port is
 * taken...), 2 for bad flags.
 */

const USAGE = `Usage: npm run sim -- [options]

  --clusters N          number of clusters (default 1)
  --objects N           approximate objects per cluster (default 5000)
  --port P              port of the first cluster, the others follow (default 0 = ephemeral)
  --host H              address to listen on (default 127.0.0.1)
  --kubeconfig-out F    kubeconfig to write (default sim.kubeconfig)
  --churn R             changes per second per cluster (default 0)
  --seed S              seed of the first cluster (default 1)
  --name-prefix P       cluster names are P-1..P-N (default sim)
  --no-watch-list       answer WatchList requests like a 1.28 server without the feature gate
  --ready-file F        once listening, write JSON with the clusters' URLs, CA and tokens to F
  --stats-interval S    print object counts every S seconds (default 0 = never)
  -h, --help            this help
`;

const STOP_TIMEOUT_MS = 5000;

interface CliOptions {
  clusters: number;
  objects: number;
  port: number;
  host: string;
  kubeconfigOut: string;
  churn: number;
  seed: number;
  namePrefix: string;
  watchList: boolean;
  readyFile?: string;
  statsInterval: number;
}

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw.trim())) throw new KubeatlasError('BAD_USER_INPUT', `--${name} must be an integer, got "${raw}"`, { flag: name });
  const n = Number(raw);
  if (n < min || n > max) throw new KubeatlasError('BAD_USER_INPUT', `--${name} must be from ${min} to ${max}, got ${n}`, { flag: name });
  return n;
}

function number(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) throw new KubeatlasError('BAD_USER_INPUT', `--${name} must be a number, got "${raw}"`, { flag: name });
  if (n < min || n > max) throw new KubeatlasError('BAD_USER_INPUT', `--${name} must be from ${min} to ${max}, got ${n}`, { flag: name });
  return n;
}

/** Parses and validates the command line (throws BAD_USER_INPUT). Returns undefined for --help. */
export function parseCli(argv: string[]): CliOptions | undefined {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        clusters: { type: 'string' },
        objects: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        'kubeconfig-out': { type: 'string' },
        churn: { type: 'string' },
        seed: { type: 'string' },
        'name-prefix': { type: 'string' },
        'no-watch-list': { type: 'boolean' },
        'ready-file': { type: 'string' },
        'stats-interval': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    throw new KubeatlasError('BAD_USER_INPUT', (e as Error).message, {});
  }
  if (values.help) return undefined;
  const kubeconfigOut = values['kubeconfig-out'] ?? 'sim.kubeconfig';
  if (!kubeconfigOut.trim()) throw new KubeatlasError('BAD_USER_INPUT', '--kubeconfig-out must not be empty', { flag: 'kubeconfig-out' });
  return {
    clusters: integer('clusters', values.clusters, 1, 1, 200),
    objects: integer('objects', values.objects, 5000, 0, 2_000_000),
    port: integer('port', values.port, 0, 0, 65535),
    host: values.host ?? '127.0.0.1',
    kubeconfigOut,
    churn: number('churn', values.churn, 0, 0, 100_000),
    seed: integer('seed', values.seed, 1, -2147483648, 2147483647),
    namePrefix: values['name-prefix'] ?? 'sim',
    watchList: !values['no-watch-list'],
    readyFile: values['ready-file'],
    statsInterval: number('stats-interval', values['stats-interval'], 0, 0, 86_400),
  };
}

/** The ready file: what a parent process needs to reach the clusters (it holds tokens: mode 0600). */
function readyDocument(fleet: SimFleet, kubeconfigPath: string): string {
  return JSON.stringify(
    {
      kubeconfig: kubeconfigPath,
      ca: fleet.clusters[0]?.ca.certPem ?? '',
      clusters: fleet.clusters.map((c) => ({ name: c.name, context: c.name, url: c.url, port: c.port, token: c.adminToken, objects: c.store.count() })),
    },
    null,
    2,
  );
}

async function main(): Promise<number> {
  let opts: CliOptions | undefined;
  try {
    opts = parseCli(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`sim: ${describeError(e)}\n\n${USAGE}`);
    return 2;
  }
  if (!opts) {
    process.stdout.write(USAGE);
    return 0;
  }
  // Only warnings in the terminal unless asked (the fleet module logs at import, hence the dynamic import).
  process.env.KUBEATLAS_LOG_LEVEL ??= 'warn';
  const { startSimFleet, writePrivateFile } = await import('./fleet.js');
  const started = Date.now();
  let fleet: SimFleet;
  try {
    fleet = await startSimFleet({
      clusters: opts.clusters,
      objects: opts.objects,
      basePort: opts.port,
      host: opts.host,
      churnPerSecond: opts.churn,
      seed: opts.seed,
      namePrefix: opts.namePrefix,
      watchList: opts.watchList,
    });
  } catch (e) {
    process.stderr.write(`sim: cannot start: ${describeError(e)}\n`);
    return isKubeatlasError(e) && e.code === 'BAD_USER_INPUT' ? 2 : 1;
  }
  try {
    fleet.writeKubeconfig(opts.kubeconfigOut);
    if (opts.readyFile) {
      // Write then rename, so a reader polling for the file never sees half of it.
      const tmp = `${opts.readyFile}.${process.pid}.tmp`;
      writePrivateFile(tmp, readyDocument(fleet, opts.kubeconfigOut));
      renameSync(tmp, opts.readyFile);
    }
  } catch (e) {
    process.stderr.write(`sim: cannot write output files: ${describeError(e)}\n`);
    await fleet.close();
    return 1;
  }

  const out = process.stdout;
  out.write(`${fleet.clusters.length} simulated cluster(s) ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  for (const c of fleet.clusters) out.write(`  ${c.name.padEnd(12)} ${c.url.padEnd(26)} ${String(c.store.count()).padStart(8)} objects\n`);
  out.write(`kubeconfig: ${opts.kubeconfigOut}\n`);
  out.write(`try: kubectl --kubeconfig ${opts.kubeconfigOut} --context ${fleet.clusters[0].name} get pods -A\n`);
  if (opts.churn > 0) out.write(`churn: ${opts.churn} changes/s per cluster\n`);

  const stats = opts.statsInterval > 0 ? setInterval(() => {
    const objects = fleet.clusters.reduce((n, c) => n + c.store.count(), 0);
    const rv = fleet.clusters.reduce((n, c) => n + c.store.resourceVersion, 0);
    out.write(`stats objects=${objects} writes=${rv}\n`);
  }, opts.statsInterval * 1000) : undefined;
  stats?.unref();

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) {
        process.stderr.write(`sim: ${signal} again, exiting now\n`);
        resolve(130);
        return;
      }
      stopping = true;
      if (stats) clearInterval(stats);
      out.write(`sim: ${signal}, stopping\n`);
      const deadline = setTimeout(() => {
        process.stderr.write('sim: clusters did not stop in time, exiting\n');
        resolve(1);
      }, STOP_TIMEOUT_MS - 500);
      deadline.unref();
      fleet.close().then(
        () => {
          clearTimeout(deadline);
          resolve(0);
        },
        (e) => {
          process.stderr.write(`sim: error while stopping: ${describeError(e)}\n`);
          resolve(1);
        },
      );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
}

function isEntryPoint(): boolean {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main().then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`sim: ${describeError(e)}\n`);
      process.exit(1);
    },
  );
}

/**
 * Warm restart benchmark: kubeatlas with Redis against one simulated
 * cluster of N objects (default 100 000), cold sync versus restart from the
 * Redis snapshot.
 *
 *   npx tsx bench/warmRestart.ts [--objects N] [--runs R] [--warm-repeats K] [--no-watch-list] [--json] [--profile-warm FILE]
 *
 * - A private redis-server (ephemeral port, nothing on disk) and the
 *   simulated cluster in a child process of its own (this file, run with
 *   --sim-child), so the server's CPU does not slow kubeatlas down.
 * - cold: empty Redis, kubeatlas starts; time until the cluster is READY
 *   with every kind synced and the store holding every object; then the
 *   time until the snapshot is fully in Redis. kubeatlas stops (SIGTERM
 *   path: releases its lease).
 * - warm: after a full GC (a restarted process starts with an empty heap,
 *   not one holding the stopped instance's garbage), kubeatlas starts
 *   again; time until READY with every reflector
 *   watching and the store complete; the simulated server's request log
 *   must show no state transfer (LIST or WatchList) in that run.
 * With --no-watch-list the simulated server answers WatchList requests
 * like a v1.28 server without the feature gate (the version of the
 * reference captures): the cold sync is then paged LISTs at the cluster's
 * QPS (default 5/s, burst 10), as against most production servers today.
 * Prints both times, the ratio, and JSON with --json.
 * `--warm-repeats K` restarts K times after each cold sync (the warm figure
 * of a run is their median). `--profile-warm FILE`
 * writes a V8 CPU profile (.cpuprofile, open in Chrome DevTools) of the
 * last run's warm restart, from start to READY.
 */
import { spawn, fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { stringify } from 'yaml';
import { integerFlag } from './lib/flags.js';
import { startProfile } from './lib/cpuProfile.js';

const PROGRAM = 'bench/warmRestart.ts';

interface SimInfo {
  name: string;
  url: string;
  token: string;
  caPem: string;
  objects: number;
}

interface RequestCounts {
  lists: number;
  watchLists: number;
  watches: number;
  other: number;
}

const COLLECTION_PATH = /^\/(api\/v1|apis\/[^/]+\/[^/]+)\/[a-z0-9.-]+$/;

// ------------------------------------------------------------ child: the sim

async function simChild(objects: number, watchList: boolean): Promise<void> {
  process.env.KUBEATLAS_LOG_LEVEL ??= 'warn';
  const { startSimCluster } = await import('../src/sim/index.js');
  const sim = await startSimCluster({ name: 'bench-1', objects, seed: 1, watchList, requestLogSize: 200_000 });
  const send = (m: unknown) => process.send?.(m);
  process.on('message', (m: { op: string; since?: number }) => {
    if (m.op === 'requests') {
      const counts: RequestCounts = { lists: 0, watchLists: 0, watches: 0, other: 0 };
      for (const r of sim.requests()) {
        if (r.at < (m.since ?? 0)) continue;
        if (r.watch) {
          if (r.query.sendInitialEvents === 'true') counts.watchLists++;
          else counts.watches++;
        } else if (r.method === 'GET' && COLLECTION_PATH.test(r.path)) counts.lists++;
        else counts.other++;
      }
      send({ op: 'requests', counts });
    } else if (m.op === 'stop') {
      void sim.close().then(() => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
  send({ op: 'ready', info: { name: sim.name, url: sim.url, token: sim.adminToken, caPem: sim.ca.certPem, objects: sim.store.count() } satisfies SimInfo });
}

// ---------------------------------------------------------------- parent

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ port, host: '127.0.0.1' });
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function request<T>(child: ChildProcess, op: string, extra: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sim child did not answer ${op}`)), timeoutMs);
    const onMessage = (m: { op: string }) => {
      if (m.op !== op) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(m as T);
    };
    child.on('message', onMessage);
    if (op !== 'ready') child.send({ op, ...extra });
  });
}

async function waitFor(check: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A full garbage collection (V8's gc(), made available without --expose-gc). */
function fullGc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

async function main(): Promise<void> {
  const options = { objects: { type: 'string' }, runs: { type: 'string' }, 'warm-repeats': { type: 'string' }, json: { type: 'boolean' }, 'profile-warm': { type: 'string' }, 'no-watch-list': { type: 'boolean' }, 'sim-child': { type: 'string' } } as const;
  let values: ReturnType<typeof parseArgs<{ options: typeof options }>>['values'];
  try {
    ({ values } = parseArgs({ options }));
  } catch (e) {
    process.stderr.write(`${PROGRAM}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}\n`);
    process.exit(2);
  }
  const watchList = !values['no-watch-list'];
  if (values['sim-child'] !== undefined) return simChild(Number(values['sim-child']), watchList);
  const objects = integerFlag(PROGRAM, 'objects', values.objects, 100_000, 1);
  const runs = integerFlag(PROGRAM, 'runs', values.runs, 1, 1);
  const warmRepeats = integerFlag(PROGRAM, 'warm-repeats', values['warm-repeats'], 1, 1);
  process.env.KUBEATLAS_LOG_LEVEL ??= 'warn';
  const { startApp } = await import('../src/app.js');
  const { loadConfig } = await import('../src/config/index.js');

  const dir = mkdtempSync(join(tmpdir(), 'kubeatlas-bench-warm-'));
  const redisPort = await freePort();
  const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const self = fileURLToPath(import.meta.url);
  const sim = fork(self, ['--sim-child', String(objects), ...(watchList ? [] : ['--no-watch-list'])], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const cleanup = () => {
    redis.kill('SIGKILL');
    sim.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', cleanup);
  try {
    await waitForPort(redisPort, 10_000);
    const seedStarted = Date.now();
    const { info } = await request<{ info: SimInfo }>(sim, 'ready', {}, 600_000);
    const seedSeconds = (Date.now() - seedStarted) / 1000;
    process.stderr.write(`simulated cluster: ${info.objects} objects (seeded in ${seedSeconds.toFixed(1)} s)\n`);
    const file = join(dir, 'kubeatlas.yaml');
    writeFileSync(
      file,
      stringify({
        port: 0,
        demo: { enabled: false },
        stateFile: join(dir, 'clusters.json'),
        redisUrl: `redis://127.0.0.1:${redisPort}`,
        redis: { replicaId: 'bench-replica' },
        clusters: [{ clusterId: info.name, authMethod: 'TOKEN', server: info.url, token: info.token, tls: { caData: info.caPem } }],
      }),
    );
    const config = loadConfig({ argv: ['--config', file], env: {}, cwd: dir });

    type App = Awaited<ReturnType<typeof startApp>>;
    /** READY, every watched kind synced and watching, and (warm) the store as full as after the cold sync. */
    const complete = (app: App, objects: number) => {
      const sync = app.catalog.sync(info.name)?.status();
      return (
        app.registry.get(info.name)?.info().status === 'READY' &&
        sync !== undefined &&
        sync.phase === 'synced' &&
        sync.reflectors.every((r) => r.phase === 'watching') &&
        app.store.size >= objects
      );
    };

    /** Cold sync from an empty Redis to READY, then until the snapshot is fully written; stops the app. */
    const coldSync = async () => {
      let t0 = performance.now();
      const app = await startApp({ config });
      await waitFor(() => complete(app, 0), 'the cold sync', 900_000);
      const coldMs = performance.now() - t0;
      const catalogObjects = app.store.size;
      t0 = performance.now();
      await waitFor(() => app.l2?.coordinator.writer.inSync === true, 'the snapshot', 600_000);
      const snapshotMs = performance.now() - t0;
      const memInfo = String(await app.l2!.link.cmd.info('memory'));
      const redisBytes = Number(/used_memory:(\d+)/.exec(memInfo)?.[1] ?? 'NaN');
      await app.close();
      return { coldMs, catalogObjects, snapshotMs, redisBytes };
    };

    /** One restart from the snapshot to READY with `objects` in the store (profiled into `profileFile` when given); stops the app. */
    const warmRestart = async (profileFile: string | undefined, objects: number) => {
      const profile = profileFile !== undefined ? await startProfile() : undefined;
      const t0 = performance.now();
      const app = await startApp({ config });
      await waitFor(() => complete(app, objects), 'the warm restart', 900_000);
      const ms = performance.now() - t0;
      if (profile) writeFileSync(profileFile!, await profile.stop());
      const relisted = app.catalog.sync(info.name)!.status().reflectors.filter((r) => r.relists > 0 || (r.initialSyncMs ?? 0) > 0).length;
      await app.close();
      return { ms, relisted };
    };

    const median = (xs: number[]) => {
      const v = [...xs].sort((a, b) => a - b);
      return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    };
    const results: Array<{ redisBytes: number; catalogObjects: number; coldMs: number; snapshotMs: number; warmMs: number; warmTransfers: number; coldTransfers: number; warmWatches: number }> = [];
    for (let run = 1; run <= runs; run++) {
      const probe = await import('ioredis').then((m) => new m.Redis(`redis://127.0.0.1:${redisPort}`));
      await probe.flushall();
      probe.disconnect();

      // cold
      const coldMark = Date.now();
      const { coldMs, catalogObjects, snapshotMs, redisBytes } = await coldSync();
      const cold = (await request<{ counts: RequestCounts }>(sim, 'requests', { since: coldMark })).counts;

      // warm: a real restart is a new process with an empty heap; the stopped instance is unreachable here (each phase holds its app in a scope of its own) and collected first
      const warmRuns: number[] = [];
      let warm: RequestCounts = { lists: 0, watchLists: 0, watches: 0, other: 0 };
      for (let repeat = 1; repeat <= warmRepeats; repeat++) {
        fullGc();
        const last = run === runs && repeat === warmRepeats;
        const warmMark = Date.now();
        const { ms, relisted } = await warmRestart(values['profile-warm'] !== undefined && last ? values['profile-warm'] : undefined, catalogObjects);
        warmRuns.push(ms);
        const counts = (await request<{ counts: RequestCounts }>(sim, 'requests', { since: warmMark })).counts;
        if (counts.lists + counts.watchLists >= warm.lists + warm.watchLists) warm = counts;
        if (relisted > 0) process.stderr.write(`warning: ${relisted} kinds transferred state during the warm restart\n`);
      }
      const warmMs = median(warmRuns);
      results.push({ redisBytes, catalogObjects, coldMs, snapshotMs, warmMs, coldTransfers: cold.lists + cold.watchLists, warmTransfers: warm.lists + warm.watchLists, warmWatches: warm.watches });
      fullGc();
      process.stderr.write(
        `run ${run}: cold ${(coldMs / 1000).toFixed(2)} s, snapshot written ${(snapshotMs / 1000).toFixed(2)} s later, warm ${warmRuns.map((ms) => (ms / 1000).toFixed(2)).join(', ')} s (heap after: ${Math.round(process.memoryUsage().heapUsed / 1048576)} MB)\n`,
      );
    }

    const coldMs = median(results.map((r) => r.coldMs));
    const warmMs = median(results.map((r) => r.warmMs));
    const summary = {
      serverWatchList: watchList,
      objects: info.objects,
      catalogObjects: results[0].catalogObjects,
      runs,
      warmRepeats,
      coldSeconds: +(coldMs / 1000).toFixed(3),
      warmSeconds: +(warmMs / 1000).toFixed(3),
      warmToColdRatio: +(warmMs / coldMs).toFixed(3),
      snapshotWriteSeconds: +(median(results.map((r) => r.snapshotMs)) / 1000).toFixed(3),
      redisMemoryMB: Math.round(results[0].redisBytes / 1024 / 1024),
      coldStateTransfers: results[0].coldTransfers,
      warmStateTransfers: Math.max(...results.map((r) => r.warmTransfers)),
      warmWatches: results[0].warmWatches,
    };
    process.stdout.write(
      [
        `objects                      ${summary.objects} on the server, ${summary.catalogObjects} of the watched kinds`,
        `cold sync to READY           ${summary.coldSeconds.toFixed(2)} s  (${summary.coldStateTransfers} LIST/WatchList requests; server ${watchList ? 'serves WatchList' : 'without WatchList: paged LISTs at QPS 5'})`,
        `snapshot in redis after      ${summary.snapshotWriteSeconds.toFixed(2)} s  (redis used_memory ${summary.redisMemoryMB} MB: snapshot + change stream)`,
        `warm restart to READY        ${summary.warmSeconds.toFixed(2)} s  (${summary.warmStateTransfers} LIST/WatchList requests, ${summary.warmWatches} WATCHes)`,
        `warm / cold                  ${(summary.warmToColdRatio * 100).toFixed(1)} %`,
        '',
      ].join('\n'),
    );
    if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    sim.send({ op: 'stop' });
  } finally {
    cleanup();
  }
}

main().then(
  () => {
    if (!process.argv.includes('--sim-child')) process.exit(0);
  },
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);

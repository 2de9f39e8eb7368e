import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { kindKey, type KindInfo } from '../../src/kube/kinds.js';
import type { SimCluster } from '../../src/sim/types.js';
import { ClusterSync } from '../../src/catalog/clusterSync.js';
import type { SyncTarget } from '../../src/catalog/syncTarget.js';
import type { ReflectorSink } from '../../src/watch/sink.js';
import { FAST, clientFor, diffStates, serverState, startSim } from '../watch/support/harness.js';
import { RecordingSinks, replay } from '../watch/support/recordingSink.js';
import { startChurnDriver } from './churnDriver.js';

/**
 * Chaos: a simulated cluster churns a few hundred changes per second while
 * its apiserver drops watches, expires them (410), compacts its history,
 * fails requests, corrupts watch lines and restarts. Afterwards the catalog
 * must equal the server (every kind: same names and resourceVersions) within
 * 5 s, and the change stream the sinks emitted, replayed in order from the
 * empty start, must give that same state with no impossible step (an ADDED
 * for a present object, a MODIFIED or DELETED for an absent one, a MODIFIED
 * that does not move the resourceVersion forward).
 */

const RUNS = Number(process.env.KUBEATLAS_CHAOS_RUNS ?? 20);
const CHURN_MS = Number(process.env.KUBEATLAS_CHAOS_CHURN_MS ?? 2000);
/** The churned kinds, plus quiet ones (their watches must survive the faults too). */
const KINDS = [
  'pods', 'events', 'configmaps', 'secrets', 'serviceaccounts', 'namespaces', 'services', 'endpointslices',
  'deployments', 'replicasets', 'jobs', 'leases', 'rbac.authorization.k8s.io/ClusterRole',
];
/** Changes per second: the simulator's own churn engine (pods, events, labels, configs, leases, scaling, cron) plus the driver (creates, deletes, re-creations). */
const SIM_CHURN_PER_SECOND = 120;
const DRIVER_CHURN_PER_SECOND = 100;
const CONVERGE_MS = 5000;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Fault = 'drop' | 'expire' | 'compact' | 'restart' | 'fail500' | 'garbage' | 'truncated';
const FAULTS: Fault[] = ['drop', 'expire', 'compact', 'restart', 'fail500', 'garbage', 'truncated'];

async function inject(sim: SimCluster, fault: Fault, rnd: () => number): Promise<void> {
  switch (fault) {
    case 'drop':
      sim.faults.dropWatches();
      break;
    case 'expire':
      sim.faults.expireNextWatches(1 + Math.floor(rnd() * 5));
      sim.faults.dropWatches();
      break;
    case 'compact':
      sim.faults.dropWatches();
      await sleep(rnd() * 100);
      sim.faults.compact();
      break;
    case 'restart': {
      const t0 = Date.now();
      // sim.stop() resolves when the old server's connections are gone; one accepted mid-restart can
      // keep it waiting (it stops listening at once, so start() still works): bound the wait.
      await Promise.race([sim.stop(), sleep(1000)]);
      trace(Number(sim.name.slice(6)), `stopped in ${Date.now() - t0} ms`);
      await sleep(50 + rnd() * 250);
      await sim.start();
      trace(Number(sim.name.slice(6)), 'started');
      break;
    }
    case 'fail500':
      sim.faults.failNext(1 + Math.floor(rnd() * 4), 500, { includeWatches: true });
      sim.faults.dropWatches();
      break;
    case 'garbage':
    case 'truncated':
      sim.faults.corruptWatches(fault);
      break;
  }
}

const trace = (seed: number, msg: string) => {
  if (process.env.KUBEATLAS_CHAOS_TRACE) console.log(`[chaos ${seed}] ${msg}`);
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class RecordingStore {
  readonly sinks = new RecordingSinks();
  readonly kinds: KindInfo[] = [];
  sinkFor(_clusterId: string, kind: KindInfo): ReflectorSink {
    this.kinds.push(kind);
    return this.sinks.sinkFor(kind);
  }
  resourceVersionOf(): undefined {
    return undefined;
  }
}

interface RunResult {
  faults: Fault[];
  churned: number;
  changes: number;
  relists: number;
  restarts: number;
  convergeMs: number;
  ms: number;
}

/**
 * One simulated cluster per transfer mode (WatchList served or not), shared
 * by the runs of that mode one after the other: a start costs more than a
 * run's sync. Each run brings its own ClusterSync and sinks, so it starts
 * from an empty catalog like a fresh one.
 */
const sims = new Map<boolean, { sim: Promise<SimCluster>; turn: Promise<void> }>();

async function withSim<T>(watchList: boolean, fn: (sim: SimCluster) => Promise<T>): Promise<T> {
  let slot = sims.get(watchList);
  if (!slot) {
    slot = {
      sim: startSim({ name: `chaos-${watchList ? 'wl' : 'list'}`, seed: 1000, objects: 80, historySize: watchList ? 400 : 700, bookmarkIntervalMs: 100, continueTokenTtlMs: 2000, watchList }),
      turn: Promise.resolve(),
    };
    sims.set(watchList, slot);
  }
  const previous = slot.turn;
  let done!: () => void;
  slot.turn = new Promise<void>((r) => (done = r));
  await previous;
  try {
    const sim = await slot.sim;
    return await fn(sim);
  } finally {
    done();
  }
}

async function chaosRun(seed: number): Promise<RunResult> {
  return withSim(seed % 2 === 0, async (sim) => {
    const cleanups: Array<() => Promise<void> | void> = [];
    try {
      return await chaosRunWith(seed, sim, cleanups);
    } finally {
      for (const c of cleanups.reverse()) await c();
    }
  });
}

async function chaosRunWith(seed: number, sim: SimCluster, cleanups: Array<() => Promise<void> | void>): Promise<RunResult> {
  const started = Date.now();
  const rnd = mulberry32(seed);
  cleanups.push(() => {
    sim.setChurn(0);
    sim.faults.clear();
  });
  const client = clientFor(sim);
  cleanups.push(() => client.close());
  const store = new RecordingStore();
  const ctl = new AbortController();
  const target: SyncTarget = { id: `${sim.name}-${seed}`, client, spec: { kinds: KINDS }, signal: ctl.signal, reportSync: () => undefined };
  const sync = new ClusterSync(target, store, {
    staggerMs: 20,
    maxConcurrentLists: 4,
    reportIntervalMs: 200,
    rediscoverIntervalMs: 0,
    random: rnd,
    reflector: { ...FAST, pageSize: 100, inactivityTimeoutMs: 2000, watchTimeoutSeconds: { min: 1, max: 3 } },
  });
  cleanups.push(() => sync.stop());
  sync.start();
  expect(await sync.whenSynced()).toBe(true);
  trace(seed, `synced after ${Date.now() - started} ms`);

  const churn = startChurnDriver(sim, { perSecond: DRIVER_CHURN_PER_SECOND, random: mulberry32(seed * 7919) });
  cleanups.push(() => {
    churn.stop();
    churn.removeAll();
  });
  sim.setChurn(SIM_CHURN_PER_SECOND);
  const writesBefore = sim.store.resourceVersion;
  const faults: Fault[] = [];
  const end = Date.now() + CHURN_MS;
  while (Date.now() < end) {
    await sleep(80 + rnd() * 250);
    const fault = FAULTS[Math.floor(rnd() * FAULTS.length)];
    faults.push(fault);
    trace(seed, `fault ${fault}`);
    await inject(sim, fault, rnd);
  }
  churn.stop();
  sim.setChurn(0);
  sim.faults.clear();
  const writes = sim.store.resourceVersion - writesBefore;
  const settledAt = Date.now();
  trace(seed, `faults stopped after ${settledAt - started} ms`);

  const kinds = store.kinds;
  const mismatch = () =>
    kinds
      .map((k) => [k, diffStates(store.sinks.get(k)!.snapshot(), serverState(sim, k))] as const)
      .filter(([, d]) => d !== '')
      .map(([k, d]) => `${kindKey(k)}: ${d}`);
  // Polled gently: comparing every kind is CPU the reflectors need under load.
  while (mismatch().length > 0 && Date.now() - settledAt < CONVERGE_MS) await sleep(150);
  const convergeMs = Date.now() - settledAt;
  const stuck = () =>
    sync
      .status()
      .reflectors.filter((r) => mismatch().some((m) => m.startsWith(`${kindKey(r.kind)}:`)))
      .map((r) => `${kindKey(r.kind)} ${r.phase} rv=${r.resourceVersion} relists=${r.relists} restarts=${r.restarts} lastError=${r.lastError}`);
  if (process.env.KUBEATLAS_CHAOS_TRACE && mismatch().length) {
    trace(seed, `MISMATCH ${mismatch().join(' | ')} || ${stuck().join('; ')} || server rv ${sim.store.resourceVersion}`);
  }
  expect(mismatch(), `seed ${seed}, faults ${faults.join(',')}; ${stuck().join('; ')}`).toEqual([]);

  // The emitted change stream, replayed from empty, gives the same state, with no impossible step.
  const { state, violations } = replay(store.sinks.changes);
  expect(violations, `seed ${seed}`).toEqual([]);
  expect(store.sinks.anomalies, `seed ${seed}`).toEqual([]);
  for (const k of kinds) expect(diffStates(state.get(kindKey(k)) ?? new Map(), serverState(sim, k)), `${kindKey(k)} seed ${seed}`).toBe('');

  const statuses = sync.status().reflectors;
  return {
    faults,
    churned: writes,
    ms: Date.now() - started,
    changes: store.sinks.changes.length,
    relists: statuses.reduce((n, s) => n + s.relists, 0),
    restarts: statuses.reduce((n, s) => n + s.restarts, 0),
    convergeMs,
  };
}

vi.setConfig({ maxConcurrency: 2 });

afterAll(async () => {
  for (const slot of sims.values()) await (await slot.sim).close();
});

const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

describe('reflectors under chaos', () => {
  const seeds = Array.from({ length: RUNS }, (_, i) => 1000 + i);
  const results: RunResult[] = [];

  // Two runs at a time: each is mostly waiting on timers and sockets.
  it.concurrent.each(seeds)('seed %i: catalog equals the server and the change stream replays to it', async (seed) => {
    const r = await chaosRun(seed);
    results.push(r);
    expect(r.relists + r.restarts).toBeGreaterThan(0);
  }, 30_000);

  it('the faults really happened across the runs', () => {
    expect(results).toHaveLength(RUNS);
    const all = new Set(results.flatMap((r) => r.faults));
    expect([...all].sort()).toEqual([...FAULTS].sort());
    expect(results.reduce((n, r) => n + r.relists, 0)).toBeGreaterThan(RUNS);
    const worst = Math.max(...results.map((r) => r.convergeMs));
    const sum = (f: (r: RunResult) => number) => results.reduce((n, r) => n + f(r), 0);
    console.log(
      `chaos: ${RUNS} runs, ${sum((r) => r.faults.length)} faults, ${sum((r) => r.churned)} writes (${Math.round(sum((r) => r.churned) / ((RUNS * CHURN_MS) / 1000))}/s), ${sum((r) => r.changes)} catalog changes, ` +
        `${sum((r) => r.relists)} relists, ${sum((r) => r.restarts)} watch restarts, worst convergence ${worst} ms, slowest run ${Math.max(...results.map((r) => r.ms))} ms, ` +
        `event-loop delay p99 ${Math.round(loopDelay.percentile(99) / 1e6)} ms max ${Math.round(loopDelay.max / 1e6)} ms`,
    );
  });
});


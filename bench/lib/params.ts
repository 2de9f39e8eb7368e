import { parseArgs } from 'node:util';
import { KubeatlasError } from '../../src/util/errors.js';

/** Every knob of a bench run; all of them are printed with the results. */
export interface BenchParams {
  mode: 'quick' | 'full' | 'huge';
  /** Scenario names to run (all when absent). */
  only: string[] | undefined;
  /** JSON results file (a timestamped copy is written beside it). */
  out: string;
  /** Scenario 1: pods in the single simulated cluster, one run per value (N). */
  syncPods: number[];
  /** Scenarios 2-5: simulated clusters (C) and approximate objects per cluster (M). */
  clusters: number;
  objectsPerCluster: number;
  /** Simulator processes the fleet's clusters are spread over. */
  simProcesses: number;
  /** Scenario 3: churn rates, changes/s summed over all clusters (E). */
  eventRates: number[];
  /** Scenario 3: subscriber counts (S). */
  subscribers: number[];
  transports: Array<'sse' | 'ws'>;
  /** Scenario 3: subscribers that stop reading, added to every case with more than one subscriber. */
  stalled: number;
  /** Scenario 3: seconds of churn per case. */
  eventSeconds: number;
  /** Scenario 3: directory for a CPU profile of kubeatlas over each case's churn and delivery (none when absent). */
  profileEvents: string | undefined;
  /** Scenario 4: seconds of load per side, concurrent questions in flight. */
  querySeconds: number;
  queryConcurrency: number;
  /** Scenario 4: churn (changes/s over all clusters) while queries run, so answers come from a live catalog. */
  queryChurn: number;
  /** Scenario 5: related(depth: 2) queries, one at a time. */
  relatedQueries: number;
  /** Scenario 7: approximate objects of the cluster added at runtime. */
  addClusterObjects: number;
  /** Scenario 6: approximate objects of the cluster bench/warmRestart.ts uses. */
  warmObjects: number;
  /** Pin kubeatlas (and each peer) to CPU 0, simulators and load clients to CPU 1 (taskset). */
  pin: boolean;
  seed: number;
}

export const SCENARIOS = ['sync', 'scale', 'events', 'query', 'relations', 'warm', 'addcluster'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export const USAGE = `Usage: npm run bench -- [options]

  --quick                 small sizes, < 3 minutes (what to run before and after a change)
  --huge                  scale scenario at 100 clusters x 10k objects (1M objects)
  --only a,b              scenarios to run: ${SCENARIOS.join(', ')}
  --out FILE              results JSON (default bench/results/latest.json; a timestamped copy is kept beside it)
  --pods N[,N]            scenario 1: pods in the synced cluster (quick 10000; full 10000,100000)
  --clusters C            scenarios 2-5: simulated clusters (quick 4, full 20, huge 100)
  --objects M             scenarios 2-5: objects per cluster (quick 5000, full 25000, huge 10000)
  --sim-processes P       simulator processes for the fleet (default 2)
  --rates E[,E]           scenario 3: churn, changes/s over all clusters (quick 1000; full 1000,5000)
  --subscribers S[,S]     scenario 3: subscriber counts (quick 1,50; full 1,200)
  --transports T[,T]      scenario 3: sse, ws (default both)
  --stalled N             scenario 3: subscribers that stop reading, added when S > 1 (default 1)
  --event-seconds S       scenario 3: seconds of churn per case (quick 5, full 10)
  --profile-events DIR    scenario 3: write a kubeatlas CPU profile of each case (churn to last delivery) into DIR
  --query-seconds S       scenario 4: seconds of load per side (quick 5, full 15)
  --concurrency K         scenario 4: questions in flight (default 8)
  --query-churn R         scenario 4: changes/s over all clusters during the load (default 100)
  --related-queries Q     scenario 5: related(depth: 2) queries (quick 300, full 2000)
  --add-objects N         scenario 7: objects of the added cluster (default 10000)
  --warm-objects N        scenario 6: objects of the cluster bench/warmRestart.ts restarts against (quick 5000, full 100000)
  --no-pin                do not pin processes to CPUs with taskset
  --seed S                workload seed (default 1)
  -h, --help              this help
`;

function bad(message: string, flag: string): KubeatlasError {
  return new KubeatlasError('BAD_USER_INPUT', message, { flag });
}

function int(flag: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw.trim())) throw bad(`--${flag} must be a whole number, got "${raw}"`, flag);
  const n = Number(raw);
  if (n < min || n > max) throw bad(`--${flag} must be from ${min} to ${max}, got ${n}`, flag);
  return n;
}

function ints(flag: string, raw: string | undefined, fallback: number[], min: number, max: number): number[] {
  if (raw === undefined) return fallback;
  const parts = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) throw bad(`--${flag} needs at least one value`, flag);
  return parts.map((p) => int(flag, p, 0, min, max));
}

/** Parses the command line; undefined for --help. Throws BAD_USER_INPUT naming the flag. */
export function parseParams(argv: string[]): BenchParams | undefined {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        quick: { type: 'boolean' },
        huge: { type: 'boolean' },
        only: { type: 'string' },
        out: { type: 'string' },
        pods: { type: 'string' },
        clusters: { type: 'string' },
        objects: { type: 'string' },
        'sim-processes': { type: 'string' },
        rates: { type: 'string' },
        subscribers: { type: 'string' },
        transports: { type: 'string' },
        stalled: { type: 'string' },
        'event-seconds': { type: 'string' },
        'profile-events': { type: 'string' },
        'query-seconds': { type: 'string' },
        concurrency: { type: 'string' },
        'query-churn': { type: 'string' },
        'related-queries': { type: 'string' },
        'add-objects': { type: 'string' },
        'warm-objects': { type: 'string' },
        'no-pin': { type: 'boolean' },
        seed: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    throw new KubeatlasError('BAD_USER_INPUT', (e as Error).message, {});
  }
  if (values.help) return undefined;
  if (values.quick && values.huge) throw bad('--quick and --huge exclude each other', 'huge');
  const mode = values.quick ? 'quick' : values.huge ? 'huge' : 'full';
  const quick = mode === 'quick';
  let only: string[] | undefined;
  if (values.only !== undefined) {
    only = values.only.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
    const unknown = only.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
    if (unknown.length || only.length === 0) throw bad(`--only takes names from ${SCENARIOS.join(', ')}; unknown: ${unknown.join(', ') || '(none given)'}`, 'only');
  }
  const transports = (values.transports ?? 'sse,ws').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (transports.length === 0 || transports.some((t) => t !== 'sse' && t !== 'ws')) throw bad(`--transports takes sse and/or ws, got "${values.transports}"`, 'transports');
  const out = values.out ?? 'bench/results/latest.json';
  if (!out.trim()) throw bad('--out must not be empty', 'out');
  const clusters = int('clusters', values.clusters, quick ? 4 : mode === 'huge' ? 100 : 20, 1, 200);
  return {
    mode,
    only,
    out,
    syncPods: ints('pods', values.pods, quick ? [10_000] : [10_000, 100_000], 100, 1_000_000),
    clusters,
    objectsPerCluster: int('objects', values.objects, quick ? 5_000 : mode === 'huge' ? 10_000 : 25_000, 0, 2_000_000),
    simProcesses: Math.min(clusters, int('sim-processes', values['sim-processes'], 2, 1, 16)),
    eventRates: ints('rates', values.rates, quick ? [1_000] : [1_000, 5_000], 1, 100_000),
    subscribers: ints('subscribers', values.subscribers, quick ? [1, 50] : [1, 200], 1, 2_000),
    transports: [...new Set(transports)] as Array<'sse' | 'ws'>,
    stalled: int('stalled', values.stalled, 1, 0, 100),
    eventSeconds: int('event-seconds', values['event-seconds'], quick ? 5 : 10, 1, 600),
    profileEvents: values['profile-events']?.trim() || undefined,
    querySeconds: int('query-seconds', values['query-seconds'], quick ? 5 : 15, 1, 600),
    queryConcurrency: int('concurrency', values.concurrency, 8, 1, 1_000),
    queryChurn: int('query-churn', values['query-churn'], 100, 0, 100_000),
    relatedQueries: int('related-queries', values['related-queries'], quick ? 300 : 2_000, 1, 1_000_000),
    addClusterObjects: int('add-objects', values['add-objects'], 10_000, 0, 2_000_000),
    warmObjects: int('warm-objects', values['warm-objects'], quick ? 5_000 : 100_000, 0, 2_000_000),
    pin: !values['no-pin'],
    seed: int('seed', values.seed, 1, 0, 2_147_483_647),
  };
}

/**
 * `npm run bench`: kubeatlas side by side with the tools users would pick
 * instead, on this machine, with the simulated apiservers, the load clients,
 * kubeatlas and each peer in processes of their own. Prints a table (and the
 * machine, Node version, commit and every parameter), writes the results as
 * JSON to --out (default bench/results/latest.json) plus a timestamped copy
 * and a Markdown table beside it. `--quick` finishes in under 3 minutes.
 *
 * Exit codes: 0 when every scenario ran or was skipped with a reason, 1 when
 * one failed, 2 for bad flags, 130/143 when interrupted (children stopped).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { describeError } from '../src/util/errors.js';
import { benchChildEnv, installCleanup, liveChildren, stopAll } from './lib/children.js';
import { planCpus } from './lib/cpuPlan.js';
import { startFleetEnv, type FleetEnv } from './lib/fleetEnv.js';
import { describeMachine, machineInfo } from './lib/machine.js';
import { parseParams, USAGE, type BenchParams } from './lib/params.js';
import { markdownTable, textTable, type ResultRow } from './lib/table.js';
import { SCENARIO_ORDER } from './scenarios/index.js';
import { SkipScenario, type BenchContext, type CpuPlan } from './scenarios/types.js';

interface ScenarioReport {
  name: string;
  n: number;
  title: string;
  status: 'ok' | 'skipped' | 'failed';
  reason?: string;
  seconds: number;
  rows: ResultRow[];
  data?: Record<string, unknown>;
}

function log(message: string): void {
  const t = new Date().toISOString().slice(11, 19);
  process.stderr.write(`[bench ${t}] ${message}\n`);
}

function describeParams(p: BenchParams): string {
  return [
    `mode=${p.mode}`,
    `only=${p.only?.join(',') ?? 'all'}`,
    `pods(N)=${p.syncPods.join(',')}`,
    `clusters(C)=${p.clusters}`,
    `objects/cluster(M)=${p.objectsPerCluster}`,
    `sim-processes=${p.simProcesses}`,
    `rates(E)=${p.eventRates.join(',')}/s`,
    `subscribers(S)=${p.subscribers.join(',')}`,
    `transports=${p.transports.join(',')}`,
    `stalled=${p.stalled}`,
    `event-seconds=${p.eventSeconds}`,
    `query-seconds=${p.querySeconds}`,
    `concurrency=${p.queryConcurrency}`,
    `query-churn=${p.queryChurn}/s`,
    `related-queries=${p.relatedQueries}`,
    `add-objects=${p.addClusterObjects}`,
    `warm-objects=${p.warmObjects}`,
    `pin=${p.pin}`,
    `seed=${p.seed}`,
  ].join(' ');
}

async function runScenarios(params: BenchParams, cpus: CpuPlan): Promise<ScenarioReport[]> {
  let fleet: Promise<FleetEnv> | undefined;
  const stopFleet = async () => {
    const f = fleet;
    fleet = undefined;
    if (f) await f.then((e) => e.stop()).catch(() => undefined);
  };
  const ctx: BenchContext = {
    params,
    cpus,
    log,
    fleet: () => (fleet ??= startFleetEnv(params, cpus, log)),
  };
  const reports: ScenarioReport[] = [];
  try {
    for (const s of SCENARIO_ORDER) {
      if (params.only && !params.only.includes(s.name)) continue;
      if (!s.usesFleet) await stopFleet(); // the others run alone on the machine
      log(`scenario ${s.n} (${s.name}): ${s.title}`);
      const t0 = performance.now();
      try {
        const outcome = await s.run(ctx);
        reports.push({ name: s.name, n: s.n, title: s.title, status: 'ok', seconds: (performance.now() - t0) / 1000, rows: outcome.rows, data: outcome.data });
      } catch (e) {
        const skipped = e instanceof SkipScenario;
        const reason = skipped ? e.message : describeError(e);
        log(`scenario ${s.n} (${s.name}) ${skipped ? 'skipped' : 'FAILED'}: ${reason}`);
        reports.push({
          name: s.name,
          n: s.n,
          title: s.title,
          status: skipped ? 'skipped' : 'failed',
          reason,
          seconds: (performance.now() - t0) / 1000,
          rows: [{ n: s.n, scenario: s.title.split(/[:(]/)[0].trim(), case: '-', kubeatlas: `${skipped ? 'skipped' : 'FAILED'}: ${reason}`, peer: '-', ratio: '-' }],
        });
      }
    }
  } finally {
    await stopFleet();
  }
  return reports;
}

function timestamp(d: Date): string {
  return d.toISOString().replace(/[:.]/g, '-').replace('T', '_').slice(0, 19);
}

async function main(): Promise<number> {
  let params: BenchParams | undefined;
  try {
    params = parseParams(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`bench: ${describeError(e)}\n\n${USAGE}`);
    return 2;
  }
  if (!params) {
    process.stdout.write(USAGE);
    return 0;
  }
  installCleanup((signal) => log(`${signal}: stopping every child process`));
  process.env.KUBEATLAS_LOG_LEVEL ??= 'error';
  const machine = machineInfo();
  const cpus = planCpus(params.pin);
  const startedAt = new Date();
  log(`kubeatlas bench, ${params.mode} mode; CPUs: ${cpus.description}`);

  const reports = await runScenarios(params, cpus);
  await stopAll();
  const finishedAt = new Date();
  const loadAtEnd = machineInfo().loadAverage1m;

  const rows = reports.flatMap((r) => r.rows).sort((a, b) => a.n - b.n);
  const command = `npm run bench --${process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : ''}`;
  const header = [
    `kubeatlas benchmark (${params.mode} mode), ${startedAt.toISOString()}, ${((finishedAt.getTime() - startedAt.getTime()) / 1000).toFixed(0)} s`,
    `command: ${command}`,
    describeMachine(machine) + `, ${loadAtEnd} at the end`,
    `CPUs: ${cpus.description}`,
    `children run with NODE_ENV=${benchChildEnv().NODE_ENV} and KUBEATLAS_LOG_LEVEL=${benchChildEnv().KUBEATLAS_LOG_LEVEL}`,
    `parameters: ${describeParams(params)}`,
    'Ratio = kubeatlas / peer: below 1 means kubeatlas needs less time, CPU or memory (for throughput, above 1 means kubeatlas serves more).',
  ].join('\n');
  process.stdout.write(`\n${header}\n\n${textTable(rows)}\n`);

  const out = resolve(params.out);
  const report = {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    command,
    machine: { ...machine, loadAverage1mAtEnd: loadAtEnd },
    cpus,
    childEnv: benchChildEnv(),
    params,
    rows,
    markdown: markdownTable(rows),
    scenarios: reports,
  };
  try {
    mkdirSync(dirname(out), { recursive: true });
    const json = JSON.stringify(report, (_k, v: unknown) => (v instanceof Float64Array ? undefined : typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);
    writeFileSync(out, json);
    const copy = join(dirname(out), `${basename(out, '.json')}-${timestamp(startedAt)}.json`);
    writeFileSync(copy, json);
    const mdFile = join(dirname(out), `${basename(out, '.json')}.md`);
    writeFileSync(mdFile, `${header.split('\n').map((l) => `${l}  `).join('\n')}\n\n${report.markdown}\n`);
    process.stdout.write(`\nresults: ${out} (copy: ${copy}; Markdown table: ${mdFile})\n`);
  } catch (e) {
    process.stderr.write(`bench: cannot write results to ${out}: ${describeError(e)}\n`);
    return 1;
  }
  const left = liveChildren();
  if (left.length) process.stderr.write(`bench: child processes still running after cleanup: ${left.join(', ')}\n`);
  return reports.some((r) => r.status === 'failed') ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    await stopAll();
    process.exit(1);
  },
);

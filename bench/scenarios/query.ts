import * as f from '../lib/format.js';
import type { FleetEnv } from '../lib/fleetEnv.js';
import type { AnswerComparison, LoadResult } from '../lib/loadTypes.js';
import type { ProcessUsage } from '../lib/simTypes.js';
import type { BenchContext, Scenario, ScenarioOutcome } from './types.js';

/**
 * Scenario 4 — "which pods carry app=X, across all clusters?", first 50.
 *
 * kubeatlas: `resources(filter: {kinds: ["Pod"], labelSelector: "app=X"},
 * first: 50) { totalCount edges { node { clusterId namespace name status } } }`
 * in a closed loop with K questions in flight. Peer: what kubectl, Backstage
 * or a script does — a LIST /api/v1/pods?labelSelector=app=X to every
 * apiserver in parallel, merge, sort by cluster/namespace/name, take 50 —
 * with the same K questions in flight (bench/lib/podQuestion.ts). Both run
 * from the load-client process, against the same clusters, while the
 * simulators churn at a modest rate (so kubeatlas answers from a live
 * catalog, not a frozen page cache). X cycles over up to 100 `app` values
 * the pods carry. Each side gets a 1 s warm-up that is not counted.
 * Beforehand, with the pods quiet, both sides answer every selector and
 * must agree on the number of matches.
 */

interface Cores {
  kubeatlas: number;
  kubeatlasWaiting: number;
  simulators: number;
  loadClient: number;
}

/** The load, and CPU time / wall time of each process over it (kubeatlasWaiting: its main thread's wait for a CPU). */
async function measured(env: FleetEnv, fn: () => Promise<LoadResult>): Promise<{ load: LoadResult; cores: Cores }> {
  const snap = async () => {
    const [k, s, l] = await Promise.all([env.kubeatlas.usage(), env.sims.usage(), env.load.call<ProcessUsage>('usage')]);
    return { at: performance.now(), k: k.cpuMs, kw: k.runQueueMs, s: s.reduce((a, u) => a + u.cpuMs, 0), l: l.cpuMs };
  };
  const a = await snap();
  const load = await fn();
  const b = await snap();
  const wall = b.at - a.at;
  return { load, cores: { kubeatlas: (b.k - a.k) / wall, kubeatlasWaiting: (b.kw - a.kw) / wall, simulators: (b.s - a.s) / wall, loadClient: (b.l - a.l) / wall } };
}

/** Up to 100 `app` values, spread over the sorted list (deterministic). */
function pickSelectors(counts: Record<string, number>): string[] {
  const apps = Object.keys(counts).sort();
  const step = Math.max(1, Math.floor(apps.length / 100));
  return apps.filter((_, i) => i % step === 0).slice(0, 100).map((a) => `app=${a}`);
}

function describeComparison(c: AnswerComparison): string {
  const parts = [`answers agree for ${c.agree}/${c.selectors} selectors${c.agreedAfterRetry ? ` (${c.agreedAfterRetry} on a second ask)` : ''}`];
  if (c.disagree.length) parts.push(`differ: ${c.disagree.slice(0, 3).map((d) => `${d.selector} ${d.kubeatlas} vs ${d.peer}`).join(', ')}`);
  if (c.errors) parts.push(`${c.errors} errors (${c.firstError ?? ''})`);
  return parts.join('; ');
}

export const query: Scenario = {
  name: 'query',
  n: 4,
  title: 'Label-selector query across all clusters vs a fan-out LIST to every apiserver',
  usesFleet: true,
  async run(ctx: BenchContext): Promise<ScenarioOutcome> {
    const env = await ctx.fleet();
    const p = ctx.params;
    const selectors = pickSelectors(await env.sims.appLabels());
    if (selectors.length === 0) throw new Error('the simulated pods carry no app label');
    const clusters = env.sims.clusters.map((c) => ({ name: c.name, url: c.url, token: c.token, caPem: c.caPem }));
    const kubeatlas = { kind: 'kubeatlas', url: env.kubeatlas.url } as const;
    const fanout = { kind: 'fanout', clusters } as const;
    const durationMs = p.querySeconds * 1000;

    // Controllers finish what an earlier churn started (graceful deletions, replacements, scale-backs) before the check.
    const quiet = await env.sims.quietPods(2_000, 30_000);
    ctx.log(`query: checking that kubeatlas and the fan-out agree on ${selectors.length} selectors${quiet ? '' : ' (pods still changing after 30 s)'}`);
    const comparison = await env.load.call<AnswerComparison>('compareAnswers', { url: env.kubeatlas.url, clusters, selectors, attempts: 3, retryDelayMs: 1_000 }, 600_000);

    await env.sims.setTotalChurn(p.queryChurn);
    try {
      ctx.log(`query: kubeatlas, ${p.queryConcurrency} in flight, ${p.querySeconds} s`);
      await env.load.call('questionLoad', { side: kubeatlas, selectors, concurrency: p.queryConcurrency, durationMs: 1_000 }, 60_000);
      const k = await measured(env, () => env.load.call<LoadResult>('questionLoad', { side: kubeatlas, selectors, concurrency: p.queryConcurrency, durationMs }, durationMs + 60_000));
      ctx.log(`query: peer fan-out LIST to ${clusters.length} apiservers, ${p.queryConcurrency} in flight, ${p.querySeconds} s`);
      await env.load.call('questionLoad', { side: fanout, selectors, concurrency: p.queryConcurrency, durationMs: 1_000 }, 60_000);
      const peer = await measured(env, () => env.load.call<LoadResult>('questionLoad', { side: fanout, selectors, concurrency: p.queryConcurrency, durationMs }, durationMs + 120_000));
      const kl = k.load;
      const pl = peer.load;
      const err = (l: LoadResult) => (l.errors ? `; ${f.int(l.errors)} errors (${l.firstError ?? ''})` : '');
      return {
        rows: [
          {
            n: 4,
            scenario: 'Query',
            case: `app=X, first 50, ${clusters.length} clusters, ${p.queryConcurrency} in flight, churn ${f.int(p.queryChurn)}/s`,
            kubeatlas: `${f.rate(kl.perSecond, 'req')} (kubeatlas CPU ${f.ms((k.cores.kubeatlas * 1000) / kl.perSecond)}/question); p50 ${f.ms(kl.latency.p50)}, p99 ${f.ms(kl.latency.p99)}; ${kl.meanMatches.toFixed(1)} matches/question on average${err(kl)}; cores busy: kubeatlas ${k.cores.kubeatlas.toFixed(2)} (+${k.cores.kubeatlasWaiting.toFixed(2)} waiting for a CPU), client ${k.cores.loadClient.toFixed(2)}`,
            peer: `fan-out LIST x${clusters.length}: ${f.rate(pl.perSecond, 'req')} (apiserver CPU ${f.ms((peer.cores.simulators * 1000) / pl.perSecond)}/question); p50 ${f.ms(pl.latency.p50)}, p99 ${f.ms(pl.latency.p99)}${err(pl)}; cores busy: apiservers ${peer.cores.simulators.toFixed(2)}, client ${peer.cores.loadClient.toFixed(2)}`,
            ratio: `throughput ${f.ratio(kl.perSecond / pl.perSecond)}; p50 ${f.ratio(kl.latency.p50 / pl.latency.p50)}, p99 ${f.ratio(kl.latency.p99 / pl.latency.p99)}; ${describeComparison(comparison)}`,
          },
        ],
        data: { selectors: selectors.length, kubeatlas: { ...kl, cores: k.cores }, peer: { ...pl, cores: peer.cores }, comparison, quietBeforeComparison: quiet },
      };
    } finally {
      await env.sims.setTotalChurn(0);
    }
  },
};

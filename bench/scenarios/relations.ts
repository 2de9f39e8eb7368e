import * as f from '../lib/format.js';
import type { RelatedResult } from '../lib/loadTypes.js';
import type { Scenario, ScenarioOutcome } from './types.js';

/**
 * Scenario 5 — `resource(Pod) { related(depth: 2) { clusterId kind namespace name } }`
 * on random pods of the fleet (picked by the simulators, reproducible by
 * seed), one question at a time from the load client, so each latency is one
 * request's round trip with nothing queued before it.
 */
export const relations: Scenario = {
  name: 'relations',
  n: 5,
  title: 'related(depth: 2) on random pods',
  usesFleet: true,
  async run(ctx): Promise<ScenarioOutcome> {
    const env = await ctx.fleet();
    const count = ctx.params.relatedQueries;
    const pods = await env.sims.samplePods(count, ctx.params.seed);
    ctx.log(`relations: related(depth: 2) on ${pods.length} random pods`);
    // Warm-up (JIT, connection): 2% of the questions, not counted.
    await env.load.call('relatedLoad', { url: env.kubeatlas.url, pods: pods.slice(0, Math.max(5, Math.floor(pods.length / 50))) }, 120_000);
    const r = await env.load.call<RelatedResult>('relatedLoad', { url: env.kubeatlas.url, pods }, 600_000);
    return {
      rows: [
        {
          n: 5,
          scenario: 'Relations',
          case: `related(depth: 2), ${f.int(pods.length)} random pods, 1 in flight`,
          kubeatlas: `p50 ${f.ms(r.latency.p50)}, p99 ${f.ms(r.latency.p99)}, max ${f.ms(r.latency.max)}; ${r.meanReturned.toFixed(1)} related resources per pod on average${r.missing ? `; ${r.missing} pods gone` : ''}${r.errors ? `; ${r.errors} errors (${r.firstError ?? ''})` : ''}`,
          peer: 'no peer (kubectl has no relation query)',
          ratio: '-',
        },
      ],
      data: { ...r },
    };
  },
};

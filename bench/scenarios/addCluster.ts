import * as f from '../lib/format.js';
import { clusterSpec } from '../lib/kubeatlasProcess.js';
import type { Scenario, ScenarioOutcome } from './types.js';
import { SkipScenario } from './types.js';

/**
 * Scenario 7 — a user adds a cluster of ~10k objects to a running kubeatlas
 * (the fleet's, already serving C x M objects): the `addCluster` mutation
 * with `waitForReady: true`, timed from the client, until it answers READY.
 */
export const addCluster: Scenario = {
  name: 'addcluster',
  n: 7,
  title: 'addCluster -> READY for a 10k-object cluster',
  usesFleet: true,
  async run(ctx): Promise<ScenarioOutcome> {
    const env = await ctx.fleet();
    const target = env.addSim?.clusters[0];
    if (!target) throw new SkipScenario('the cluster to add was not started');
    ctx.log(`addcluster: adding ${target.name} (${target.objects} objects) over GraphQL`);
    const before = await env.kubeatlas.stats();
    const r = await env.load.call<{ ms: number; status: string; objects: number; lastError: string | null }>(
      'addCluster',
      { url: env.kubeatlas.url, input: clusterSpec(target, { timeoutSeconds: 120 }), timeoutMs: 150_000 },
      180_000,
    );
    const after = await env.kubeatlas.stats();
    const ok = r.status === 'READY';
    return {
      rows: [
        {
          n: 7,
          scenario: 'addCluster',
          case: `${f.int(target.objects)} objects, into a kubeatlas holding ${f.int(before.objects)}`,
          kubeatlas: ok
            ? `READY ${f.ms(r.ms)} after the mutation was sent (${f.rate((r.objects / r.ms) * 1000, 'objects')}); catalog grew by ${f.int(after.objects - before.objects)} objects`
            : `not READY: ${r.status} after ${f.ms(r.ms)}${r.lastError ? ` (${r.lastError})` : ''}`,
          peer: '-',
          ratio: '-',
        },
      ],
      data: { cluster: target.name, simObjects: target.objects, ...r, catalogBefore: before.objects, catalogAfter: after.objects },
    };
  },
};

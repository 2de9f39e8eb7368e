import * as f from '../lib/format.js';
import type { Scenario, ScenarioOutcome } from './types.js';

/**
 * Scenario 2 — scale: C clusters x M objects, every built-in kind, watched by
 * one kubeatlas process. Figures come from bringing up the shared fleet
 * environment (bench/lib/fleetEnv.ts): time from adding the clusters to the
 * last one READY, kubeatlas's CPU time meanwhile, and RSS per object
 * all-in (store, indexes, relation graph, event history, server), after
 * full GCs, over the process's RSS before any cluster was added.
 */
export const scale: Scenario = {
  name: 'scale',
  n: 2,
  title: 'Scale: C clusters x M objects, RSS per object all-in, time to all READY',
  usesFleet: true,
  async run(ctx): Promise<ScenarioOutcome> {
    const env = await ctx.fleet();
    const s = env.scale;
    const objects = s.catalogObjects;
    const rss = s.memoryAfter.rss - s.memoryBefore.rss;
    const heap = s.memoryAfter.heapUsed + s.memoryAfter.external - (s.memoryBefore.heapUsed + s.memoryBefore.external);
    const notReady = s.ready.perCluster.filter((c) => c.status !== 'READY');
    const kubeatlas = [
      s.ready.ready ? `all READY in ${f.ms(s.ready.ms)} (${f.rate((objects / s.ready.ms) * 1000, 'objects')})` : `${notReady.length} of ${s.clusters} clusters not READY after ${f.ms(s.ready.ms)} (${notReady.slice(0, 3).map((c) => `${c.id}: ${c.status}`).join(', ')})`,
      `CPU ${f.ms(s.kubeatlasCpuMs)}, waited ${f.ms(s.kubeatlasCpuWaitMs)} for a CPU`,
      `RSS +${f.bytes(rss / objects)}/object all-in (heap +${f.bytes(heap / objects)}); RSS ${f.bytes(s.memoryAfter.rss)} total`,
      `${f.int(s.relationEdges)} relation edges (~${f.bytes(s.relationBytes / objects)}/object)`,
    ].join('; ');
    return {
      rows: [
        {
          n: 2,
          scenario: 'Scale',
          case: `${s.clusters} clusters x ${f.short(s.objectsPerClusterRequested)} objects = ${f.int(objects)} objects (${f.int(s.simPods)} pods)`,
          kubeatlas,
          peer: `no peer (simulators: ${s.simProcesses} processes, seeded in ${f.seconds(s.simStartSeconds)}, served the sync with ${f.ms(s.simCpuMs)} CPU)`,
          ratio: '-',
        },
      ],
      data: { ...s, rssPerObject: rss / objects, heapPerObject: heap / objects },
    };
  },
};

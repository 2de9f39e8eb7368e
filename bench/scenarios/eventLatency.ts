import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as f from '../lib/format.js';
import type { FleetEnv } from '../lib/fleetEnv.js';
import type { EventResults } from '../lib/loadTypes.js';
import type { PauseReport } from '../lib/pauses.js';
import type { ProcessUsage } from '../lib/simTypes.js';
import type { ResultRow } from '../lib/table.js';
import type { BenchContext, Scenario, ScenarioOutcome } from './types.js';

/**
 * Scenario 3 — event latency under churn.
 *
 * For each churn rate E (changes/s over all clusters), subscriber count S
 * and transport (SSE, graphql-ws): S subscribers in the load-client process,
 * subscriber i following `resourceEvents(filter: {kinds: [Pod], clusters:
 * [cluster i mod C]})` and selecting the resourceVersion and annotations;
 * with S > 1, `--stalled` more subscribers (default 1) of every pod event
 * that stop reading once served: kubeatlas must cut them off while the S
 * others stay within ADDED_P99_TARGET_MS, its heap (after GC) bounded.
 * Then the simulators churn at E for the configured seconds. Afterwards:
 * - expected, per subscriber: the Pod changes its cluster committed between
 *   the resourceVersion marks taken just before the churn started and just
 *   after it stopped (counted by the simulator itself);
 * - received: distinct events with a resourceVersion in that window;
 *   dropped = expected - received (must be 0);
 * - latency: receipt time in the client minus the changed-at stamp of the
 *   write, for the writes that set their own stamp (not a controller's later
 *   write that kept an old one); 1 ms resolution (the stamp is epoch ms).
 * The reference ("peer"): one plain pod watch per followed apiserver, opened
 * by the same client process for the same window, measured the same way —
 * what a client watching the apiserver itself would see, including the
 * simulator's own delay when its CPU is saturated (it flushes a burst of
 * writes at the end of its tick). kubeatlas's added latency is the
 * difference. CPU of each process over the case shows who was busy.
 */

const DELIVERY_TIMEOUT_MS = 30_000;
/** Cases profiled so far in this process (numbers the --profile-events files). */
let profiledCases = 0;
/**
 * The bench target: per event, kubeatlas delivers at most this long after a
 * plain watch of the same apiserver sees it, at p99 (the `overReference`
 * figure), with 200 subscribers at 1 000 changes/s and a stalled subscriber
 * beside them. Printed as "within" or "over" target in every case.
 */
export const ADDED_P99_TARGET_MS = 300;

interface EventCase {
  rate: number;
  subscribers: number;
  transport: 'sse' | 'ws';
  seconds: number;
  podChangesCommitted: number;
  /** Every change the simulators committed in the window (all kinds: what kubeatlas had to apply). */
  changesCommitted: number;
  /** Changes/s the churn engines achieved (their own writes; controllers' follow-ups come on top). */
  churnAchievedPerSecond: number;
  /** kubeatlas CPU time over the case (churn + delivery) per committed change, µs: load-independent. */
  kubeatlasCpuPerChangeUs: number;
  results: EventResults;
  /** The reference: one plain pod watch per followed apiserver, from the same client process. */
  direct: EventResults;
  /** CPU time / wall time of each side over the case; kubeatlasWaiting: its main thread's wait for a CPU / wall time. */
  cores: { kubeatlas: number; kubeatlasWaiting: number; simulators: number; loadClient: number };
  deliveryWaitMs: number;
  /**
   * The subscribers that stopped reading (none with S = 1): how many; slow
   * disconnects (queue full: LIMIT_EXCEEDED queued after what it holds) during
   * the case; how many were no longer registered at its end (a stalled SSE
   * client's connection is closed by the stall timeout, 30 s by default);
   * kubeatlas heap after GC before and after.
   */
  stalled: { opened: number; slowDisconnects: number; released: number; heapMbBefore: number; heapMbAfter: number };
  /** kubeatlas's reflectors during the case: watches re-opened, relists (a relist merges the changes it skipped), 410s. */
  reflectors: { watchRestarts: number; relists: number; expired: number };
  /** kubeatlas's GC pauses and event-loop delay from the churn start to the last delivery. */
  pauses: PauseReport;
  /** Store records compressed off the event path during the case, and skipped because a newer version came first. */
  deferredCompressions: { compressed: number; superseded: number };
}

async function waitForSubscriptions(env: FleetEnv, atLeast: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await env.kubeatlas.stats()).subscriptions < atLeast) {
    if (Date.now() > deadline) throw new Error(`kubeatlas had fewer than ${atLeast} subscriptions after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function waitForNoSubscriptions(env: FleetEnv, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await env.kubeatlas.stats()).subscriptions > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

async function usageAll(env: FleetEnv): Promise<{ at: number; k: ProcessUsage; sims: ProcessUsage[]; load: ProcessUsage }> {
  const [k, sims, load] = await Promise.all([env.kubeatlas.usage(), env.sims.usage(), env.load.call<ProcessUsage>('usage')]);
  return { at: performance.now(), k, sims, load };
}

async function runCase(ctx: BenchContext, env: FleetEnv, rate: number, subscribers: number, transport: 'sse' | 'ws'): Promise<EventCase> {
  const names = env.sims.clusters.map((c) => c.name);
  const clusters = Array.from({ length: subscribers }, (_, i) => names[i % names.length]);
  const stalled = subscribers > 1 ? ctx.params.stalled : 0;
  ctx.log(`events: ${rate} changes/s, ${subscribers} ${transport} subscriber(s)${stalled ? ` + ${stalled} stalled` : ''}, ${ctx.params.eventSeconds} s`);
  const followed = env.sims.clusters.filter((c) => clusters.includes(c.name));
  const startRvs = await env.sims.marks();
  try {
    await env.load.call('watchDirect', { clusters: followed.map((c) => ({ name: c.name, url: c.url, token: c.token, caPem: c.caPem, resourceVersion: startRvs[c.name] })) }, 60_000);
    await env.load.call('subscribe', { url: env.kubeatlas.url, transport, clusters, stalled }, 60_000);
    await waitForSubscriptions(env, subscribers + stalled, 30_000);
    const heapBefore = (await env.kubeatlas.memory()).heapUsed;
    const r0 = await env.kubeatlas.stats();
    const from = await env.sims.beginTracking();
    const u0 = await usageAll(env);
    await env.kubeatlas.pauses(true);
    if (ctx.params.profileEvents) await env.kubeatlas.cpuProfile();
    const churnStart = performance.now();
    await env.sims.setTotalChurn(rate);
    await new Promise((r) => setTimeout(r, ctx.params.eventSeconds * 1000));
    await env.sims.setTotalChurn(0);
    const churnSeconds = (performance.now() - churnStart) / 1000;
    const to = await env.sims.marks();
    const windows = Object.fromEntries(names.map((n) => [n, { from: from[n], to: to[n] }]));
    const changes = await env.sims.podChanges(windows);
    const expected = Object.fromEntries(names.map((n) => [n, changes[n].count]));
    // Wait until every subscriber and direct watch has everything, or until nothing arrives for 5 s (bounded).
    const waitStart = performance.now();
    let last = -1;
    let lastProgress = performance.now();
    for (;;) {
      const got = await env.load.call<{ subscribers: number[]; direct: number[] }>('receivedInWindow', { windows });
      const total = [...got.subscribers, ...got.direct].reduce((s, x) => s + x, 0);
      if (got.subscribers.every((x, i) => x >= expected[clusters[i]]) && got.direct.every((x, i) => x >= expected[followed[i].name])) break;
      if (total !== last) {
        last = total;
        lastProgress = performance.now();
      }
      if (performance.now() - lastProgress > 5_000 || performance.now() - waitStart > DELIVERY_TIMEOUT_MS) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const deliveryWaitMs = performance.now() - waitStart;
    const u1 = await usageAll(env);
    const pauses = await env.kubeatlas.pauses(true);
    if (ctx.params.profileEvents) {
      mkdirSync(ctx.params.profileEvents, { recursive: true });
      // numbered: a run may repeat a case (--rates 1000,1000)
      const file = join(ctx.params.profileEvents, `events-${++profiledCases}-E${rate}-S${subscribers}-${transport}.cpuprofile`);
      await env.kubeatlas.cpuProfile(file);
      ctx.log(`events: kubeatlas CPU profile of the case in ${file}`);
    }
    const r1 = await env.kubeatlas.stats();
    const heapAfter = (await env.kubeatlas.memory()).heapUsed;
    const { subscribers: results, direct } = await env.load.call<{ subscribers: EventResults; direct: EventResults }>('eventResults', {
      windows,
      expected,
      stampedRvs: Object.fromEntries(names.map((n) => [n, changes[n].stampedRvs])),
      stampedAt: Object.fromEntries(names.map((n) => [n, changes[n].stampedAt])),
    });
    const wall = u1.at - u0.at;
    const simCpu = u1.sims.reduce((s, u) => s + u.cpuMs, 0) - u0.sims.reduce((s, u) => s + u.cpuMs, 0);
    return {
      rate,
      subscribers,
      transport,
      seconds: ctx.params.eventSeconds,
      podChangesCommitted: Object.values(expected).reduce((s, x) => s + x, 0),
      changesCommitted: names.reduce((s, n) => s + (to[n] - from[n]), 0),
      churnAchievedPerSecond: names.reduce((s, n) => s + changes[n].churnWrites, 0) / churnSeconds,
      kubeatlasCpuPerChangeUs: ((u1.k.cpuMs - u0.k.cpuMs) * 1000) / Math.max(1, names.reduce((s, n) => s + (to[n] - from[n]), 0)),
      results,
      direct,
      cores: { kubeatlas: (u1.k.cpuMs - u0.k.cpuMs) / wall, kubeatlasWaiting: (u1.k.runQueueMs - u0.k.runQueueMs) / wall, simulators: simCpu / wall, loadClient: (u1.load.cpuMs - u0.load.cpuMs) / wall },
      deliveryWaitMs,
      stalled: {
        opened: stalled,
        slowDisconnects: r1.slowDisconnects - r0.slowDisconnects,
        released: Math.max(0, Math.min(stalled, subscribers + stalled - r1.subscriptions)),
        heapMbBefore: heapBefore / 1048576,
        heapMbAfter: heapAfter / 1048576,
      },
      reflectors: { watchRestarts: r1.watchRestarts - r0.watchRestarts, relists: r1.relists - r0.relists, expired: r1.expired - r0.expired },
      pauses,
      deferredCompressions: {
        compressed: r1.deferredCompressions.compressed - r0.deferredCompressions.compressed,
        superseded: r1.deferredCompressions.superseded - r0.deferredCompressions.superseded,
      },
    };
  } finally {
    await env.sims.setTotalChurn(0).catch(() => undefined);
    await env.load.call('unsubscribe', null, 30_000).catch(() => undefined);
    await waitForNoSubscriptions(env, 10_000);
  }
}

function problemsOf(r: EventResults): string[] {
  return [
    r.errors ? `${r.errors} stream errors (${r.firstError ?? ''})` : '',
    r.duplicates ? `${r.duplicates} duplicates` : '',
    r.unexpected ? `${r.unexpected} unexpected` : '',
    r.stampMismatches ? `${r.stampMismatches} stamp mismatches` : '',
  ].filter(Boolean);
}

function row(c: EventCase): ResultRow {
  const r = c.results;
  const l = r.latency;
  const d = c.direct;
  return {
    n: 3,
    scenario: 'Event latency',
    case: `E=${f.int(c.rate)}/s, S=${c.subscribers}, ${c.transport === 'sse' ? 'SSE' : 'WebSocket'}; churn achieved ${f.rate(c.churnAchievedPerSecond, 'changes')}, ${f.int(c.changesCommitted)} changes (${f.int(c.podChangesCommitted)} to pods) in ${c.seconds} s`,
    kubeatlas: [
      `p50 ${f.ms(l.p50)}, p99 ${f.ms(l.p99)}, max ${f.ms(l.max)} (${f.int(l.count)} samples)`,
      `dropped ${f.int(r.dropped)} of ${f.int(r.expected)} deliveries${r.subscribersShort ? ` (${r.subscribersShort} subscribers short)` : ''}; ${r.dropped ? 'stopped waiting' : 'last one delivered'} ${f.ms(c.deliveryWaitMs)} after the churn stopped`,
      ...problemsOf(r),
      // Re-opened watches alone are routine (client-go style 5-10 min watch timeouts); a relist merges the changes it skipped.
      c.reflectors.relists || c.reflectors.expired ? `kubeatlas relisted ${c.reflectors.relists} times (${c.reflectors.expired} x 410, ${c.reflectors.watchRestarts} watches re-opened)` : '',
      c.stalled.opened
        ? `stalled subscribers: ${c.stalled.opened}, cut off (queue full) ${c.stalled.slowDisconnects}, released by the end ${c.stalled.released}; heap after GC ${f.int(c.stalled.heapMbBefore)} → ${f.int(c.stalled.heapMbAfter)} MB`
        : '',
      `CPU ${f.int(c.kubeatlasCpuPerChangeUs)} µs per change (apply + deliver)`,
      `store records compressed off the event path ${f.int(c.deferredCompressions.compressed)}, superseded first ${f.int(c.deferredCompressions.superseded)}`,
      `GC ${f.int(c.pauses.gcs)} pauses (${c.pauses.majorGcs} full) totalling ${f.ms(c.pauses.gcTotalMs)}, longest ${f.ms(c.pauses.gcMaxMs)}; event-loop delay p99 ${f.ms(c.pauses.loopDelayP99Ms)}, max ${f.ms(c.pauses.loopDelayMaxMs)} (longest stall ${f.ms(c.pauses.longestStallMs)}, ${f.ms(c.pauses.longestStallAtMs)} after the churn began)`,
      `cores busy: kubeatlas ${c.cores.kubeatlas.toFixed(2)} (+${c.cores.kubeatlasWaiting.toFixed(2)} waiting for a CPU), sims ${c.cores.simulators.toFixed(2)}, clients ${c.cores.loadClient.toFixed(2)}`,
    ]
      .filter(Boolean)
      .join('; '),
    peer: [
      `direct pod watch on each followed apiserver (${d.subscribers}): p50 ${f.ms(d.latency.p50)}, p99 ${f.ms(d.latency.p99)}, max ${f.ms(d.latency.max)}`,
      `dropped ${f.int(d.dropped)} of ${f.int(d.expected)}`,
      ...problemsOf(d),
    ].join('; '),
    ratio: [
      `p50 ${f.ratio(l.p50 / d.latency.p50)}, p99 ${f.ratio(l.p99 / d.latency.p99)}`,
      r.overReference
        ? `per event, kubeatlas's delivery after the direct watch's: p50 ${f.ms(r.overReference.p50)}, p99 ${f.ms(r.overReference.p99)}, max ${f.ms(r.overReference.max)} (${r.overReference.p99 <= ADDED_P99_TARGET_MS ? 'within' : 'over'} the ${ADDED_P99_TARGET_MS} ms p99 target)`
        : `kubeatlas adds p50 ${f.ms(l.p50 - d.latency.p50)}, p99 ${f.ms(l.p99 - d.latency.p99)}`,
    ].join('; '),
  };
}

export const eventLatency: Scenario = {
  name: 'events',
  n: 3,
  title: 'Event latency from the apiserver write to the subscriber, SSE and WebSocket',
  usesFleet: true,
  async run(ctx): Promise<ScenarioOutcome> {
    const env = await ctx.fleet();
    const cases: EventCase[] = [];
    for (const rate of ctx.params.eventRates) {
      for (const subscribers of ctx.params.subscribers) {
        for (const transport of ctx.params.transports) cases.push(await runCase(ctx, env, rate, subscribers, transport));
      }
    }
    return { rows: cases.map(row), data: { cases } };
  },
};

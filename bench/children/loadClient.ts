/**
 * Bench child: the users. Runs in a process of its own (beside the
 * simulators, away from kubeatlas's CPU) and drives kubeatlas — and the
 * peers — over the network exactly as clients do:
 *
 * - subscribe / watchDirect / eventResults / unsubscribe: S subscribers
 *   over SSE or graphql-ws, subscriber i following the pods of one cluster,
 *   and, as the reference, one plain pod watch per followed apiserver; every
 *   event is kept with its receipt time (plus, on request, subscribers of
 *   every pod event that stop reading once served), and eventResults compares them with
 *   the Pod changes the simulators committed (drops, duplicates, latency
 *   from the write's changed-at stamp to the receipt);
 * - questionLoad: a closed loop of the pod question (bench/lib/podQuestion.ts),
 *   asked of kubeatlas (`resources(kinds: Pod, labelSelector, first: 50)`) or
 *   of the peer (a LIST with that labelSelector to every apiserver, merged,
 *   sorted, first 50); compareAnswers checks that both sides agree;
 * - relatedLoad: `related(depth: 2)` of random pods, one at a time;
 * - addCluster: the addCluster mutation with waitForReady, timed.
 */
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { Pool } from 'undici';
import { CHANGED_AT_ANNOTATION } from '../../src/sim/churn.js';
import { serveRpc } from '../lib/rpcServer.js';
import { processUsage } from '../lib/usage.js';
import { sseSubscribe } from '../lib/sseClient.js';
import { openStalledSubscriber, type StalledSubscriber } from '../lib/stalledSubscriber.js';
import { closedLoop } from '../lib/closedLoop.js';
import { account, countInWindow, newReceiver, recordEvent, type Receiver } from '../lib/eventRecorder.js';
import { watchPods } from '../lib/watchClient.js';
import { fanoutAsker, gql, kubeatlasAsker, type PodQuestionAsker } from '../lib/podQuestion.js';
import type { AnswerComparison, EventResults, EventWindowRequest, FanoutCluster, LoadResult, RelatedResult, SubscribeRequest } from '../lib/loadTypes.js';
import type { PodRef } from '../lib/simTypes.js';

const EVENTS = `subscription($f: ResourceFilter) { resourceEvents(filter: $f) { type clusterId resource { resourceVersion annotations } } }`;
const RELATED = `query($c: String!, $ns: String, $n: String!) { resource(clusterId: $c, kind: "Pod", namespace: $ns, name: $n) { related(depth: 2) { clusterId kind namespace name } } }`;
const ADD = `mutation($input: AddClusterInput!) { addCluster(input: $input, waitForReady: true) { clusterId status lastError sync { objects } } }`;

const REQUEST_TIMEOUT_MS = 30_000;

let subscribers: Receiver[] = [];
let stalled: StalledSubscriber[] = [];
let directWatches: Receiver[] = [];
const wsClients: Client[] = [];
let ssePool: Pool | undefined;
const directPools: Pool[] = [];

function recordGraphql(r: Receiver, data: Record<string, unknown>, receivedAt: number): void {
  const ev = data.resourceEvents as { resource?: { resourceVersion?: string; annotations?: Record<string, string> } } | undefined;
  recordEvent(r, ev?.resource?.resourceVersion, ev?.resource?.annotations?.[CHANGED_AT_ANNOTATION], receivedAt);
}

/** Opens the subscribers (in addition to any still open: call unsubscribe between cases). */
async function subscribe(params: SubscribeRequest): Promise<null> {
  const origin = new URL(params.url).origin;
  if (params.transport === 'sse') ssePool ??= new Pool(origin, { connections: params.clusters.length + 1, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: 0 });
  const ready: Array<Promise<void>> = [];
  for (const cluster of params.clusters) {
    const sub = newReceiver(cluster);
    const variables = { f: { kinds: ['Pod'], clusters: [cluster] } };
    if (params.transport === 'sse') {
      const s = sseSubscribe({
        url: params.url,
        query: EVENTS,
        variables,
        dispatcher: ssePool!,
        onData: (d, at) => recordGraphql(sub, d, at),
        onError: (m) => sub.errors.push(m),
      });
      sub.close = () => s.close();
      ready.push(s.ready);
    } else {
      const client = createClient({ url: params.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, connectionAckWaitTimeout: REQUEST_TIMEOUT_MS });
      wsClients.push(client);
      const dispose = client.subscribe<Record<string, unknown>>(
        { query: EVENTS, variables },
        {
          next: (v) => {
            const at = Date.now();
            if (v.errors?.length) sub.errors.push(String(v.errors[0].message));
            if (v.data) recordGraphql(sub, v.data, at);
          },
          error: (e) => sub.errors.push(e instanceof Error ? e.message : JSON.stringify(e).slice(0, 200)),
          complete: () => {},
        },
      );
      sub.close = dispose;
    }
    subscribers.push(sub);
  }
  await Promise.all(ready);
  for (let i = 0; i < (params.stalled ?? 0); i++) {
    const s = openStalledSubscriber(params.url, params.transport);
    stalled.push(s);
    await s.ready;
  }
  return null;
}

/**
 * The reference: one plain watch of all pods per apiserver, straight from
 * this process, from `resourceVersion` on (what a client without kubeatlas
 * sees: the simulator's own delay, the network, this client).
 */
async function watchDirect(params: { clusters: Array<FanoutCluster & { resourceVersion: number }> }): Promise<null> {
  const ready: Array<Promise<void>> = [];
  for (const c of params.clusters) {
    const pool = new Pool(c.url, { connections: 1, connect: { ca: c.caPem }, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: 0 });
    directPools.push(pool);
    const r = newReceiver(c.name);
    const w = watchPods({
      dispatcher: pool,
      token: c.token,
      resourceVersion: c.resourceVersion,
      timeoutSeconds: 1800,
      stampAnnotation: CHANGED_AT_ANNOTATION,
      onEvent: (rv, stamp, at) => recordEvent(r, rv, stamp, at),
      onError: (m) => r.errors.push(m),
    });
    r.close = w.close;
    ready.push(w.ready);
    directWatches.push(r);
  }
  await Promise.all(ready);
  return null;
}

/** Compares what the subscribers (and the direct watches) received in the window with what the simulators committed. */
function eventResults(params: EventWindowRequest): { subscribers: EventResults; direct: EventResults } {
  return { subscribers: account(subscribers, params, directWatches), direct: account(directWatches, params) };
}

/** Distinct window events each subscriber and each direct watch has so far (to wait until delivery completes). */
function receivedInWindow(params: { windows: EventWindowRequest['windows'] }): { subscribers: number[]; direct: number[] } {
  return { subscribers: countInWindow(subscribers, params.windows), direct: countInWindow(directWatches, params.windows) };
}

async function unsubscribe(): Promise<null> {
  for (const s of [...subscribers, ...directWatches, ...stalled]) s.close();
  stalled = [];
  subscribers = [];
  directWatches = [];
  await Promise.allSettled(wsClients.splice(0).map((c) => c.dispose()));
  const pools = [...directPools.splice(0), ...(ssePool ? [ssePool] : [])];
  ssePool = undefined;
  await Promise.allSettled(pools.map((p) => p.destroy()));
  return null;
}

type Side = { kind: 'kubeatlas'; url: string } | { kind: 'fanout'; clusters: FanoutCluster[] };

function askerFor(side: Side, connections: number): PodQuestionAsker {
  return side.kind === 'kubeatlas' ? kubeatlasAsker(side.url, connections) : fanoutAsker(side.clusters, connections);
}

/** A closed loop of the pod question against one side, cycling over `selectors`. */
async function questionLoad(params: { side: Side; selectors: string[]; concurrency: number; durationMs: number }): Promise<LoadResult> {
  const asker = askerFor(params.side, params.concurrency);
  let questions = 0;
  let matched = 0;
  let returned = 0;
  try {
    const r = await closedLoop({
      concurrency: params.concurrency,
      durationMs: params.durationMs,
      task: async (i) => {
        const a = await asker.ask(params.selectors[i % params.selectors.length]);
        questions++;
        matched += a.matches;
        returned += a.returned;
      },
    });
    return { ...r, meanMatches: matched / Math.max(1, questions), meanReturned: returned / Math.max(1, questions) };
  } finally {
    await asker.close();
  }
}

/**
 * Asks every selector of both sides, kubeatlas then the fan-out right after,
 * and compares the match counts; a pair that differs is asked again (up to
 * `attempts` times, `retryDelayMs` apart), since the clusters may still be
 * changing between the two answers. Four selectors at a time.
 */
async function compareAnswers(params: { url: string; clusters: FanoutCluster[]; selectors: string[]; attempts: number; retryDelayMs: number }): Promise<AnswerComparison> {
  const k = kubeatlasAsker(params.url, 4);
  const p = fanoutAsker(params.clusters, 4);
  const out: AnswerComparison = { selectors: params.selectors.length, agree: 0, agreedAfterRetry: 0, disagree: [], errors: 0, firstError: undefined };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < params.selectors.length) {
      const selector = params.selectors[next++];
      let last: { kubeatlas: number; peer: number } | undefined;
      try {
        for (let attempt = 0; attempt < params.attempts; attempt++) {
          if (attempt > 0) await new Promise((r) => setTimeout(r, params.retryDelayMs));
          last = { kubeatlas: (await k.ask(selector)).matches, peer: (await p.ask(selector)).matches };
          if (last.kubeatlas === last.peer) {
            out.agree++;
            if (attempt > 0) out.agreedAfterRetry++;
            last = undefined;
            break;
          }
        }
        if (last) out.disagree.push({ selector, ...last });
      } catch (e) {
        out.errors++;
        out.firstError ??= e instanceof Error ? e.message : String(e);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: 4 }, worker));
    return out;
  } finally {
    await Promise.all([k.close(), p.close()]);
  }
}

async function relatedLoad(params: { url: string; pods: PodRef[] }): Promise<RelatedResult> {
  const u = new URL(params.url);
  const pool = new Pool(u.origin, { connections: 1, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS });
  let missing = 0;
  let returned = 0;
  let answered = 0;
  try {
    const r = await closedLoop({
      concurrency: 1,
      durationMs: 10 * 60_000,
      maxRequests: params.pods.length,
      task: async (i) => {
        const p = params.pods[i];
        const d = await gql<{ resource: { related: unknown[] } | null }>(pool, u.pathname, RELATED, { c: p.cluster, ns: p.namespace, n: p.name });
        if (!d.resource) missing++;
        else {
          answered++;
          returned += d.resource.related.length;
        }
      },
    });
    return { ...r, missing, meanMatches: returned / Math.max(1, answered), meanReturned: returned / Math.max(1, answered) };
  } finally {
    await pool.destroy();
  }
}

async function addCluster(params: { url: string; input: Record<string, unknown>; timeoutMs: number }): Promise<{ ms: number; status: string; objects: number; lastError: string | null }> {
  const u = new URL(params.url);
  const pool = new Pool(u.origin, { connections: 1 });
  try {
    const t0 = performance.now();
    const d = await gql<{ addCluster: { status: string; lastError: string | null; sync: { objects: number } } }>(pool, u.pathname, ADD, { input: params.input }, params.timeoutMs);
    return { ms: performance.now() - t0, status: d.addCluster.status, objects: d.addCluster.sync.objects, lastError: d.addCluster.lastError };
  } finally {
    await pool.destroy();
  }
}

serveRpc({ subscribe, watchDirect, eventResults, receivedInWindow, unsubscribe, questionLoad, compareAnswers, relatedLoad, addCluster, usage: processUsage }, async () => void (await unsubscribe()));

/**
 * Bench child: the users. Runs in a process of its own (beside the
 * simulators, away from kubeatlas's CPU) and drives kubeatlas — and the
 * peers — over the network exactly as clients do:
 *
 * - subscribe / watchDirect / eventResults / unsubscribe: S subscribers
 *   over SSE or graphql-ws, subscriber i following the pods of one cluster,
 *   and, as the reference, one plain pod watch per followed apiserver; every
 *   event is kept with its receipt time, and eventResults compares them with
 *   the Pod changes the simulators committed (drops, duplicates, latency
 *   from the write's changed-at stamp to the receipt);
 * - queryLoad: a closed loop of `resources(kinds: Pod, labelSelector, first: 50)`;
 * - fanoutLoad: the peer — the same question as a LIST with that
 *   labelSelector to every apiserver in parallel, merged, sorted, first 50;
 * - relatedLoad: `related(depth: 2)` of random pods, one at a time;
 * - addCluster: the addCluster mutation with waitForReady, timed.
 */
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { Pool, request } from 'undici';
import { CHANGED_AT_ANNOTATION } from '../../src/sim/churn.js';
import { serveRpc } from '../lib/rpcServer.js';
import { processUsage } from '../lib/usage.js';
import { sseSubscribe } from '../lib/sseClient.js';
import { closedLoop } from '../lib/closedLoop.js';
import { account, countInWindow, newReceiver, recordEvent, type Receiver } from '../lib/eventRecorder.js';
import { watchPods } from '../lib/watchClient.js';
import type { EventResults, EventWindowRequest, FanoutCluster, LoadResult, MatchCounts, RelatedResult, SubscribeRequest } from '../lib/loadTypes.js';
import type { PodRef } from '../lib/simTypes.js';

const EVENTS = `subscription($f: ResourceFilter) { resourceEvents(filter: $f) { type clusterId resource { resourceVersion annotations } } }`;
const RESOURCES = `query($sel: String!) { resources(filter: { kinds: ["Pod"], labelSelector: $sel }, first: 50) { totalCount edges { node { clusterId namespace name status } } } }`;
const RELATED = `query($c: String!, $ns: String, $n: String!) { resource(clusterId: $c, kind: "Pod", namespace: $ns, name: $n) { related(depth: 2) { clusterId kind namespace name } } }`;
const ADD = `mutation($input: AddClusterInput!) { addCluster(input: $input, waitForReady: true) { clusterId status lastError sync { objects } } }`;

const REQUEST_TIMEOUT_MS = 30_000;

let subscribers: Receiver[] = [];
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
  return { subscribers: account(subscribers, params), direct: account(directWatches, params) };
}

/** Distinct window events each subscriber and each direct watch has so far (to wait until delivery completes). */
function receivedInWindow(params: { windows: EventWindowRequest['windows'] }): { subscribers: number[]; direct: number[] } {
  return { subscribers: countInWindow(subscribers, params.windows), direct: countInWindow(directWatches, params.windows) };
}

async function unsubscribe(): Promise<null> {
  for (const s of [...subscribers, ...directWatches]) s.close();
  subscribers = [];
  directWatches = [];
  await Promise.allSettled(wsClients.splice(0).map((c) => c.dispose()));
  const pools = [...directPools.splice(0), ...(ssePool ? [ssePool] : [])];
  ssePool = undefined;
  await Promise.allSettled(pools.map((p) => p.destroy()));
  return null;
}

interface GqlBody<T> {
  data?: T;
  errors?: Array<{ message?: string; extensions?: { code?: string } }>;
}

async function gql<T>(pool: Pool, path: string, query: string, variables: Record<string, unknown>): Promise<T> {
  const res = await pool.request({
    path,
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query, variables }),
    headersTimeout: REQUEST_TIMEOUT_MS,
    bodyTimeout: REQUEST_TIMEOUT_MS,
  });
  const body = (await res.body.json()) as GqlBody<T>;
  if (body.errors?.length) throw new Error(`${body.errors[0].extensions?.code ?? 'ERROR'}: ${body.errors[0].message ?? ''}`);
  if (res.statusCode !== 200 || body.data === undefined) throw new Error(`HTTP ${res.statusCode} without data`);
  return body.data;
}

async function queryLoad(params: { url: string; selectors: string[]; concurrency: number; durationMs: number; maxRequests?: number }): Promise<LoadResult & { matches: MatchCounts }> {
  const u = new URL(params.url);
  const pool = new Pool(u.origin, { connections: params.concurrency, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS });
  const matches: MatchCounts = {};
  let questions = 0;
  let matched = 0;
  let returned = 0;
  try {
    const r = await closedLoop({
      concurrency: params.concurrency,
      durationMs: params.durationMs,
      maxRequests: params.maxRequests,
      task: async (i) => {
        const sel = params.selectors[i % params.selectors.length];
        const d = await gql<{ resources: { totalCount: number; edges: unknown[] } }>(pool, u.pathname, RESOURCES, { sel });
        matches[sel] ??= d.resources.totalCount;
        questions++;
        matched += d.resources.totalCount;
        returned += d.resources.edges.length;
      },
    });
    return { ...r, meanMatches: matched / Math.max(1, questions), meanReturned: returned / Math.max(1, questions), matches };
  } finally {
    await pool.destroy();
  }
}

interface PodItem {
  metadata: { namespace?: string; name?: string };
  status?: { phase?: string };
}

async function fanoutLoad(params: { clusters: FanoutCluster[]; selectors: string[]; concurrency: number; durationMs: number; maxRequests?: number }): Promise<LoadResult & { matches: MatchCounts }> {
  const pools = params.clusters.map((c) => ({
    c,
    pool: new Pool(c.url, { connections: params.concurrency, connect: { ca: c.caPem }, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS }),
  }));
  const matches: MatchCounts = {};
  let questions = 0;
  let matched = 0;
  let returned = 0;
  try {
    const r = await closedLoop({
      concurrency: params.concurrency,
      durationMs: params.durationMs,
      maxRequests: params.maxRequests,
      task: async (i) => {
        const sel = params.selectors[i % params.selectors.length];
        const parts = await Promise.all(
          pools.map(async ({ c, pool }) => {
            const res = await pool.request({
              path: `/api/v1/pods?labelSelector=${encodeURIComponent(sel)}`,
              method: 'GET',
              headers: { authorization: `Bearer ${c.token}`, accept: 'application/json' },
              headersTimeout: REQUEST_TIMEOUT_MS,
              bodyTimeout: REQUEST_TIMEOUT_MS,
            });
            const body = (await res.body.json()) as { items?: PodItem[] };
            if (res.statusCode !== 200 || !body.items) throw new Error(`LIST pods on ${c.name} answered ${res.statusCode}`);
            return body.items.map((p) => ({ clusterId: c.name, namespace: p.metadata.namespace ?? '', name: p.metadata.name ?? '', status: p.status?.phase }));
          }),
        );
        const all = parts.flat();
        all.sort((a, b) => (a.clusterId < b.clusterId ? -1 : a.clusterId > b.clusterId ? 1 : a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        const page = all.slice(0, 50);
        matches[sel] ??= all.length;
        questions++;
        matched += all.length;
        returned += page.length;
      },
    });
    return { ...r, meanMatches: matched / Math.max(1, questions), meanReturned: returned / Math.max(1, questions), matches };
  } finally {
    await Promise.all(pools.map((p) => p.pool.destroy()));
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
  const t0 = performance.now();
  const res = await request(params.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query: ADD, variables: { input: params.input } }),
    headersTimeout: params.timeoutMs,
    bodyTimeout: params.timeoutMs,
  });
  const body = (await res.body.json()) as GqlBody<{ addCluster: { status: string; lastError: string | null; sync: { objects: number } } }>;
  const ms = performance.now() - t0;
  if (body.errors?.length || !body.data) throw new Error(`addCluster failed: ${body.errors?.[0]?.extensions?.code ?? res.statusCode}: ${body.errors?.[0]?.message ?? ''}`);
  return { ms, status: body.data.addCluster.status, objects: body.data.addCluster.sync.objects, lastError: body.data.addCluster.lastError };
}


serveRpc({ subscribe, watchDirect, eventResults, receivedInWindow, unsubscribe, queryLoad, fanoutLoad, relatedLoad, addCluster, usage: processUsage }, async () => void (await unsubscribe()));

/**
 * Bench child: the users. Runs in a process of its own (beside the
 * simulators, away from kubeatlas's CPU) and drives kubeatlas — and the
 * peers — over the network exactly as clients do:
 *
 * - subscribe / eventResults / unsubscribe: S subscribers over SSE or
 *   graphql-ws, subscriber i following the pods of one cluster; every event
 *   is kept with its receipt time, and eventResults compares them with the
 *   Pod changes the simulators committed (drops, duplicates, latency from
 *   the write's changed-at stamp to the receipt);
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
import { SampleBuffer, summarize } from '../lib/stats.js';
import type { EventResults, EventWindowRequest, FanoutCluster, LoadResult, MatchCounts, RelatedResult, SubscribeRequest } from '../lib/loadTypes.js';
import type { PodRef } from '../lib/simTypes.js';

const EVENTS = `subscription($f: ResourceFilter) { resourceEvents(filter: $f) { type clusterId resource { resourceVersion annotations } } }`;
const RESOURCES = `query($sel: String!) { resources(filter: { kinds: ["Pod"], labelSelector: $sel }, first: 50) { totalCount edges { node { clusterId namespace name status } } } }`;
const RELATED = `query($c: String!, $ns: String, $n: String!) { resource(clusterId: $c, kind: "Pod", namespace: $ns, name: $n) { related(depth: 2) { clusterId kind namespace name } } }`;
const ADD = `mutation($input: AddClusterInput!) { addCluster(input: $input, waitForReady: true) { clusterId status lastError sync { objects } } }`;

const REQUEST_TIMEOUT_MS = 30_000;

interface Subscriber {
  cluster: string;
  rvs: SampleBuffer;
  receivedAt: SampleBuffer;
  stamps: SampleBuffer;
  errors: string[];
  close(): void;
}

let subscribers: Subscriber[] = [];
const wsClients: Client[] = [];
let ssePool: Pool | undefined;

function record(sub: Subscriber, data: Record<string, unknown>, receivedAt: number): void {
  const ev = data.resourceEvents as { resource?: { resourceVersion?: string; annotations?: Record<string, string> } } | undefined;
  const rv = Number(ev?.resource?.resourceVersion);
  const stamp = ev?.resource?.annotations?.[CHANGED_AT_ANNOTATION];
  sub.rvs.push(rv);
  sub.receivedAt.push(receivedAt);
  sub.stamps.push(stamp === undefined ? NaN : Number(stamp));
}

async function subscribe(params: SubscribeRequest): Promise<null> {
  await unsubscribe();
  const origin = new URL(params.url).origin;
  if (params.transport === 'sse') ssePool = new Pool(origin, { connections: params.clusters.length + 1, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: 0 });
  const ready: Array<Promise<void>> = [];
  for (const cluster of params.clusters) {
    const sub: Subscriber = { cluster, rvs: new SampleBuffer(), receivedAt: new SampleBuffer(), stamps: new SampleBuffer(), errors: [], close: () => {} };
    const variables = { f: { kinds: ['Pod'], clusters: [cluster] } };
    if (params.transport === 'sse') {
      const s = sseSubscribe({
        url: params.url,
        query: EVENTS,
        variables,
        dispatcher: ssePool!,
        onData: (d, at) => record(sub, d, at),
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
            if (v.data) record(sub, v.data, at);
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

/** Compares what each subscriber received in the window with what the simulators committed. */
function eventResults(params: EventWindowRequest): EventResults {
  const stamped = new Map<string, Map<number, number>>();
  for (const [cluster, rvs] of Object.entries(params.stampedRvs)) {
    const at = params.stampedAt[cluster];
    const m = new Map<number, number>();
    for (let i = 0; i < rvs.length; i++) m.set(rvs[i], at[i]);
    stamped.set(cluster, m);
  }
  const latencies = new SampleBuffer();
  let expected = 0;
  let received = 0;
  let dropped = 0;
  let short = 0;
  let duplicates = 0;
  let unexpected = 0;
  let errors = 0;
  let firstError: string | undefined;
  let stampMismatches = 0;
  for (const sub of subscribers) {
    const w = params.windows[sub.cluster];
    const want = params.expected[sub.cluster] ?? 0;
    const stamps = stamped.get(sub.cluster) ?? new Map<number, number>();
    const seen = new Set<number>();
    const rvs = sub.rvs.values();
    const at = sub.receivedAt.values();
    const evStamps = sub.stamps.values();
    for (let i = 0; i < rvs.length; i++) {
      const rv = rvs[i];
      if (!w || rv <= w.from || rv > w.to) continue;
      if (seen.has(rv)) {
        duplicates++;
        continue;
      }
      seen.add(rv);
      const simStamp = stamps.get(rv);
      if (simStamp !== undefined) {
        latencies.push(at[i] - simStamp);
        if (evStamps[i] !== simStamp) stampMismatches++;
      }
    }
    // Every Pod change in the window should arrive: anything else in the window is unexpected.
    expected += want;
    received += seen.size;
    const missing = Math.max(0, want - seen.size);
    unexpected += Math.max(0, seen.size - want);
    dropped += missing;
    if (missing > 0) short++;
    errors += sub.errors.length;
    firstError ??= sub.errors[0];
  }
  return { subscribers: subscribers.length, expected, received, dropped, subscribersShort: short, duplicates, unexpected, errors, firstError, latency: summarize(latencies.values()), stampMismatches };
}

/** Distinct events each subscriber has received with from < rv <= to for its cluster (for waiting until delivery completes). */
function receivedInWindow(params: { windows: Record<string, { from: number; to: number }> }): number[] {
  return subscribers.map((sub) => {
    const w = params.windows[sub.cluster];
    const seen = new Set<number>();
    const rvs = sub.rvs.values();
    for (let i = 0; i < rvs.length; i++) if (w && rvs[i] > w.from && rvs[i] <= w.to) seen.add(rvs[i]);
    return seen.size;
  });
}

async function unsubscribe(): Promise<null> {
  for (const s of subscribers) s.close();
  subscribers = [];
  await Promise.allSettled(wsClients.splice(0).map((c) => c.dispose()));
  const p = ssePool;
  ssePool = undefined;
  await p?.destroy().catch(() => undefined);
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


serveRpc({ subscribe, eventResults, receivedInWindow, unsubscribe, queryLoad, fanoutLoad, relatedLoad, addCluster, usage: processUsage }, async () => void (await unsubscribe()));

/**
 * CPU cost of fanning GraphQL subscription events out to many subscribers,
 * end to end through the real server (graphql-yoga, graphql-ws, the event
 * bus), in a controlled setting: one simulated cluster and kubeatlas in this
 * process, the subscribers in a child process.
 *
 *   npx tsx bench/subscriptionFanout.ts [--transport sse|ws] [--subscribers 200] [--pods 1000] [--stalled K]
 *
 * S subscribers (SSE requests, or graphql-ws clients on a connection each)
 * follow `resourceEvents(filter: {kinds: ["Pod"]}) { type clusterId resource
 * { resourceVersion annotations } }` — the selection of the bench's event
 * scenario, one filter for all. Then N pods (~0.9 KB of annotations each)
 * are created at ~1 000/s; the simulator's controllers add their own changes
 * (scheduling, status). Prints one JSON line: events each subscriber
 * received, ms to create the pods, ms until every subscriber had every event
 * (no event for 1 s), and the CPU time of this process over that interval
 * (kubeatlas + simulator; the simulator's share is the same for any S or
 * transport), and the latency of each pod's ADDED at the subscribers (from
 * the creation stamp in its annotations; p50/p99/max over all subscribers).
 * `--pace-ms` is the pause after every 20 pods (default 20: ~1 000/s, which
 * saturates the process at S = 200; 100 gives ~200 pods/s, below saturation,
 * where latency means something).
 * Compare runs on one machine, one commit against another.
 * With `--stalled K`, K more subscribers of every pod event with the whole
 * object stop reading once served (bench/lib/stalledSubscriber.ts); the line
 * then also tells how many kubeatlas cut off (queue full) — compare with
 * K = 0 to see what a stalled client costs the others; `--heavy` makes the
 * K subscribers keep reading (the cost of their selection alone).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startTestApp } from '../test/helpers/app.js';
import { tallies } from '../src/events/metrics.js';
import { openStalledSubscriber, type StalledSubscriber } from './lib/stalledSubscriber.js';
import { integerFlag } from './lib/flags.js';

const QUERY = `subscription($f: ResourceFilter) { resourceEvents(filter: $f) { type clusterId resource { resourceVersion annotations } } }`;
const VARIABLES = { f: { kinds: ['Pod'] } };

const { values } = parseArgs({
  options: {
    transport: { type: 'string', default: 'sse' },
    subscribers: { type: 'string', default: '200' },
    pods: { type: 'string', default: '1000' },
    stalled: { type: 'string', default: '0' },
    'pace-ms': { type: 'string', default: '20' },
    heavy: { type: 'boolean', default: false },
    client: { type: 'string' },
  },
});
const transport = values.transport === 'ws' ? 'ws' : 'sse';
const S = integerFlag('subscriptionFanout', 'subscribers', values.subscribers, 200, 0);
const N = integerFlag('subscriptionFanout', 'pods', values.pods, 1000, 0);
const K = integerFlag('subscriptionFanout', 'stalled', values.stalled, 0, 0);
const PACE_MS = integerFlag('subscriptionFanout', 'pace-ms', values['pace-ms'], 20, 0);

if (values.client) await runClients(values.client);
else await runServer();

/** Child: opens the subscriptions and reports the fewest and most events received, every 100 ms, and ADDED latencies at the end. */
async function runClients(url: string): Promise<void> {
  const counts = new Array<number>(S).fill(0);
  const latencies: number[] = [];
  const onEvent = (i: number, data: string) => {
    counts[i]++;
    const m = /"type":"ADDED".*"createdAt":"(\d+)"/.exec(data);
    if (m) latencies.push(Date.now() - Number(m[1]));
  };
  process.on('SIGUSR2', () => {
    latencies.sort((a, b) => a - b);
    const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
    process.stdout.write(`${JSON.stringify({ latency: { samples: latencies.length, p50: q(0.5), p99: q(0.99), max: latencies[latencies.length - 1] ?? NaN } })}\n`);
  });
  for (let i = 0; i < S; i++) {
    if (transport === 'ws') {
      createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 }).subscribe(
        { query: QUERY, variables: VARIABLES },
        { next: (v) => onEvent(i, JSON.stringify(v)), error: (e) => console.error('subscription error', e), complete: () => {} },
      );
      continue;
    }
    void (async () => {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify({ query: QUERY, variables: VARIABLES }) });
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          if (buffer.startsWith('event: next')) onEvent(i, buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    })();
  }
  setInterval(() => process.stdout.write(`${JSON.stringify({ min: Math.min(...counts), max: Math.max(...counts) })}\n`), 100);
}

async function runServer(): Promise<void> {
  const t = await startTestApp({ clusters: [{ name: 'fanout', objects: 200, seed: 3 }] });
  const sim = t.sims[0];
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  while ((await t.gql<{ clusters: Array<{ status: string }> }>('{ clusters { status } }')).data?.clusters[0]?.status !== 'READY') await sleep(100);
  const ns = sim.store.list('namespaces').map((n) => n.metadata.name!).find((n) => !n.startsWith('kube-') && n !== 'default')!;
  const self = new URL(import.meta.url).pathname;
  const child = spawn(process.execPath, ['--import', 'tsx', self, '--client', t.url, '--transport', transport, '--subscribers', String(S)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let last = { min: 0, max: 0 };
  let latency: unknown;
  createInterface({ input: child.stdout! }).on('line', (l) => {
    const m = JSON.parse(l) as { min: number; max: number } | { latency: unknown };
    if ('latency' in m) latency = m.latency;
    else last = m;
  });
  const stalled: StalledSubscriber[] = [];
  try {
    while (t.app.events.stats().subscriptions < S) await sleep(50);
    for (let k = 0; k < K; k++) {
      stalled.push(openStalledSubscriber(t.url, transport, { reads: values.heavy }));
      await stalled[k].ready;
    }
    await sleep(500);
    const slow0 = tallies.resource.slowDisconnects;
    const before = last.max;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const pad = 'x'.repeat(800);
    for (let k = 0; k < N; k++) {
      const meta = { name: `fanout-${k}`, namespace: ns, labels: { app: 'fanout' }, annotations: { pad, k: String(k), createdAt: String(Date.now()) } };
      sim.store.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
      if (k % 20 === 19) await sleep(PACE_MS);
    }
    const producedMs = performance.now() - t0;
    let seen = -1;
    let stableSince = performance.now();
    for (;;) {
      await sleep(50);
      if (last.max !== seen || last.min !== last.max) {
        seen = last.max;
        stableSince = performance.now();
      }
      if (performance.now() - stableSince > 1000) break;
    }
    const cpu = process.cpuUsage(cpu0);
    child.kill('SIGUSR2');
    for (let w = 0; latency === undefined && w < 100; w++) await sleep(50);
    console.log(
      JSON.stringify({
        transport,
        subscribers: S,
        pods: N,
        eventsPerSubscriber: last.max - before,
        producedMs: Math.round(producedMs),
        deliveredMs: Math.round(stableSince - t0),
        cpuMs: Math.round((cpu.user + cpu.system) / 1000),
        stalled: K,
        stalledReads: values.heavy,
        stalledCutOff: tallies.resource.slowDisconnects - slow0,
        addedLatencyMs: latency,
      }),
    );
  } finally {
    for (const s of stalled) s.close();
    child.kill();
    await t.close();
  }
  process.exit(0);
}

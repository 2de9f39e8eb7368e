/**
 * CPU cost of fanning GraphQL subscription events out to many subscribers,
 * end to end through the real server (graphql-yoga, graphql-ws, the event
 * bus), in a controlled setting: one simulated cluster and kubeatlas in this
 * process, the subscribers in a child process.
 *
 *   npx tsx bench/subscriptionFanout.ts [--transport sse|ws] [--subscribers 200] [--pods 1000]
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
 * transport). Compare runs on one machine, one commit against another.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startTestApp } from '../test/helpers/app.js';

const QUERY = `subscription($f: ResourceFilter) { resourceEvents(filter: $f) { type clusterId resource { resourceVersion annotations } } }`;
const VARIABLES = { f: { kinds: ['Pod'] } };

const { values } = parseArgs({
  options: {
    transport: { type: 'string', default: 'sse' },
    subscribers: { type: 'string', default: '200' },
    pods: { type: 'string', default: '1000' },
    client: { type: 'string' },
  },
});
const transport = values.transport === 'ws' ? 'ws' : 'sse';
const S = Number(values.subscribers);
const N = Number(values.pods);

if (values.client) await runClients(values.client);
else await runServer();

/** Child: opens the subscriptions and reports the fewest and most events received, every 100 ms. */
async function runClients(url: string): Promise<void> {
  const counts = new Array<number>(S).fill(0);
  for (let i = 0; i < S; i++) {
    if (transport === 'ws') {
      createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 }).subscribe(
        { query: QUERY, variables: VARIABLES },
        { next: () => void counts[i]++, error: (e) => console.error('subscription error', e), complete: () => {} },
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
          if (buffer.startsWith('event: next')) counts[i]++;
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
  createInterface({ input: child.stdout! }).on('line', (l) => (last = JSON.parse(l) as typeof last));
  try {
    while (t.app.events.stats().subscriptions < S) await sleep(50);
    await sleep(500);
    const before = last.max;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const pad = 'x'.repeat(800);
    for (let k = 0; k < N; k++) {
      const meta = { name: `fanout-${k}`, namespace: ns, labels: { app: 'fanout' }, annotations: { pad, k: String(k) } };
      sim.store.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
      if (k % 20 === 19) await sleep(20);
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
    console.log(
      JSON.stringify({
        transport,
        subscribers: S,
        pods: N,
        eventsPerSubscriber: last.max - before,
        producedMs: Math.round(producedMs),
        deliveredMs: Math.round(stableSince - t0),
        cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      }),
    );
  } finally {
    child.kill();
    await t.close();
  }
  process.exit(0);
}

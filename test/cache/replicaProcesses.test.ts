import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { SimCluster } from '../../src/sim/types.js';
import { freePort } from '../helpers/ports.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { waitUntil } from '../helpers/wait.js';
import { startSim } from './support/cacheHarness.js';
import { gql, sseSubscribe } from './support/graphqlClient.js';

/**
 * The multi-replica set-up of docker-compose.yml, tried as a user would:
 * two kubeatlas processes (`src/main.ts` with a config file each) on two
 * ports, one local redis-server, a simulated cluster over HTTPS.
 */

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const LEASE_TTL_MS = 3000;

interface Replica {
  name: string;
  url: string;
  child: ChildProcess;
  output: string[];
}

let redis: TestRedis;
let sim: SimCluster;
let dir: string;
const replicas: Replica[] = [];

beforeAll(async () => {
  redis = await startRedis();
  sim = await startSim({ name: 'proc-1', objects: 400, seed: 41 });
  dir = mkdtempSync(join(tmpdir(), 'kubeatlas-replicas-'));
});
afterAll(async () => {
  for (const r of replicas) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
  await sim.close();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function startReplica(name: string): Promise<Replica> {
  const port = await freePort();
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    stringify({
      port,
      host: '127.0.0.1',
      redisUrl: redis.url,
      redis: { replicaId: name, leaseTtlMs: LEASE_TTL_MS, flushIntervalMs: 50 },
      stateFile: join(dir, `${name}-clusters.json`),
      demo: { enabled: false },
      logLevel: 'info',
      clusters: [{ clusterId: sim.name, authMethod: 'TOKEN', server: sim.url, token: sim.adminToken, tls: { caData: sim.ca.certPem } }],
    }),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--config', file], { cwd: REPO, env: { ...process.env, KUBEATLAS_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout!.on('data', (d: Buffer) => output.push(...String(d).split('\n').filter(Boolean)));
  child.stderr!.on('data', (d: Buffer) => output.push(...String(d).split('\n').filter(Boolean)));
  const r: Replica = { name, url: `http://127.0.0.1:${port}/graphql`, child, output };
  replicas.push(r);
  await waitUntil(() => output.some((l) => l.startsWith('kubeatlas: GraphQL at')), `${name} to listen (output: ${output.slice(-5).join(' | ')})`, 60_000, 100);
  return r;
}

/** This replica's role for the cluster, from its /metrics. */
async function roleOf(r: Replica): Promise<string | undefined> {
  const text = await fetch(r.url.replace('/graphql', '/metrics'), { signal: AbortSignal.timeout(5000) }).then((res) => res.text());
  for (const role of ['owner', 'follower', 'standalone']) if (new RegExp(`^kubeatlas_cache_clusters\\{role="${role}"\\} 1$`, 'm').test(text)) return role;
  return undefined;
}

async function status(r: Replica): Promise<string | undefined> {
  const res = await gql<{ cluster: { status: string } | null }>(r.url, `{ cluster(clusterId: "${sim.name}") { status } }`);
  return res.data?.cluster?.status;
}

describe('two kubeatlas processes sharing one redis', () => {
  it('a subscription on B receives the events of the cluster A owns; SIGKILL of A moves ownership to B within the lease TTL, with no gap for B subscribers', async () => {
    sim.store.create('ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ticker', namespace: 'default' }, data: { n: '0' } });
    const a = await startReplica('replica-a');
    await waitUntil(async () => (await status(a)) === 'READY' && (await roleOf(a)) === 'owner', 'A to own the cluster, READY', 60_000, 200);
    const b = await startReplica('replica-b');
    await waitUntil(async () => (await status(b)) === 'READY' && (await roleOf(b)) === 'follower', 'B to follow the cluster, READY', 60_000, 200);

    const sub = sseSubscribe<{ type: string; resource: { name: string; resourceVersion: string } }>(
      b.url,
      `subscription($c: [String!]) { resourceEvents(filter: { clusters: $c, kinds: ["ConfigMap"], name: "ticker" }) { type resource { name resourceVersion } } }`,
      { c: [sim.name] },
    );
    await sub.ready;
    await new Promise((r) => setTimeout(r, 200));
    // The server's history of the object, from now on.
    const serverRvs: string[] = [];
    const off = sim.store.onChange((c) => {
      if (c.kind.kind === 'ConfigMap' && c.object.metadata.name === 'ticker') serverRvs.push(String(c.resourceVersion));
    });
    let n = 0;
    const ticker = setInterval(() => {
      sim.store.mutate('ConfigMap', 'default', 'ticker', (o) => void ((o as { data?: Record<string, string> }).data = { n: String(++n) }));
    }, 40);
    try {
      await waitUntil(() => sub.events.length >= 10, 'events from A on B', 20_000);

      const killedAt = Date.now();
      a.child.kill('SIGKILL');
      await waitUntil(async () => (await roleOf(b)) === 'owner', 'B to take over', LEASE_TTL_MS + 10_000, 50);
      const takeoverMs = Date.now() - killedAt;
      // The lease expires at most one TTL after A's last renewal; B wakes up at that moment.
      expect(takeoverMs).toBeLessThanOrEqual(LEASE_TTL_MS + 1000);
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      clearInterval(ticker);
      off();
    }
    const last = serverRvs.at(-1)!;
    await waitUntil(() => sub.events.some((e) => e.resource.resourceVersion === last), 'the last change on B', 20_000);
    await new Promise((r) => setTimeout(r, 300));
    sub.close();
    // Every change the server made, in order, once: no gap across the takeover.
    expect(sub.events.map((e) => e.resource.resourceVersion)).toEqual(serverRvs);
    expect(sub.events.every((e) => e.type === 'MODIFIED')).toBe(true);
    expect(sub.errors).toEqual([]);
    expect(await status(b)).toBe('READY');

    b.child.kill('SIGTERM');
    await waitUntil(() => b.child.exitCode !== null, 'B to exit on SIGTERM', 10_000);
    expect(b.child.exitCode).toBe(0);
  }, 150_000);
});

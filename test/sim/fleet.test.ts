import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:net';
import { Agent, request } from 'undici';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKubeatlasError } from '../../src/util/errors.js';
import { startSimFleet, type SimFleet } from '../../src/sim/fleet.js';

/** The fleet launcher: several clusters, one CA, one kubeconfig a client can use as is. */

type Obj = Record<string, any>;

interface Kubeconfig {
  clusters: Array<{ name: string; cluster: { server: string; 'certificate-authority-data': string } }>;
  users: Array<{ name: string; user: { token: string } }>;
  contexts: Array<{ name: string; context: { cluster: string; user: string } }>;
  'current-context': string;
}

/** GET through a context of a kubeconfig, the way a client library does it (CA from the file, bearer token). */
async function getWith(cfg: Kubeconfig, context: string, path: string): Promise<{ status: number; body: Obj }> {
  const ctx = cfg.contexts.find((c) => c.name === context)!.context;
  const cluster = cfg.clusters.find((c) => c.name === ctx.cluster)!.cluster;
  const user = cfg.users.find((u) => u.name === ctx.user)!.user;
  const agent = new Agent({ connect: { ca: Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8') } });
  try {
    const res = await request(cluster.server + path, { dispatcher: agent, headers: { authorization: `Bearer ${user.token}`, accept: 'application/json' }, signal: AbortSignal.timeout(15_000) });
    return { status: res.statusCode, body: (await res.body.json()) as Obj };
  } finally {
    await agent.close();
  }
}

let fleet: SimFleet;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sim-fleet-'));
  fleet = await startSimFleet({ clusters: 2, objects: 300, seed: 4, namePrefix: 'edge' });
}, 60_000);

afterAll(async () => {
  await fleet?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('startSimFleet', () => {
  it('starts named clusters with one CA and different workloads', () => {
    expect(fleet.clusters.map((c) => c.name)).toEqual(['edge-1', 'edge-2']);
    expect(new Set(fleet.clusters.map((c) => c.port)).size).toBe(2);
    expect(fleet.clusters[0].ca.certPem).toBe(fleet.clusters[1].ca.certPem);
    const nodeNames = fleet.clusters.map((c) => c.store.list('Node').map((n) => n.metadata.name).join());
    expect(nodeNames[0]).not.toBe(nodeNames[1]);
    for (const c of fleet.clusters) expect(c.store.count('Pod')).toBeGreaterThan(100);
  });

  it('writes one kubeconfig (mode 0600) with a context per cluster that a client can use', async () => {
    const path = join(dir, 'fleet.kubeconfig');
    writeFileSync(path, 'old', { mode: 0o644 });
    fleet.writeKubeconfig(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const cfg = parse(fleet.kubeconfig()) as Kubeconfig;
    expect(cfg['current-context']).toBe('edge-1');
    expect(cfg.contexts).toEqual([
      { name: 'edge-1', context: { cluster: 'edge-1', user: 'edge-1' } },
      { name: 'edge-2', context: { cluster: 'edge-2', user: 'edge-2' } },
    ]);
    for (const c of fleet.clusters) {
      const r = await getWith(cfg, c.name, '/api/v1/namespaces/kube-system/pods');
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeGreaterThan(3);
      expect(cfg.clusters.find((x) => x.name === c.name)!.cluster.server).toBe(c.url);
    }
    // A token of one cluster does not open another.
    const crossed = structuredClone(cfg);
    crossed.users[1].user.token = cfg.users[0].user.token;
    expect((await getWith(crossed, 'edge-2', '/api/v1/namespaces')).status).toBe(401);
  });

  it('refuses bad options with BAD_USER_INPUT', async () => {
    for (const bad of [{ clusters: 0, objects: 10 }, { clusters: 1, objects: -1 }, { clusters: 1, objects: 10, basePort: 70000 }, { clusters: 1, objects: 10, namePrefix: 'Bad_Name' }, { clusters: 1, objects: 10, churnPerSecond: Number.NaN }]) {
      const err = await startSimFleet(bad).catch((e: unknown) => e);
      expect(isKubeatlasError(err) && err.code, JSON.stringify(bad)).toBe('BAD_USER_INPUT');
    }
  });

  it('fails fast with CONFLICT naming the port when a port is taken', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const taken = (blocker.address() as { port: number }).port;
    try {
      const t0 = Date.now();
      const err = await startSimFleet({ clusters: 2, objects: 50_000, basePort: taken }).catch((e: unknown) => e);
      expect(isKubeatlasError(err) && err.code).toBe('CONFLICT');
      expect((err as Error).message).toBe(`port ${taken} is already in use (cluster sim-1)`);
      // Checked before seeding 50k objects.
      expect(Date.now() - t0).toBeLessThan(2000);
    } finally {
      blocker.close();
    }
  });
});

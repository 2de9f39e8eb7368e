import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HealthTiming } from '../../src/clusters/healthMonitor.js';
import { ClusterRegistry, type ClusterEvent, type ClusterHandle, type SyncReport } from '../../src/clusters/registry.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { KubeatlasError } from '../../src/util/errors.js';
import { freePort } from '../helpers/ports.js';
import { captureLogs } from './helpers/captureLogs.js';
import { createTestCa } from './helpers/certs.js';
import { startSimCluster } from '../../src/sim/cluster.js';
import type { SimCluster } from '../../src/sim/types.js';
import { waitFor } from './helpers/waitFor.js';

const FAST: Partial<HealthTiming> = { intervalMs: 400, initialBackoffMs: 200, maxBackoffMs: 800, authBackoffMs: 1_000, maxAuthBackoffMs: 2_000, minGapMs: 100 };
const WRONG_TOKEN = 'wrong-token-0000-aaaa-bbbb';

const root = mkdtempSync(join(tmpdir(), 'kubeatlas-registry-'));
const logs = captureLogs('debug');
let api: SimCluster;
let silent: Server;
let silentPort: number;
let refusedPort: number;
let otherCaPem: string;
const silentSockets: Socket[] = [];
const registries: ClusterRegistry[] = [];

function configWith(name: string, clusters: Array<Record<string, unknown>>): Config {
  const d = join(root, name);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'kubeatlas.yaml'), JSON.stringify({ clusters }));
  return loadConfig({ argv: ['--config', join(d, 'kubeatlas.yaml')], env: {}, cwd: d });
}

function registry(config: Config, health: Partial<HealthTiming> = FAST): ClusterRegistry {
  const r = new ClusterRegistry({ config, health });
  registries.push(r);
  return r;
}

function token(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { clusterId: id, authMethod: 'TOKEN', server: api.url, token: api.adminToken, tls: { caData: api.ca.certPem }, ...extra };
}

const status = (h: ClusterHandle | undefined) => h?.info().status;
const full = (n: number, extra: Partial<SyncReport> = {}): SyncReport => ({ kindsTotal: n, kindsSynced: n, objects: 10 * n, failingKinds: [], stale: false, ...extra });

beforeAll(async () => {
  api = await startSimCluster({ name: 'reg', objects: 0 });
  silent = createServer((s) => silentSockets.push(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  silentPort = (silent.address() as { port: number }).port;
  refusedPort = await freePort();
  otherCaPem = createTestCa('another-ca').certPem;
});
// Each test's registries stop before the next test, so that server request counts are the test's own.
afterEach(async () => {
  await Promise.all(registries.splice(0).map((r) => r.close()));
});
afterAll(async () => {
  for (const s of silentSockets) s.destroy();
  silent.close();
  await api.close();
  rmSync(root, { recursive: true, force: true });
  const text = logs.text();
  logs.restore();
  expect(text).not.toContain(api.adminToken);
  expect(text).not.toContain(WRONG_TOKEN);
});

describe('ClusterRegistry start and status', () => {
  it('starts at once; each config cluster reaches its own status, none blocks the others', async () => {
    const dir = join(root, 'start');
    const config = configWith('start', [
      token('good'),
      token('refused', { server: `https://127.0.0.1:${refusedPort}` }),
      token('hanging', { server: `https://127.0.0.1:${silentPort}`, timeoutSeconds: 2 }),
      { clusterId: 'no-file', authMethod: 'SERVICE_ACCOUNT', server: api.url, tokenFile: 'tokens/later', tls: { caData: api.ca.certPem } },
      token('wrong-token', { token: WRONG_TOKEN }),
      token('wrong-ca', { tls: { caData: otherCaPem } }),
    ]);
    const reg = registry(config);
    const events: ClusterEvent[] = [];
    reg.onEvent((e) => events.push(e));
    const t0 = performance.now();
    await reg.start();
    expect(performance.now() - t0).toBeLessThan(500);
    expect(reg.list().map((h) => h.id)).toEqual(['good', 'hanging', 'no-file', 'refused', 'wrong-ca', 'wrong-token']);
    expect(events.filter((e) => e.type === 'ADDED').map((e) => e.clusterId).sort()).toEqual(['good', 'hanging', 'no-file', 'refused', 'wrong-ca', 'wrong-token']);
    // A missing file is known at once and does not stop the others.
    expect(reg.get('no-file')?.info()).toMatchObject({ status: 'UNREACHABLE', lastError: 'configuration: tokenFile: file not found', source: 'config' });
    expect(reg.readiness().ready).toBe(false);

    await waitFor(() => status(reg.get('good')) === 'SYNCING', 'good to be SYNCING');
    expect(reg.get('good')?.info()).toMatchObject({ version: 'v1.28.7', server: api.url });
    await waitFor(() => status(reg.get('refused')) === 'UNREACHABLE', 'refused to be UNREACHABLE');
    expect(reg.get('refused')?.info().lastError).toBe('connection refused');
    await waitFor(() => status(reg.get('wrong-token')) === 'UNREACHABLE', 'wrong-token to be UNREACHABLE');
    expect(reg.get('wrong-token')?.info().lastError).toBe('unauthorized: the token was rejected');
    await waitFor(() => status(reg.get('wrong-ca')) === 'UNREACHABLE', 'wrong-ca to be UNREACHABLE');
    expect(reg.get('wrong-ca')?.info().lastError).toBe('TLS: certificate signed by unknown authority');
    const hangStart = performance.now();
    await waitFor(() => status(reg.get('hanging')) === 'UNREACHABLE', 'hanging to be UNREACHABLE', 5_000);
    expect(performance.now() - t0).toBeLessThan(4_000); // its 2 s deadline, not more
    expect(performance.now() - hangStart).toBeLessThan(4_000);
    expect(reg.get('hanging')?.info().lastError).toBe('timed out after 2s');

    // Only the reachable cluster still holds readiness back; its sync report releases it.
    expect(reg.readiness()).toEqual({ ready: false, waitingFor: ['good'] });
    reg.get('good')?.reportSync(full(20));
    expect(reg.readiness()).toEqual({ ready: true, waitingFor: [] });
    expect(reg.get('good')?.info()).toMatchObject({ status: 'READY', sync: { kindsTotal: 20, kindsSynced: 20, objects: 200, progress: 1 } });

    // The missing file appears: the cluster recovers on a later probe.
    mkdirSync(join(dir, 'tokens'), { recursive: true });
    writeFileSync(join(dir, 'tokens', 'later'), api.adminToken);
    await waitFor(() => status(reg.get('no-file')) === 'SYNCING', 'no-file to recover', 8_000);
    expect(reg.get('no-file')?.info().lastError).toBeUndefined();
    for (const e of events) expect(JSON.stringify(e)).not.toContain(api.adminToken);
  });

  it('derives SYNCING / READY / DEGRADED from sync reports and UNREACHABLE from probes, one event per change', async () => {
    const reg = registry(configWith('states', [token('s1', { timeoutSeconds: 1 })]));
    const changes: string[] = [];
    reg.onEvent((e) => {
      if (e.type === 'STATUS_CHANGED') changes.push(`${e.cluster?.status}${e.cluster?.lastError ? ` (${e.cluster.lastError})` : ''}`);
    });
    await reg.start();
    const h = reg.get('s1') as ClusterHandle;
    await waitFor(() => status(h) === 'SYNCING', 'SYNCING');
    h.reportSync({ kindsTotal: 4, kindsSynced: 2, objects: 5, failingKinds: [], stale: false });
    expect(h.info().sync.progress).toBe(0.5);
    h.reportSync(full(4));
    h.reportSync(full(4, { objects: 99 })); // no change of status: no event
    h.reportSync({ kindsTotal: 4, kindsSynced: 3, objects: 7, failingKinds: [{ kind: 'Pod', reason: 'forbidden' }], stale: false });
    h.reportSync(full(4, { stale: true }));
    h.reportSync(full(4));
    // The API server stops answering /version: probes time out (1 s here), status UNREACHABLE; then it recovers.
    api.faults.hang({ pathPrefix: '/version' });
    await waitFor(() => status(h) === 'UNREACHABLE', 'UNREACHABLE', 8_000);
    api.faults.clear();
    await waitFor(() => status(h) === 'READY', 'READY again', 8_000);
    expect(changes).toEqual([
      'SYNCING',
      'READY',
      'DEGRADED (Pod: forbidden)',
      'DEGRADED (data may be stale: watches are failing)',
      'READY',
      'UNREACHABLE (timed out after 1s)',
      'READY',
    ]);
  }, 20_000);

  it('does not retry a rejected token in a tight loop', async () => {
    const reg = registry(configWith('auth-loop', [token('bad-token', { token: WRONG_TOKEN })]), {});
    await reg.start();
    const h = reg.get('bad-token') as ClusterHandle;
    await waitFor(() => status(h) === 'UNREACHABLE', 'UNREACHABLE');
    const since = Date.now();
    // Requests of the layer above keep failing with 401 meanwhile; they must not trigger probes either.
    for (let i = 0; i < 10; i++) expect((await h.client.request({ path: '/api/v1/namespaces', rateLimited: false })).status).toBe(401);
    await new Promise((r) => setTimeout(r, 2_500));
    const probes = api.requests().filter((r) => r.at >= since && r.path === '/version' && r.status === 401);
    expect(probes.length).toBe(0);
    expect(h.info().lastError).toBe('unauthorized: the token was rejected');
  }, 15_000);
});

describe('ClusterRegistry add and remove', () => {
  it('validates input, rejects duplicates and unknown ids, keeps list order', async () => {
    const reg = registry(configWith('add', [token('from-config')]));
    await reg.start();
    const bad = await reg.add({ clusterId: 'Bad_Id', authMethod: 'TOKEN', server: api.url, token: api.adminToken }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(KubeatlasError);
    expect((bad as KubeatlasError).code).toBe('BAD_USER_INPUT');
    expect((bad as KubeatlasError).details.field).toBe('clusterId');
    const noToken = (await reg.add({ clusterId: 'x', authMethod: 'TOKEN', server: api.url }).catch((e: unknown) => e)) as KubeatlasError;
    expect([noToken.code, noToken.details.field]).toEqual(['BAD_USER_INPUT', 'token']);
    const dupConfig = (await reg.add(token('from-config')).catch((e: unknown) => e)) as KubeatlasError;
    expect([dupConfig.code, dupConfig.details.field]).toEqual(['CONFLICT', 'clusterId']);
    expect(dupConfig.message).not.toContain(api.adminToken);
    await reg.add(token('b-runtime'));
    await reg.add(token('a-runtime'));
    const dupRuntime = (await reg.add(token('a-runtime')).catch((e: unknown) => e)) as KubeatlasError;
    expect(dupRuntime.code).toBe('CONFLICT');
    expect(reg.list().map((h) => `${h.id}:${h.info().source}`)).toEqual(['a-runtime:runtime', 'b-runtime:runtime', 'from-config:config']);
    const missing = (await reg.remove('nope').catch((e: unknown) => e)) as KubeatlasError;
    expect(missing.code).toBe('NOT_FOUND');
    expect(await reg.remove('from-config')).toBe(true);
    expect(reg.get('from-config')).toBeUndefined();
  });

  it('waitForReady resolves once the cluster settles, UNREACHABLE included', async () => {
    const reg = registry(configWith('wait', []));
    await reg.start();
    const t0 = performance.now();
    const h = await reg.add(token('gone', { server: `https://127.0.0.1:${refusedPort}`, timeoutSeconds: 3 }), { waitForReady: true });
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(h.info()).toMatchObject({ status: 'UNREACHABLE', lastError: 'connection refused' });
    // A reachable cluster without a sync layer stays SYNCING: waitForReady gives up after timeoutSeconds (+1 s).
    const t1 = performance.now();
    const s = await reg.add(token('syncing', { timeoutSeconds: 1 }), { waitForReady: true });
    expect(performance.now() - t1).toBeGreaterThanOrEqual(1_900);
    expect(s.info().status).toBe('SYNCING');
  });

  it('removeCluster while still connecting: returns at once, aborts the signal, no event after REMOVED', async () => {
    const reg = registry(configWith('remove', []));
    await reg.start();
    const events: ClusterEvent[] = [];
    reg.onEvent((e) => events.push(e));
    const h = await reg.add(token('slow', { server: `https://127.0.0.1:${silentPort}`, timeoutSeconds: 1 }));
    expect(h.info().status).toBe('CONNECTING');
    await new Promise((r) => setTimeout(r, 100)); // the probe is in flight now
    const t0 = performance.now();
    expect(await reg.remove('slow')).toBe(true);
    expect(performance.now() - t0).toBeLessThan(500);
    expect(h.signal.aborted).toBe(true);
    await new Promise((r) => setTimeout(r, 1_500)); // past the probe's deadline
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'REMOVED']);
    expect(events[1].cluster?.status).toBe('CONNECTING');
    expect((await h.client.request({ path: '/version' }).catch((e: unknown) => e)) as KubeatlasError).toMatchObject({ code: 'CLUSTER_UNAVAILABLE' });
  });

  it('a listener that throws does not stop the others', async () => {
    const reg = registry(configWith('listeners', []));
    await reg.start();
    const seen: string[] = [];
    reg.onEvent(() => {
      throw new Error('bad listener');
    });
    const off = reg.onEvent((e) => seen.push(e.type));
    await reg.add(token('l1'));
    off();
    await reg.remove('l1');
    expect(seen).toEqual(['ADDED']);
  });
});

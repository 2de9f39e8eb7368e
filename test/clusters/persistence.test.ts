import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterRegistry } from '../../src/clusters/registry.js';
import { StateFilePersistence } from '../../src/clusters/stateFilePersistence.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { KubeatlasError } from '../../src/util/errors.js';
import { captureLogs } from './helpers/captureLogs.js';
import { startSimCluster } from '../../src/sim/cluster.js';
import type { SimCluster } from '../../src/sim/types.js';
import { waitFor } from './helpers/waitFor.js';

const root = mkdtempSync(join(tmpdir(), 'kubeatlas-persist-'));
const logs = captureLogs('debug');
let api: SimCluster;
const SECRET_KEY = 'correct horse battery staple';

function config(name: string): Config {
  const d = join(root, name);
  mkdirSync(join(d, 'tokens'), { recursive: true });
  writeFileSync(join(d, 'tokens', 'sa'), api.adminToken);
  writeFileSync(
    join(d, 'kubeatlas.yaml'),
    JSON.stringify({ stateFile: 'state/clusters.json', clusters: [{ clusterId: 'cfg', authMethod: 'TOKEN', server: api.url, token: api.adminToken, tls: { caData: api.ca.certPem } }] }),
  );
  return loadConfig({ argv: ['--config', join(d, 'kubeatlas.yaml')], env: {}, cwd: d });
}

async function withRegistry<T>(cfg: Config, persistence: StateFilePersistence, fn: (r: ClusterRegistry) => Promise<T>): Promise<T> {
  const reg = new ClusterRegistry({ config: cfg, persistence, health: { intervalMs: 1_000, initialBackoffMs: 200 } });
  try {
    await reg.start();
    return await fn(reg);
  } finally {
    await reg.close();
  }
}

beforeAll(async () => {
  api = await startSimCluster({ name: 'persist', objects: 0 });
});
afterAll(async () => {
  await api.close();
  rmSync(root, { recursive: true, force: true });
  const text = logs.text();
  logs.restore();
  expect(text).not.toContain(api.adminToken);
});

describe('runtime clusters survive a restart', () => {
  it('brings runtime clusters back from the state file, without duplicating config clusters', async () => {
    const cfg = config('roundtrip');
    const persistence = new StateFilePersistence({ path: cfg.stateFile });
    await withRegistry(cfg, persistence, async (reg) => {
      await reg.add({ clusterId: 'rt-token', authMethod: 'TOKEN', server: api.url, token: api.adminToken, tls: { caData: api.ca.certPem }, labels: { team: 'a' } });
      await reg.add({ clusterId: 'rt-sa', authMethod: 'SERVICE_ACCOUNT', server: api.url, tokenFile: 'tokens/sa', tls: { caData: api.ca.certPem } });
    });
    const st = statSync(cfg.stateFile);
    expect(st.mode & 0o777).toBe(0o600);
    const saved = JSON.parse(readFileSync(cfg.stateFile, 'utf8')) as { clusters: Array<{ clusterId: string }> };
    expect(saved.clusters.map((c) => c.clusterId)).toEqual(['rt-sa', 'rt-token']);
    // No temp files left behind by the atomic writes.
    expect(readdirSync(join(cfg.stateFile, '..'))).toEqual(['clusters.json']);

    await withRegistry(cfg, new StateFilePersistence({ path: cfg.stateFile }), async (reg) => {
      expect(reg.list().map((h) => `${h.id}:${h.info().source}`)).toEqual(['cfg:config', 'rt-sa:runtime', 'rt-token:runtime']);
      expect(reg.get('rt-token')?.info().labels).toEqual({ team: 'a' });
      await waitFor(() => reg.get('rt-token')?.info().status === 'SYNCING' && reg.get('rt-sa')?.info().status === 'SYNCING', 'restored clusters to connect');
      // Removing a config cluster is not persisted; removing a runtime one is.
      await reg.remove('cfg');
      await reg.remove('rt-token');
    });
    await withRegistry(cfg, new StateFilePersistence({ path: cfg.stateFile }), async (reg) => {
      expect(reg.list().map((h) => h.id)).toEqual(['cfg', 'rt-sa']);
    });
  });

  it('encrypts inline secrets with KUBEATLAS_SECRET_KEY: no token in clear, and the key is needed to load', async () => {
    const cfg = config('encrypted');
    const client = api.ca.issue({ commonName: 'enc', client: true });
    await withRegistry(cfg, new StateFilePersistence({ path: cfg.stateFile, secretKey: SECRET_KEY }), async (reg) => {
      await reg.add({ clusterId: 'enc-token', authMethod: 'TOKEN', server: api.url, token: api.adminToken, tls: { caData: api.ca.certPem, certData: client.certPem, keyData: client.keyPem } });
      await reg.add({ clusterId: 'enc-kubeconfig', authMethod: 'KUBECONFIG', kubeconfig: api.kubeconfig() });
    });
    const text = readFileSync(cfg.stateFile, 'utf8');
    expect(text).not.toContain(api.adminToken);
    expect(text).not.toContain(client.keyPem.split('\n')[1]);
    expect(text).not.toContain('current-context');
    expect(text).toContain('"clusterId": "enc-token"');
    expect(text).toContain(api.url); // what is not secret stays readable

    const loaded = await new StateFilePersistence({ path: cfg.stateFile, secretKey: SECRET_KEY }).load();
    expect(loaded.find((s) => s.clusterId === 'enc-token')?.token).toBe(api.adminToken);
    expect(loaded.find((s) => s.clusterId === 'enc-token')?.tls?.keyData).toBe(client.keyPem);
    expect(loaded.find((s) => s.clusterId === 'enc-kubeconfig')?.kubeconfig).toBe(api.kubeconfig());

    const noKey = (await new StateFilePersistence({ path: cfg.stateFile }).load().catch((e: unknown) => e)) as KubeatlasError;
    expect(noKey).toBeInstanceOf(KubeatlasError);
    expect(noKey.code).toBe('CONFIG_INVALID');
    expect(noKey.message).toMatch(/KUBEATLAS_SECRET_KEY is not set/);
    const wrongKey = (await new StateFilePersistence({ path: cfg.stateFile, secretKey: 'wrong' }).load().catch((e: unknown) => e)) as KubeatlasError;
    expect(wrongKey.code).toBe('CONFIG_INVALID');
    expect(wrongKey.message).not.toContain(api.adminToken);
    // The registry refuses to start on a state file it cannot read, rather than silently dropping clusters.
    const reg = new ClusterRegistry({ config: cfg, persistence: new StateFilePersistence({ path: cfg.stateFile, secretKey: 'wrong' }) });
    await expect(reg.start()).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await reg.close();
    // With the right key the clusters come back and connect.
    await withRegistry(cfg, new StateFilePersistence({ path: cfg.stateFile, secretKey: SECRET_KEY }), async (r) => {
      await waitFor(() => r.get('enc-token')?.info().status === 'SYNCING', 'enc-token to connect');
      await waitFor(() => r.get('enc-kubeconfig')?.info().status === 'SYNCING', 'enc-kubeconfig to connect');
    });
  });

  it('stores secrets in clear without a key (documented), and reports a corrupt file by name only', async () => {
    const cfg = config('clear');
    await withRegistry(cfg, new StateFilePersistence({ path: cfg.stateFile }), async (reg) => {
      await reg.add({ clusterId: 'clear', authMethod: 'TOKEN', server: api.url, token: api.adminToken, tls: { caData: api.ca.certPem } });
    });
    expect(readFileSync(cfg.stateFile, 'utf8')).toContain(api.adminToken);
    writeFileSync(cfg.stateFile, `{"version":1,"clusters":[{"token":"${api.adminToken}"`);
    const err = (await new StateFilePersistence({ path: cfg.stateFile }).load().catch((e: unknown) => e)) as KubeatlasError;
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toBe(`state file ${cfg.stateFile}: is not valid JSON`);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimCluster, type SimCluster } from '../../src/sim/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { waitUntil } from '../helpers/wait.js';

const ADD = `mutation($input: AddClusterInput!, $wait: Boolean) { addCluster(input: $input, waitForReady: $wait) { clusterId status version server authMethod lastError } }`;
const REMOVE = `mutation($id: String!) { removeCluster(clusterId: $id) }`;

describe('addCluster / removeCluster over HTTP', () => {
  let t: TestApp;
  let extra: SimCluster;

  beforeAll(async () => {
    t = await startTestApp({ clusters: [{ name: 'sim-1', objects: 200 }], config: { enableMutations: true } });
    extra = await startSimCluster({ name: 'sim-2', objects: 300, seed: 5, ca: t.sims[0].ca });
  });
  afterAll(async () => {
    await t?.close();
    await extra?.close();
  });

  it('adds a cluster with TOKEN auth, returns it CONNECTING, and it becomes READY with its resources', async () => {
    const r = await t.gql<{ addCluster: Record<string, unknown> }>(ADD, {
      input: { clusterId: 'sim-2', authMethod: 'TOKEN', server: extra.url, token: extra.adminToken, tls: { caData: extra.ca.certPem }, environment: 'test' },
    });
    expect(r.errors).toBeUndefined();
    expect(r.data!.addCluster).toMatchObject({ clusterId: 'sim-2', status: 'CONNECTING', server: extra.url, authMethod: 'TOKEN' });
    expect(JSON.stringify(r)).not.toContain(extra.adminToken);
    await waitUntil(async () => (await t.gql<{ cluster: { status: string } }>('{ cluster(clusterId: "sim-2") { status } }')).data?.cluster.status === 'READY', 'sim-2 READY');
    const pods = await t.gql<{ resources: { totalCount: number } }>('{ resources(filter: { clusters: ["sim-2"], kinds: ["pods"] }) { totalCount } }');
    expect(pods.data!.resources.totalCount).toBe(extra.store.count('pods'));
  });

  it('answers CONFLICT for a duplicate id and BAD_USER_INPUT naming the field for bad input', async () => {
    const dup = await t.gql(ADD, { input: { clusterId: 'sim-1', authMethod: 'TOKEN', server: extra.url, token: 'x' } });
    expect(dup.errors?.[0].extensions?.code).toBe('CONFLICT');
    const badId = await t.gql(ADD, { input: { clusterId: 'Not_A_Label', authMethod: 'TOKEN', server: extra.url, token: 'x' } });
    expect(badId.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'clusterId' });
    const noToken = await t.gql(ADD, { input: { clusterId: 'sim-9', authMethod: 'TOKEN', server: extra.url } });
    expect(noToken.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'token' });
    const badYaml = await t.gql(ADD, { input: { clusterId: 'sim-9', authMethod: 'KUBECONFIG', kubeconfig: 'apiVersion: v1\nclusters: [\n  - name: {{{ secret-stuff' } });
    expect(badYaml.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(badYaml.errors?.[0].message).not.toContain('secret-stuff');
  });

  it('refuses a file path outside clusterFilesDir', async () => {
    const r = await t.gql(ADD, { input: { clusterId: 'sim-9', authMethod: 'KUBECONFIG', kubeconfigPath: '/etc/passwd' } });
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'kubeconfigPath' });
  });

  it('adds a cluster from a kubeconfig file and context, waiting for READY', async () => {
    const file = join(t.dir, 'extra.kubeconfig');
    writeFileSync(file, extra.kubeconfig(), { mode: 0o600 });
    await t.gql(REMOVE, { id: 'sim-2' });
    await waitUntil(async () => (await t.gql<{ cluster: unknown }>('{ cluster(clusterId: "sim-2") { status } }')).data?.cluster === null, 'sim-2 gone');
    const r = await t.gql<{ addCluster: { status: string; version: string } }>(ADD, {
      input: { clusterId: 'sim-2', authMethod: 'KUBECONFIG', kubeconfigPath: file, context: 'sim-2' },
      wait: true,
    });
    expect(r.errors).toBeUndefined();
    expect(r.data!.addCluster).toMatchObject({ status: 'READY', version: 'v1.28.7' });
  });

  it('removes a cluster: gone from clusters and from resources; NOT_FOUND for an unknown id', async () => {
    const r = await t.gql<{ removeCluster: boolean }>(REMOVE, { id: 'sim-2' });
    expect(r.data!.removeCluster).toBe(true);
    const clusters = await t.gql<{ clusters: Array<{ clusterId: string }> }>('{ clusters { clusterId } }');
    expect(clusters.data!.clusters.map((c) => c.clusterId)).toEqual(['sim-1']);
    await waitUntil(
      async () => (await t.gql<{ resources: { totalCount: number } }>('{ resources(filter: { clusters: ["sim-2"] }) { totalCount } }')).data?.resources.totalCount === 0,
      'sim-2 resources removed',
    );
    const again = await t.gql(REMOVE, { id: 'sim-2' });
    expect(again.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('keeps runtime-added clusters across a restart (state file)', async () => {
    await t.gql(ADD, { input: { clusterId: 'sim-3', authMethod: 'TOKEN', server: extra.url, token: extra.adminToken, tls: { caData: extra.ca.certPem } } });
    const { startApp } = await import('../../src/app.js');
    const again = await startApp({ config: t.app.config, serve: false });
    try {
      expect(again.registry.list().map((h) => h.id).sort()).toEqual(['sim-1', 'sim-3']);
    } finally {
      await again.close();
    }
  });
});

describe('mutations disabled (the default)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ clusters: [] });
  });
  afterAll(async () => t?.close());

  it('refuses addCluster and removeCluster with FORBIDDEN', async () => {
    const r = await t.gql(ADD, { input: { clusterId: 'x', authMethod: 'TOKEN', server: 'https://127.0.0.1:1', token: 't' } });
    expect(r.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(r.errors?.[0].message).toContain('enableMutations');
    const rm = await t.gql(REMOVE, { id: 'x' });
    expect(rm.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});

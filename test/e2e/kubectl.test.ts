import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/kube/types.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { waitUntil } from '../helpers/wait.js';

const exec = promisify(execFile);
const hasKubectl = await exec('kubectl', ['version', '--client']).then(
  () => true,
  () => false,
);

let t: TestApp;
let kubeconfig: string;

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await exec('kubectl', ['--kubeconfig', kubeconfig, '--context', 'kc', ...args], { timeout: 30_000, maxBuffer: 256 * 1024 * 1024 });
  return stdout;
}

interface Rel {
  type: string;
  direction: string;
  other: { kind: string; name: string };
}

async function relationsOf(kind: string, ns: string, name: string): Promise<Rel[]> {
  const r = await t.gql<{ resource: { relations: Rel[] } | null }>(
    `query($k: String!, $ns: String, $n: String!) { resource(clusterId: "kc", kind: $k, namespace: $ns, name: $n) { relations { type direction other { kind name } } } }`,
    { k: kind, ns, n: name },
  );
  return r.data?.resource?.relations ?? [];
}

describe.skipIf(!hasKubectl)('kubectl changes reach the catalog', () => {
  beforeAll(async () => {
    t = await startTestApp({ clusters: [{ name: 'kc', objects: 800, seed: 21 }] });
    kubeconfig = join(t.dir, 'kc.kubeconfig');
    writeFileSync(kubeconfig, t.sims[0].kubeconfig(), { mode: 0o600 });
    await waitUntil(async () => (await t.gql<{ clusters: Array<{ status: string }> }>('{ clusters { status } }')).data?.clusters[0]?.status === 'READY', 'READY', 30_000);
  });
  afterAll(async () => t?.close());

  it('holds the same pods, names and resourceVersions, as `kubectl get pods -A`', async () => {
    const fromKubectl = async () =>
      (JSON.parse(await kubectl('get', 'pods', '-A', '-o', 'json')) as { items: KubeObject[] }).items
        .map((p) => `${p.metadata.namespace}/${p.metadata.name}@${p.metadata.resourceVersion}`)
        .sort();
    const fromCatalog = async () => {
      const r = await t.gql<{ resources: { edges: Array<{ node: { namespace: string; name: string; resourceVersion: string } }> } }>(
        '{ resources(filter: { kinds: ["Pod"] }, first: 500) { edges { node { namespace name resourceVersion } } } }',
      );
      return r.data!.resources.edges.map((e) => `${e.node.namespace}/${e.node.name}@${e.node.resourceVersion}`).sort();
    };
    await waitUntil(async () => JSON.stringify(await fromKubectl()) === JSON.stringify(await fromCatalog()), 'catalog == kubectl get pods -A', 15_000, 300);
    expect((await fromCatalog()).length).toBeGreaterThan(50);
  });

  it('follows a service selector changed with kubectl: SELECTS edges move within a second', async () => {
    const sim = t.sims[0];
    const svc = sim.store.list('services').find((s) => {
      const sel = (s.spec as { selector?: Record<string, string> } | undefined)?.selector;
      return sel && Object.keys(sel).length > 0 && s.metadata.namespace !== 'kube-system' && s.metadata.namespace !== 'default';
    })!;
    const ns = svc.metadata.namespace!;
    const target = sim.store.list('pods', ns).find((p) => !p.metadata.deletionTimestamp)!;
    const before = (await relationsOf('Service', ns, svc.metadata.name!)).filter((r) => r.type === 'SELECTS');
    expect(before.length).toBeGreaterThan(0);

    await kubectl('label', 'pod', '-n', ns, target.metadata.name!, 'e2e-selected=yes');
    await kubectl('patch', 'service', '-n', ns, svc.metadata.name!, '--type', 'merge', '-p', JSON.stringify({ spec: { selector: null } }));
    await kubectl('patch', 'service', '-n', ns, svc.metadata.name!, '--type', 'merge', '-p', JSON.stringify({ spec: { selector: { 'e2e-selected': 'yes' } } }));
    const t0 = Date.now();
    const after = await waitUntil(
      async () => {
        const sel = (await relationsOf('Service', ns, svc.metadata.name!)).filter((r) => r.type === 'SELECTS');
        return sel.length === 1 && sel[0].other.name === target.metadata.name ? sel : undefined;
      },
      'the service selects exactly the labelled pod',
      10_000,
      20,
    );
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(after[0]).toMatchObject({ direction: 'OUTGOING', other: { kind: 'Pod' } });
    const podSide = await relationsOf('Pod', ns, target.metadata.name!);
    expect(podSide).toContainEqual({ type: 'SELECTS', direction: 'INCOMING', other: { kind: 'Service', name: svc.metadata.name } });

    // Relabel the pod away: the edge goes.
    await kubectl('label', 'pod', '-n', ns, target.metadata.name!, 'e2e-selected=no', '--overwrite');
    const t1 = Date.now();
    await waitUntil(async () => (await relationsOf('Service', ns, svc.metadata.name!)).filter((r) => r.type === 'SELECTS').length === 0, 'edge removed', 10_000, 20);
    expect(Date.now() - t1).toBeLessThan(1_000);
  });

  it('sees a pod deleted with kubectl disappear, and its replacement appear', async () => {
    const sim = t.sims[0];
    const pod = sim.store.list('pods').find((p) => p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet' && !p.metadata.deletionTimestamp)!;
    const ns = pod.metadata.namespace!;
    await kubectl('delete', 'pod', '-n', ns, pod.metadata.name!);
    await waitUntil(async () => (await relationsOf('Pod', ns, pod.metadata.name!)).length === 0, 'deleted pod gone', 10_000, 50);
    const owner = pod.metadata.ownerReferences![0].name;
    await waitUntil(
      async () => {
        const r = await t.gql<{ resource: { relations: Rel[] } }>(
          `query($ns: String, $n: String!) { resource(clusterId: "kc", kind: "ReplicaSet", namespace: $ns, name: $n) { relations(types: [OWNED_BY], direction: INCOMING) { type direction other { kind name } } } }`,
          { ns, n: owner },
        );
        const names = r.data!.resource.relations.map((x) => x.other.name);
        return !names.includes(pod.metadata.name!) && names.length > 0;
      },
      'replacement pod owned by the ReplicaSet',
      10_000,
      50,
    );
  });
});

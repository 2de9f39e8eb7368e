import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCluster, type SimCluster } from '../../src/sim/index.js';
import { SimHttp, eventually, fixtureJson, fixtureText } from './simHttp.js';
import type { KubeObject } from '../../src/kube/types.js';

let cluster: SimCluster;
let http: SimHttp;

beforeAll(async () => {
  cluster = await startSimCluster({ name: 'writes', controllers: false });
  http = new SimHttp(cluster);
  const ns = await http.post('/api/v1/namespaces', fixtureJson('create/namespace.request.json'));
  expect(ns.status).toBe(201);
});

afterAll(async () => {
  await http?.close();
  await cluster?.close();
});

/** A Status body with the values that differ per run substituted. */
function withoutIds<T>(v: T): T {
  return JSON.parse(JSON.stringify(v).replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'UID').replace(/\(\d+\)/g, '(RV)')) as T;
}

describe('create / update errors match the real server', () => {
  it('creates with server fields and managedFields derived from the User-Agent', async () => {
    const res = await http.post('/api/v1/namespaces/demo/configmaps', JSON.parse(fixtureText('errors/201-create-configmap-dup-first.request.json')));
    expect(res.status).toBe(201);
    const got = res.json();
    const want = fixtureJson('errors/201-create-configmap-dup-first.json');
    expect(Object.keys(got.metadata)).toEqual(Object.keys(want.metadata));
    expect(got.data).toEqual(want.data);
    expect(got.metadata.managedFields.map((m: { manager: string; operation: string; fieldsV1: unknown }) => [m.manager, m.operation, m.fieldsV1])).toEqual(
      want.metadata.managedFields.map((m: { manager: string; operation: string; fieldsV1: unknown }) => [m.manager, m.operation, m.fieldsV1]),
    );
    expect(res.headers['content-length']).toBe(String(Buffer.byteLength(res.text)));

    const dup = await http.post('/api/v1/namespaces/demo/configmaps', JSON.parse(fixtureText('errors/409-already-exists.request.json')));
    expect(dup.status).toBe(409);
    expect(dup.json()).toEqual(fixtureJson('errors/409-already-exists.json'));

    const fresh = await http.put('/api/v1/namespaces/demo/configmaps/dup', { ...got, data: { k: 'v2' } });
    expect(fresh.status).toBe(200);
    expect(Number(fresh.json().metadata.resourceVersion)).toBeGreaterThan(Number(got.metadata.resourceVersion));
    const stale = await http.put('/api/v1/namespaces/demo/configmaps/dup', { ...got, data: { k: 'v3' } });
    expect(stale.status).toBe(409);
    expect(stale.json()).toEqual(fixtureJson('errors/409-conflict-stale-resourceversion.json'));
  });

  it('rejects invalid objects and requests with the captured Status bodies', async () => {
    const cases: Array<[string, () => Promise<{ status: number; json(): unknown }>, string]> = [
      ['invalid name', () => http.post('/api/v1/namespaces/demo/configmaps', fixtureJson('errors/422-invalid-name.request.json')), 'errors/422-invalid-name.json'],
      ['deployment causes', () => http.post('/apis/apps/v1/namespaces/demo/deployments', fixtureJson('errors/422-invalid-deployment-multiple-causes.request.json')), 'errors/422-invalid-deployment-multiple-causes.json'],
      ['namespace mismatch', () => http.post('/api/v1/namespaces/demo/configmaps', fixtureJson('errors/400-namespace-mismatch.request.json')), 'errors/400-namespace-mismatch.json'],
      ['malformed json', () => http.post('/api/v1/namespaces/demo/configmaps', fixtureText('errors/400-malformed-json.request.txt')), 'errors/400-malformed-json.json'],
      ['kind mismatch', () => http.post('/api/v1/namespaces/demo/configmaps', fixtureJson('errors/400-kind-mismatch.request.json')), 'errors/400-kind-mismatch.json'],
      ['put collection', () => http.put('/api/v1/namespaces/demo/pods', {}), 'errors/405-put-collection.json'],
      ['post named', () => http.post('/api/v1/namespaces/demo/configmaps/dup', fixtureJson('errors/405-post-named.request.json')), 'errors/405-post-named.json'],
      ['delete create-only', () => http.delete('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'), 'errors/405-delete-collection-not-supported.json'],
      ['patch application/json', () => http.patch('/api/v1/namespaces/demo/configmaps/dup', { data: { k: 'x' } }, 'application/json'), 'errors/415-patch-wrong-content-type.json'],
      ['apply without fieldManager', () => http.patch('/api/v1/namespaces/demo/configmaps/dup', fixtureText('errors/422-apply-without-fieldmanager.request.json'), 'application/apply-patch+yaml'), 'errors/422-apply-without-fieldmanager.json'],
      ['dryRun=Yes', () => http.post('/api/v1/namespaces/demo/configmaps?dryRun=Yes', fixtureJson('errors/422-dryRun-invalid.request.json')), 'errors/422-dryRun-invalid.json'],
      ['missing pod', () => http.get('/api/v1/namespaces/demo/pods/does-not-exist'), 'errors/404-missing-pod.json'],
      ['missing pod in missing ns', () => http.get('/api/v1/namespaces/no-such-ns/pods/x'), 'errors/404-missing-namespace-pod.json'],
      ['missing namespace', () => http.get('/api/v1/namespaces/no-such-ns'), 'errors/404-missing-namespace.json'],
      ['unknown resource', () => http.get('/apis/apps/v1/namespaces/demo/widgets'), 'errors/404-unknown-resource.json'],
      ['scale of missing', () => http.get('/apis/apps/v1/namespaces/demo/deployments/nope/scale'), 'errors/404-missing-deployment-scale.json'],
      ['delete missing', () => http.delete('/api/v1/namespaces/demo/configmaps/not-there'), 'errors/404-delete-missing.json'],
      ['uid precondition', () => http.delete('/api/v1/namespaces/demo/configmaps/dup', fixtureJson('errors/409-precondition-uid.request.json')), 'errors/409-precondition-uid.json'],
      ['rv precondition', () => http.delete('/api/v1/namespaces/demo/configmaps/dup', fixtureJson('errors/409-precondition-resourceversion.request.json')), 'errors/409-precondition-resourceversion.json'],
    ];
    for (const [what, call, fixture] of cases) {
      const res = await call();
      const want = fixtureJson<{ code: number }>(fixture);
      expect({ what, status: res.status }).toEqual({ what, status: want.code });
      expect(withoutIds(res.json())).toEqual(withoutIds(want));
    }
    const unknownGroup = await http.get('/apis/nosuchgroup/v1/widgets');
    expect(unknownGroup.status).toBe(404);
    expect(unknownGroup.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(unknownGroup.text).toBe(fixtureText('errors/404-unknown-group.txt'));
  });

  it('does not persist dryRun=All', async () => {
    const res = await http.post('/api/v1/namespaces/demo/configmaps?dryRun=All', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dry' } });
    expect(res.status).toBe(201);
    expect((await http.get('/api/v1/namespaces/demo/configmaps/dry')).status).toBe(404);
  });

  it('refuses new content in a terminating namespace and lets it finish when the finalizer goes', async () => {
    await http.post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } });
    const del = await http.delete('/api/v1/namespaces/doomed');
    expect(del.status).toBe(200);
    const ns = del.json();
    const captured = fixtureJson('writes/delete-namespace.json');
    expect(ns.kind).toBe('Namespace');
    expect(ns.status).toEqual(captured.status);
    expect(ns.spec).toEqual(captured.spec);
    expect(ns.metadata.deletionTimestamp).toBeTruthy();
    const create = await http.post('/api/v1/namespaces/doomed/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
    expect(create.status).toBe(403);
    expect(create.json().message).toBe('configmaps "x" is forbidden: unable to create new content in namespace doomed because it is being terminated');
    const inMissing = await http.post('/api/v1/namespaces/nowhere/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
    expect(inMissing.status).toBe(404);
    expect(inMissing.json().message).toBe('namespaces "nowhere" not found');
    // The namespace controller (part B in a full cluster) removes the finalizer, then deletes.
    cluster.store.mutate('namespaces', undefined, 'doomed', (o) => ((o.spec as { finalizers: string[] }).finalizers = []));
    expect((await http.delete('/api/v1/namespaces/doomed')).status).toBe(200);
    expect((await http.get('/api/v1/namespaces/doomed')).status).toBe(404);
  });
});

describe('patches', () => {
  const path = '/apis/apps/v1/namespaces/demo/deployments/patch-demo';
  const strip = (d: KubeObject) => ({ labels: d.metadata.labels, annotations: withoutRevision(d.metadata.annotations), spec: d.spec });
  const withoutRevision = (a: Record<string, string> | undefined) => {
    if (!a) return a;
    const { 'deployment.kubernetes.io/revision': _r, ...rest } = a;
    return Object.keys(rest).length ? rest : undefined;
  };

  it('applies merge, JSON, strategic and server-side apply patches like the captured server', async () => {
    const created = await http.post('/apis/apps/v1/namespaces/demo/deployments', fixtureJson('writes/create-deployment-patch-demo.request.json'));
    expect(created.status).toBe(201);
    expect(strip(created.json())).toEqual(strip(fixtureJson('writes/create-deployment-patch-demo.json')));
    expect(created.json().metadata.generation).toBe(1);

    const steps: Array<[string, string, string]> = [
      ['deployment-merge-patch', 'application/merge-patch+json', 'request.json'],
      ['deployment-json-patch', 'application/json-patch+json', 'request.json'],
      ['deployment-strategic-merge-patch', 'application/strategic-merge-patch+json', 'request.json'],
      ['deployment-strategic-merge-patch-delete-directive', 'application/strategic-merge-patch+json', 'request.json'],
    ];
    let gen = 1;
    for (const [name, ct, ext] of steps) {
      const res = await http.patch(path, fixtureText(`writes/${name}.${ext}`), ct);
      expect({ name, status: res.status }).toEqual({ name, status: 200 });
      const got = res.json();
      expect({ name, ...strip(got) }).toEqual({ name, ...strip(fixtureJson(`writes/${name}.json`)) });
      expect(got.metadata.generation).toBe(++gen);
    }

    for (const bad of ['deployment-json-patch-test-fails', 'deployment-json-patch-bad-path']) {
      const res = await http.patch(path, fixtureText(`writes/${bad}.request.json`), 'application/json-patch+json');
      expect(res.status).toBe(422);
      expect(res.json()).toEqual(fixtureJson(`writes/${bad}.json`));
    }

    const apply = await http.patch(`${path}?fieldManager=fixture-apply&force=true`, fixtureText('writes/deployment-apply-patch-yaml.request.txt'), 'application/apply-patch+yaml');
    expect(apply.status).toBe(200);
    const applied = apply.json();
    const capturedApply = fixtureJson('writes/deployment-apply-patch-yaml.json');
    expect(strip(applied)).toEqual(strip(capturedApply));
    const entry = applied.metadata.managedFields.find((m: { manager: string }) => m.manager === 'fixture-apply');
    const capturedEntry = capturedApply.metadata.managedFields.find((m: { manager: string }) => m.manager === 'fixture-apply');
    expect({ ...entry, time: 'T' }).toEqual({ ...capturedEntry, time: 'T' });

    const conflict = await http.patch(`${path}?fieldManager=other-applier`, fixtureText('writes/deployment-apply-patch-conflict.request.json'), 'application/apply-patch+yaml');
    expect(conflict.status).toBe(409);
    expect(conflict.json()).toEqual(fixtureJson('writes/deployment-apply-patch-conflict.json'));

    const before = (await http.get(path)).json();
    const dry = await http.patch(`${path}?dryRun=All`, fixtureText('writes/deployment-dry-run-patch.request.json'), 'application/merge-patch+json');
    expect(dry.status).toBe(200);
    expect(dry.json().spec.replicas).toBe(7);
    const after = (await http.get(path)).json();
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(after.spec.replicas).toBe(2);

    // A patch carrying a stale resourceVersion is a precondition failure.
    const stalePatch = await http.patch(path, { metadata: { resourceVersion: '1' }, spec: { replicas: 3 } }, 'application/merge-patch+json');
    expect(stalePatch.status).toBe(409);
  });

  it('creates with server-side apply and removes fields the applier stops specifying', async () => {
    const cmPath = '/api/v1/namespaces/demo/configmaps/ssa-config';
    const cfg = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa-config', namespace: 'demo' }, data: { a: '1', b: '2' } };
    const first = await http.patch(`${cmPath}?fieldManager=kubectl&fieldValidation=Strict&force=false`, cfg, 'application/apply-patch+yaml');
    expect(first.status).toBe(201);
    expect(first.json().metadata.managedFields[0]).toMatchObject({ manager: 'kubectl', operation: 'Apply', fieldsV1: { 'f:data': { 'f:a': {}, 'f:b': {} } } });
    const second = await http.patch(`${cmPath}?fieldManager=kubectl&force=false`, { ...cfg, data: { a: '1' } }, 'application/apply-patch+yaml');
    expect(second.status).toBe(200);
    expect(second.json().data).toEqual({ a: '1' });
  });

  it('patches the status subresource without touching spec, and spec without touching status', async () => {
    await http.post('/api/v1/namespaces/demo/pods', fixtureJson('create/pod-runner.request.json'));
    const st = await http.patch('/api/v1/namespaces/demo/pods/runner/status', { ...fixtureJson<Record<string, unknown>>('writes/pod-status-merge-patch.request.json'), spec: { nodeName: 'elsewhere' } }, 'application/merge-patch+json');
    expect(st.status).toBe(200);
    const pod = st.json();
    expect(pod.status.phase).toBe('Running');
    expect(pod.status.podIP).toBe('10.244.1.7');
    expect(pod.spec.nodeName).toBe('node-a');
    expect(pod.metadata.managedFields.some((m: { subresource?: string }) => m.subresource === 'status')).toBe(true);
    const main = await http.patch('/api/v1/namespaces/demo/pods/runner', { status: { phase: 'Failed' }, metadata: { labels: { tier: 'backend' } } }, 'application/merge-patch+json');
    expect(main.json().status.phase).toBe('Running');
    expect(main.json().metadata.labels.tier).toBe('backend');
  });
});

describe('scale subresource', () => {
  it('reads and writes autoscaling/v1 Scale with the captured shapes and conflicts', async () => {
    const path = '/apis/apps/v1/namespaces/demo/deployments/web';
    const dep = fixtureJson<KubeObject>('create/deployment.request.json');
    expect((await http.post('/apis/apps/v1/namespaces/demo/deployments', dep)).status).toBe(201);
    cluster.store.mutate('deployments', 'demo', 'web', (d) => (d.status = { replicas: 3 }));
    const get = await http.get(`${path}/scale`);
    expect(get.status).toBe(200);
    const scale = get.json();
    const captured = fixtureJson('writes/scale-get.json');
    expect(withoutIds({ ...scale, metadata: { ...scale.metadata, resourceVersion: 'RV', creationTimestamp: 'T' } })).toEqual(withoutIds({ ...captured, metadata: { ...captured.metadata, resourceVersion: 'RV', creationTimestamp: 'T' } }));
    const put = await http.put(`${path}/scale`, { ...scale, spec: { replicas: 4 } });
    expect(put.status).toBe(200);
    expect(put.json().spec.replicas).toBe(4);
    expect(put.json().status.replicas).toBe(3);
    expect((await http.get(path)).json().spec.replicas).toBe(4);
    const stale = await http.put(`${path}/scale`, { ...scale, spec: { replicas: 5 } });
    expect(stale.status).toBe(409);
    expect(withoutIds(stale.json())).toEqual(withoutIds(fixtureJson('writes/scale-put-stale.json')));
    const merge = await http.patch(`${path}/scale`, fixtureText('writes/scale-merge-patch.request.json'), 'application/merge-patch+json');
    expect(merge.status).toBe(200);
    expect(merge.json().spec.replicas).toBe(3);
    expect((await http.get(path)).json().metadata.managedFields.some((m: { subresource?: string }) => m.subresource === 'scale')).toBe(true);
  });
});

describe('DELETE', () => {
  it('deletes an unscheduled pod at once and returns the pod', async () => {
    await http.post('/api/v1/namespaces/demo/pods', fixtureJson('writes/create-pod-victim.request.json'));
    const res = await http.delete('/api/v1/namespaces/demo/pods/victim');
    expect(res.status).toBe(200);
    const pod = res.json();
    expect(pod.kind).toBe('Pod');
    expect(pod.metadata.deletionGracePeriodSeconds).toBe(0);
    expect((await http.get('/api/v1/namespaces/demo/pods/victim')).status).toBe(404);
  });

  it('deletes a bound pod gracefully (Terminating), and a force delete finishes it', async () => {
    await http.post('/api/v1/namespaces/demo/pods', fixtureJson('writes/create-pod-victim-bound.request.json'));
    const t0 = Date.now();
    const res = await http.delete('/api/v1/namespaces/demo/pods/victim-bound');
    expect(res.status).toBe(200);
    const pod = res.json();
    expect(pod.metadata.deletionGracePeriodSeconds).toBe(30);
    const due = Date.parse(pod.metadata.deletionTimestamp);
    expect(due).toBeGreaterThanOrEqual(Math.floor(t0 / 1000) * 1000 + 29_000);
    expect(due).toBeLessThanOrEqual(t0 + 31_000);
    const still = await http.get('/api/v1/namespaces/demo/pods/victim-bound');
    expect(still.status).toBe(200);
    expect(still.json().metadata.deletionTimestamp).toBe(pod.metadata.deletionTimestamp);
    const force = await http.delete('/api/v1/namespaces/demo/pods/victim-bound', fixtureJson('writes/delete-pod-bound-force.request.json'));
    expect(force.status).toBe(200);
    const forced = force.json();
    expect(forced.metadata.deletionGracePeriodSeconds).toBe(0);
    // deletionTimestamp moves back to the first delete's time (old timestamp - old grace + 0).
    expect(Date.parse(forced.metadata.deletionTimestamp)).toBe(due - 30_000);
    expect((await http.get('/api/v1/namespaces/demo/pods/victim-bound')).status).toBe(404);
  });

  it('answers a Success Status for kinds that do not return the object', async () => {
    await http.post('/api/v1/namespaces/demo/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'gone' } });
    const res = await http.delete('/api/v1/namespaces/demo/configmaps/gone');
    expect(res.status).toBe(200);
    const st = res.json();
    const captured = fixtureJson('writes/delete-configmap.json');
    expect(withoutIds(st)).toEqual(withoutIds({ ...captured, details: { ...captured.details, name: 'gone' } }));
    const svc = await http.post('/api/v1/namespaces/demo/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc' }, spec: { ports: [{ port: 80 }] } });
    expect(svc.json().spec.clusterIP).toMatch(/^10\./);
    expect((await http.delete('/api/v1/namespaces/demo/services/svc')).json().kind).toBe('Service');
  });

  it('deletecollection deletes what matches and lists it', async () => {
    for (const n of ['c1', 'c2', 'c3']) await http.post('/api/v1/namespaces/demo/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: n, labels: { purpose: n === 'c3' ? 'keep' : 'drop' } } });
    const none = await http.delete('/api/v1/namespaces/demo/configmaps?labelSelector=purpose%3Dnone');
    expect(none.status).toBe(200);
    expect({ ...none.json(), metadata: {} }).toEqual({ ...fixtureJson('writes/delete-namespaced-collection.json'), metadata: {} });
    const drop = (await http.delete('/api/v1/namespaces/demo/configmaps?labelSelector=purpose%3Ddrop')).json();
    expect(drop.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['c1', 'c2']);
    expect((await http.get('/api/v1/namespaces/demo/configmaps/c1')).status).toBe(404);
    expect((await http.get('/api/v1/namespaces/demo/configmaps/c3')).status).toBe(200);
  });

  it('cascades by ownerReferences: Foreground keeps the owner until dependents are gone, Background and Orphan as documented', async () => {
    const mkOwner = async (name: string): Promise<KubeObject> =>
      (
        await http.post('/apis/apps/v1/namespaces/demo/deployments', {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name },
          spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
        })
      ).json();
    const mkDependent = async (owner: KubeObject, name: string): Promise<void> => {
      const ref = { apiVersion: 'apps/v1', kind: owner.kind!, name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true };
      const rs = (
        await http.post('/apis/apps/v1/namespaces/demo/replicasets', {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          metadata: { name, ownerReferences: [ref] },
          spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
        })
      ).json();
      const podRef = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name, uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true };
      await http.post('/api/v1/namespaces/demo/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: `${name}-pod`, ownerReferences: [podRef] }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
    };
    const exists = async (p: string): Promise<boolean> => (await http.get(p)).status === 200;

    const fg = await mkOwner('fg');
    await mkDependent(fg, 'fg-rs');
    const del = await http.delete('/apis/apps/v1/namespaces/demo/deployments/fg', fixtureJson('writes/delete-deployment-foreground.request.json'));
    expect(del.status).toBe(200);
    const body = del.json();
    expect(body.kind).toBe('Deployment');
    expect(body.metadata.finalizers).toEqual(['foregroundDeletion']);
    expect(body.metadata.deletionTimestamp).toBeTruthy();
    await eventually(async () => !(await exists('/apis/apps/v1/namespaces/demo/deployments/fg')), 10_000, 'foreground owner gone');
    expect(await exists('/apis/apps/v1/namespaces/demo/replicasets/fg-rs')).toBe(false);
    expect(await exists('/api/v1/namespaces/demo/pods/fg-rs-pod')).toBe(false);

    const bg = await mkOwner('bg');
    await mkDependent(bg, 'bg-rs');
    const bgDel = await http.delete('/apis/apps/v1/namespaces/demo/deployments/bg');
    expect(bgDel.json().kind).toBe('Status');
    await eventually(async () => !(await exists('/api/v1/namespaces/demo/pods/bg-rs-pod')), 10_000, 'background dependents gone');
    expect(await exists('/apis/apps/v1/namespaces/demo/replicasets/bg-rs')).toBe(false);

    const or = await mkOwner('or');
    await mkDependent(or, 'or-rs');
    await http.delete('/apis/apps/v1/namespaces/demo/deployments/or', { propagationPolicy: 'Orphan' });
    await eventually(async () => !(await exists('/apis/apps/v1/namespaces/demo/deployments/or')), 10_000, 'orphaning owner gone');
    const rs = (await http.get('/apis/apps/v1/namespaces/demo/replicasets/or-rs')).json();
    expect(rs.metadata.ownerReferences).toBeUndefined();
    expect(await exists('/api/v1/namespaces/demo/pods/or-rs-pod')).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { parseLabelSelector } from '../../src/kube/labelSelector.js';
import { compileFilter } from '../../src/store/filter.js';
import { ResourceStore } from '../../src/store/resourceStore.js';
import { CONFIGMAP, DEPLOYMENT, NODE, POD, fixture, kind, pod } from './helpers.js';

const sel = parseLabelSelector;

function idsOf(store: ResourceStore, names: string[], ns = 'default', cluster = 'c1'): number[] {
  return names.map((n) => store.get(cluster, 'Pod', ns, n)!.id).sort((a, b) => a - b);
}

/** Loads the captured demo namespace of the real v1.28.7 cluster. */
function demoStore(): ResourceStore {
  const store = new ResourceStore();
  const add = (k: string, names: string[]) => {
    const sink = store.sinkFor('demo-cluster', kind(k));
    for (const n of names) sink.apply('ADDED', fixture(n));
  };
  add('Pod', ['pod-runner', 'pod-web-f77c755dc-2bdwq', 'pod-web-f77c755dc-6xn85', 'pod-web-f77c755dc-7xkhv', 'pod-db-0', 'pod-job-migrate-qgz84', 'pod-daemonset-node-exporter-8bl2m']);
  add('apps/ReplicaSet', ['replicaset-web-f77c755dc']);
  add('apps/Deployment', ['deployment-web']);
  add('Node', ['node-a', 'node-b']);
  add('batch/Job', ['job-migrate']);
  return store;
}

describe('indexes on captured real objects', () => {
  it('get, getByUid, getById', () => {
    const store = demoStore();
    const runner = store.get('demo-cluster', 'Pod', 'demo', 'runner')!;
    expect(runner.uid).toBe(fixture('pod-runner').metadata.uid);
    expect(runner.kind).toEqual(POD);
    expect(runner.namespace).toBe('demo');
    expect(runner.creationTimestamp).toBe('2026-11-23T13:51:14Z');
    expect(store.getByUid('demo-cluster', runner.uid)).toBe(runner);
    expect(store.getById(runner.id)).toBe(runner);
    expect(store.get('demo-cluster', 'Node', '', 'node-b')?.name).toBe('node-b');
    expect(store.get('demo-cluster', 'Pod', 'other', 'runner')).toBeUndefined();
    expect(store.get('other-cluster', 'Pod', 'demo', 'runner')).toBeUndefined();
    expect(store.getByUid('other-cluster', runner.uid)).toBeUndefined();
  });

  it('ownedBy follows ownerReferences uids (ReplicaSet -> pods, Deployment -> ReplicaSet, Job -> pod)', () => {
    const store = demoStore();
    const rs = store.get('demo-cluster', 'apps/ReplicaSet', 'demo', 'web-f77c755dc')!;
    const webPods = ['web-f77c755dc-2bdwq', 'web-f77c755dc-6xn85', 'web-f77c755dc-7xkhv'].map((n) => store.get('demo-cluster', 'Pod', 'demo', n)!.id).sort((a, b) => a - b);
    expect(store.ownedBy('demo-cluster', rs.uid)).toEqual(webPods);
    const deploy = store.get('demo-cluster', 'apps/Deployment', 'demo', 'web')!;
    expect(store.ownedBy('demo-cluster', deploy.uid)).toEqual([rs.id]);
    const job = store.get('demo-cluster', 'batch/Job', 'demo', 'migrate')!;
    expect(store.ownedBy('demo-cluster', job.uid)).toEqual([store.get('demo-cluster', 'Pod', 'demo', 'migrate-qgz84')!.id]);
    expect(store.ownedBy('demo-cluster', 'no-such-uid')).toEqual([]);
  });

  it('podsOnNode uses spec.nodeName', () => {
    const store = demoStore();
    const onA = store.podsOnNode('demo-cluster', 'node-a');
    expect(onA).toContain(store.get('demo-cluster', 'Pod', 'demo', 'runner')!.id);
    for (const id of onA) expect(JSON.parse(store.getById(id)!.json).spec.nodeName).toBe('node-a');
    // unscheduled deployment pods are on no node
    const web = store.get('demo-cluster', 'Pod', 'demo', 'web-f77c755dc-2bdwq')!;
    expect([...onA, ...store.podsOnNode('demo-cluster', 'node-b')]).not.toContain(web.id);
  });

  it('selectIds by kind, namespace and selector', () => {
    const store = demoStore();
    const web = ['web-f77c755dc-2bdwq', 'web-f77c755dc-6xn85', 'web-f77c755dc-7xkhv'].map((n) => store.get('demo-cluster', 'Pod', 'demo', n)!.id).sort((a, b) => a - b);
    expect(store.selectIds('demo-cluster', 'Pod', 'demo', sel('app=web'))).toEqual(web);
    expect(store.selectIds('demo-cluster', 'Pod', undefined, sel('app=web,tier=frontend'))).toEqual(web);
    expect(store.selectIds('demo-cluster', 'Pod', 'other', sel('app=web'))).toEqual([]);
    expect(store.selectIds('demo-cluster', 'apps/ReplicaSet', 'demo', sel('app=web'))).toEqual([store.get('demo-cluster', 'apps/ReplicaSet', 'demo', 'web-f77c755dc')!.id]);
    expect(store.selectIds('demo-cluster', 'Pod', 'demo', sel('app in (runner,db)')).map((id) => store.getById(id)!.name).sort()).toEqual(['db-0', 'runner']);
    expect(store.selectIds('demo-cluster', 'Pod', 'demo', sel('!app')).map((id) => store.getById(id)!.name)).toEqual(['migrate-qgz84']);
    expect(store.selectIds('demo-cluster', 'Pod', 'demo', sel('app,app notin (web,db)')).map((id) => store.getById(id)!.name).sort()).toEqual(['node-exporter-8bl2m', 'runner']);
    expect(store.selectIds('demo-cluster', 'Pod', 'demo', sel('apps.kubernetes.io/pod-index<1')).map((id) => store.getById(id)!.name)).toEqual(['db-0']);
    expect(store.selectIds('demo-cluster', 'Pod', 'demo', sel(''))).toHaveLength(7);
    expect(store.selectIds('demo-cluster', 'Secret', 'demo', sel('app=web'))).toEqual([]);
  });

  it('kinds() counts per kind, per cluster and summed', () => {
    const store = demoStore();
    store.sinkFor('c2', POD).apply('ADDED', fixture('pod-runner'));
    const counts = Object.fromEntries(store.kinds('demo-cluster').map((k) => [k.kind.kind, k.count]));
    expect(counts).toEqual({ Pod: 7, ReplicaSet: 1, Deployment: 1, Node: 2, Job: 1 });
    expect(store.kinds().find((k) => k.kind.kind === 'Pod')?.count).toBe(8);
    expect(store.kinds('c2')).toEqual([{ kind: POD, count: 1 }]);
  });
});

describe('indexes follow MODIFIED and DELETED', () => {
  it('a label change moves the object between label postings', () => {
    const store = new ResourceStore();
    const sink = store.sinkFor('c1', POD);
    sink.apply('ADDED', pod({ name: 'a', rv: 1, labels: { app: 'x', tier: 'fe' } }));
    sink.apply('ADDED', pod({ name: 'b', rv: 1, labels: { app: 'x', tier: 'fe' } }));
    sink.apply('MODIFIED', pod({ name: 'a', rv: 2, labels: { app: 'y' } }));
    expect(store.selectIds('c1', 'Pod', 'default', sel('app=x'))).toEqual(idsOf(store, ['b']));
    expect(store.selectIds('c1', 'Pod', 'default', sel('app=y'))).toEqual(idsOf(store, ['a']));
    expect(store.selectIds('c1', 'Pod', 'default', sel('tier'))).toEqual(idsOf(store, ['b']));
    expect(store.selectIds('c1', 'Pod', 'default', sel('!tier'))).toEqual(idsOf(store, ['a']));
    expect(store.count(compileFilter({ labelSelector: 'app=x' }, []))).toBe(1);
    sink.apply('MODIFIED', pod({ name: 'b', rv: 2 }));
    expect(store.selectIds('c1', 'Pod', 'default', sel('app=x'))).toEqual([]);
    expect(store.selectIds('c1', 'Pod', 'default', sel('!app'))).toEqual(idsOf(store, ['b']));
  });

  it('an owner change moves the object between owner postings', () => {
    const store = new ResourceStore();
    const sink = store.sinkFor('c1', POD);
    sink.apply('ADDED', pod({ name: 'a', rv: 1, owners: [{ uid: 'rs-1', controller: true }] }));
    sink.apply('ADDED', pod({ name: 'b', rv: 1, owners: [{ uid: 'rs-1', controller: true }, { uid: 'other' }] }));
    expect(store.ownedBy('c1', 'rs-1')).toEqual(idsOf(store, ['a', 'b']));
    expect(store.ownedBy('c1', 'other')).toEqual(idsOf(store, ['b']));
    sink.apply('MODIFIED', pod({ name: 'a', rv: 2, owners: [{ uid: 'rs-2', controller: true }] }));
    sink.apply('MODIFIED', pod({ name: 'b', rv: 2, owners: [{ uid: 'rs-1', controller: true }] }));
    expect(store.ownedBy('c1', 'rs-1')).toEqual(idsOf(store, ['b']));
    expect(store.ownedBy('c1', 'rs-2')).toEqual(idsOf(store, ['a']));
    expect(store.ownedBy('c1', 'other')).toEqual([]);
    sink.apply('MODIFIED', pod({ name: 'b', rv: 3 }));
    expect(store.ownedBy('c1', 'rs-1')).toEqual([]);
  });

  it('a pod bound to a node appears in podsOnNode; rebinding and deletion update it', () => {
    const store = new ResourceStore();
    const sink = store.sinkFor('c1', POD);
    sink.apply('ADDED', pod({ name: 'a', rv: 1 }));
    expect(store.podsOnNode('c1', 'n1')).toEqual([]);
    sink.apply('MODIFIED', pod({ name: 'a', rv: 2, node: 'n1' }));
    sink.apply('ADDED', pod({ name: 'b', rv: 1, node: 'n1' }));
    expect(store.podsOnNode('c1', 'n1')).toEqual(idsOf(store, ['a', 'b']));
    sink.apply('MODIFIED', pod({ name: 'a', rv: 3, node: 'n2' }));
    expect(store.podsOnNode('c1', 'n1')).toEqual(idsOf(store, ['b']));
    expect(store.podsOnNode('c1', 'n2')).toEqual(idsOf(store, ['a']));
    sink.apply('DELETED', pod({ name: 'b', rv: 4, node: 'n1' }));
    expect(store.podsOnNode('c1', 'n1')).toEqual([]);
  });

  it('no index keeps a deleted object', () => {
    const store = new ResourceStore();
    const sink = store.sinkFor('c1', POD);
    sink.apply('ADDED', pod({ name: 'a', namespace: 'ns1', rv: 1, labels: { app: 'x' }, node: 'n1', owners: [{ uid: 'rs-1', controller: true }], phase: 'Running' }));
    const a = store.get('c1', 'Pod', 'ns1', 'a')!;
    store.query(compileFilter({}, []), { first: 10 }); // builds the ordered list too
    sink.apply('DELETED', pod({ name: 'a', namespace: 'ns1', rv: 2 }));
    expect(store.get('c1', 'Pod', 'ns1', 'a')).toBeUndefined();
    expect(store.getByUid('c1', a.uid)).toBeUndefined();
    expect(store.getById(a.id)).toBeUndefined();
    expect(store.selectIds('c1', 'Pod', undefined, sel('app=x'))).toEqual([]);
    expect(store.selectIds('c1', 'Pod', undefined, sel(''))).toEqual([]);
    expect(store.ownedBy('c1', 'rs-1')).toEqual([]);
    expect(store.podsOnNode('c1', 'n1')).toEqual([]);
    const all = store.query(compileFilter({}, []), { first: 10 });
    expect(all.records).toEqual([]);
    expect(all.totalCount).toBe(0);
    expect(store.count(compileFilter({ namespaces: ['ns1'] }, []))).toBe(0);
    expect(store.count(compileFilter({ status: 'Running' }, []))).toBe(0);
    expect(store.kinds('c1')).toEqual([{ kind: POD, count: 0 }]);
  });

  it('the name index answers `name` across namespaces and kinds', () => {
    const store = new ResourceStore();
    store.sinkFor('c1', POD).apply('ADDED', pod({ name: 'web', namespace: 'a' }));
    store.sinkFor('c1', POD).apply('ADDED', pod({ name: 'web', namespace: 'b' }));
    store.sinkFor('c1', POD).apply('ADDED', pod({ name: 'db', namespace: 'a' }));
    store.sinkFor('c1', CONFIGMAP).apply('ADDED', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: 'a', uid: 'cm', resourceVersion: '1' } });
    store.sinkFor('c1', NODE).apply('ADDED', fixture('node-a'));
    store.sinkFor('c1', DEPLOYMENT);
    const page = store.query(compileFilter({ name: 'web' }, []), { first: 10 });
    expect(page.records.map((r) => `${r.namespace}/${r.name}/${r.kind.kind}`)).toEqual(['a/web/ConfigMap', 'a/web/Pod', 'b/web/Pod']);
    expect(page.totalCount).toBe(3);
    expect(store.count(compileFilter({ name: 'web', namespaces: ['b'] }, []))).toBe(1);
    expect(store.count(compileFilter({ name: 'node-a' }, []))).toBe(1);
  });
});

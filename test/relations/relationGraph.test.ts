import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/kube/types.js';
import { RelationGraph } from '../../src/relations/relationGraph.js';
import type { Relation } from '../../src/relations/types.js';
import type { ResourceRecord } from '../../src/store/types.js';
import { KubeatlasError } from '../../src/util/errors.js';
import { ResourceStore } from '../../src/store/resourceStore.js';
import { kindOf, newCatalog, type TestCatalog } from './helpers/catalog.js';
import { demoObjects } from './helpers/demo.js';
import { captured } from './helpers/fixtures.js';

const graphs: RelationGraph[] = [];
afterEach(() => {
  for (const g of graphs.splice(0)) g.close();
});

function graphOn(catalog: TestCatalog): RelationGraph {
  const g = new RelationGraph(catalog.reader);
  graphs.push(g);
  return g;
}

function rec(catalog: TestCatalog, kindKey: string, namespace: string, name: string, clusterId = 'c1'): ResourceRecord {
  const r = catalog.reader.get(clusterId, kindKey, namespace, name);
  if (!r) throw new Error(`not in catalog: ${kindKey} ${namespace}/${name}`);
  return r;
}

const label = (r: ResourceRecord) => `${r.kind.kind}/${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
const show = (rels: Relation[]) => rels.map((x) => `${x.direction} ${x.type} ${x.other.kind}/${x.other.namespace ? `${x.other.namespace}/` : ''}${x.other.name}${x.otherRecord ? '' : ' (unresolved)'}`);

function demo(): { catalog: TestCatalog; graph: RelationGraph } {
  const catalog = newCatalog();
  for (const o of demoObjects()) catalog.add(o);
  return { catalog, graph: graphOn(catalog) };
}

describe('RelationGraph on the captured demo namespace', () => {
  it("a pod's related(depth 2) shows its ReplicaSet, Deployment, Node, mounted ConfigMaps/Secrets/PVC, ServiceAccount and selecting Services", () => {
    const { catalog, graph } = demo();
    const pod = rec(catalog, 'Pod', 'demo', 'web-f77c755dc-2bdwq');
    const related = graph.related(pod, { direction: 'BOTH', depth: 2 }).map(label);
    expect(related).toEqual(
      expect.arrayContaining([
        'ReplicaSet/demo/web-f77c755dc',
        'Deployment/demo/web',
        'Node/node-a',
        'ConfigMap/demo/web-config',
        'Secret/demo/web-secret',
        'Secret/demo/regcred',
        'PersistentVolumeClaim/demo/data-claim',
        'ServiceAccount/demo/web-sa',
        'Service/demo/web',
        'PodDisruptionBudget/demo/web',
        'NetworkPolicy/demo/web-allow-frontend',
        // two hops: the claim's volume, the Service's Ingress, the Deployment's HPA, the SA's RoleBinding
        'PersistentVolume/pv-0001',
        'Ingress/demo/web',
        'HorizontalPodAutoscaler/demo/web',
        'RoleBinding/demo/read-pods',
      ]),
    );
    expect(related).not.toContain('Pod/demo/web-f77c755dc-2bdwq');
    expect(new Set(related).size).toBe(related.length);
    // the kube-root-ca.crt ConfigMap is not in the catalog (never captured): not returned, though it is an edge
    expect(related.some((r) => r.includes('kube-root-ca.crt'))).toBe(false);
  });

  it("lists the pod's direct relations with direction, type and unresolved targets", () => {
    const { catalog, graph } = demo();
    const pod = rec(catalog, 'Pod', 'demo', 'web-f77c755dc-2bdwq');
    expect(show(graph.relations(pod, { direction: 'BOTH' }))).toEqual([
      'OUTGOING OWNED_BY ReplicaSet/demo/web-f77c755dc',
      'OUTGOING RUNS_ON Node/node-a',
      'OUTGOING USES ConfigMap/demo/kube-root-ca.crt (unresolved)',
      'OUTGOING USES ConfigMap/demo/web-config',
      'OUTGOING USES PersistentVolumeClaim/demo/data-claim',
      'OUTGOING USES Secret/demo/regcred',
      'OUTGOING USES Secret/demo/web-secret',
      'OUTGOING USES ServiceAccount/demo/web-sa',
      'INCOMING SELECTS NetworkPolicy/demo/web-allow-frontend',
      'INCOMING SELECTS PodDisruptionBudget/demo/web',
      'INCOMING SELECTS Service/demo/web',
      'INCOMING MANAGES Deployment/demo/web',
    ]);
    const ref = graph.relations(pod, { direction: 'OUTGOING', types: ['OWNED_BY'] })[0];
    expect(ref.other).toEqual({ clusterId: 'c1', apiVersion: 'apps/v1', kind: 'ReplicaSet', namespace: 'demo', name: 'web-f77c755dc', uid: 'd021cb78-f89e-4e18-a6c0-799d58bd3efe' });
    expect(ref.otherRecord?.name).toBe('web-f77c755dc');
  });

  it("a ConfigMap's INCOMING USES lists every pod and pod template that mounts or references it", () => {
    const { catalog, graph } = demo();
    const cm = rec(catalog, 'ConfigMap', 'demo', 'web-config');
    expect(show(graph.relations(cm, { direction: 'INCOMING', types: ['USES'] }))).toEqual([
      'INCOMING USES Deployment/demo/web',
      'INCOMING USES Pod/demo/web-f77c755dc-2bdwq',
      'INCOMING USES Pod/demo/web-f77c755dc-6xn85',
      'INCOMING USES Pod/demo/web-f77c755dc-7xkhv',
      'INCOMING USES ReplicaSet/demo/web-f77c755dc',
    ]);
    const sa = rec(catalog, 'ServiceAccount', 'demo', 'default');
    expect(show(graph.relations(sa, { direction: 'INCOMING', types: ['USES'] }))).toEqual([
      'INCOMING USES CronJob/demo/report',
      'INCOMING USES DaemonSet/demo/node-exporter',
      'INCOMING USES Job/demo/migrate',
      'INCOMING USES Job/demo/report-29924032',
      'INCOMING USES Pod/demo/db-0',
      'INCOMING USES Pod/demo/migrate-qgz84',
      'INCOMING USES Pod/demo/node-exporter-8bl2m',
      'INCOMING USES Pod/demo/runner',
      'INCOMING USES StatefulSet/demo/db',
    ]);
  });

  it('covers every relation type on the captured objects', () => {
    const { catalog, graph } = demo();
    const out = (kk: string, ns: string, name: string) => show(graph.relations(rec(catalog, kk, ns, name), { direction: 'OUTGOING' }));
    expect(out('Pod', 'demo', 'runner')).toContain('OUTGOING RUNS_ON Node/node-a');
    expect(out('networking.k8s.io/Ingress', 'demo', 'web')).toEqual(['OUTGOING ROUTES_TO Service/demo/runner', 'OUTGOING ROUTES_TO Service/demo/web']);
    expect(out('discovery.k8s.io/EndpointSlice', 'demo', 'runner-4jj2g')).toEqual(['OUTGOING OWNED_BY Service/demo/runner', 'OUTGOING ROUTES_TO Pod/demo/runner']);
    expect(out('PersistentVolumeClaim', 'demo', 'data-claim')).toEqual(['OUTGOING BOUND_TO PersistentVolume/pv-0001', 'OUTGOING BOUND_TO StorageClass/standard']);
    expect(out('PersistentVolume', '', 'pv-0001')).toEqual(['OUTGOING BOUND_TO PersistentVolumeClaim/demo/data-claim', 'OUTGOING BOUND_TO StorageClass/standard']);
    expect(out('autoscaling/HorizontalPodAutoscaler', 'demo', 'web')).toEqual(['OUTGOING SCALES Deployment/demo/web']);
    expect(out('rbac.authorization.k8s.io/RoleBinding', 'demo', 'read-pods')).toEqual(['OUTGOING BINDS Role/demo/pod-reader', 'OUTGOING BINDS ServiceAccount/demo/web-sa']);
    expect(out('rbac.authorization.k8s.io/ClusterRoleBinding', '', 'monitoring')).toEqual(['OUTGOING BINDS ClusterRole/monitoring']);
    expect(out('Event', 'demo', 'runner.17a9c3f1e2d4b5a6')).toEqual(['OUTGOING EVENT_FOR Pod/demo/runner']);
    expect(out('Service', 'demo', 'db')).toEqual(['OUTGOING SELECTS Pod/demo/db-0']);
    expect(out('apps/Deployment', 'demo', 'web').filter((l) => l.includes('MANAGES'))).toEqual([
      'OUTGOING MANAGES Pod/demo/web-f77c755dc-2bdwq',
      'OUTGOING MANAGES Pod/demo/web-f77c755dc-6xn85',
      'OUTGOING MANAGES Pod/demo/web-f77c755dc-7xkhv',
    ]);
    expect(out('apps/StatefulSet', 'demo', 'db')).toContain('OUTGOING MANAGES Pod/demo/db-0');
    expect(out('apps/DaemonSet', 'demo', 'node-exporter')).toContain('OUTGOING MANAGES Pod/demo/node-exporter-8bl2m');
    expect(out('batch/Job', 'demo', 'migrate')).toContain('OUTGOING MANAGES Pod/demo/migrate-qgz84');
  });

  it('MANAGES reaches through CronJob -> Job -> Pod', () => {
    const catalog = newCatalog();
    const graph = graphOn(catalog);
    const cj = captured('cronjob-report');
    const job = captured('job-from-cronjob-report-29924032');
    const pod = captured('pod-job-migrate-qgz84');
    pod.metadata.name = 'report-29924032-abcde';
    pod.metadata.uid = 'pod-of-report';
    pod.metadata.ownerReferences = [{ apiVersion: 'batch/v1', kind: 'Job', name: job.metadata.name!, uid: job.metadata.uid!, controller: true }];
    catalog.add(pod);
    catalog.add(job);
    catalog.add(cj);
    const p = rec(catalog, 'Pod', 'demo', 'report-29924032-abcde');
    expect(show(graph.relations(p, { direction: 'INCOMING', types: ['MANAGES'] }))).toEqual(['INCOMING MANAGES CronJob/demo/report', 'INCOMING MANAGES Job/demo/report-29924032']);
    catalog.remove(job);
    expect(graph.relations(p, { direction: 'INCOMING', types: ['MANAGES'] })).toEqual([]);
  });
});

describe('RelationGraph incremental maintenance', () => {
  it('an edge to a target not yet in the catalog resolves when it arrives and unresolves when it leaves', () => {
    const catalog = newCatalog();
    const graph = graphOn(catalog);
    catalog.add(captured('pod-web-f77c755dc-2bdwq'));
    const pod = rec(catalog, 'Pod', 'demo', 'web-f77c755dc-2bdwq');
    const before = graph.stats();
    expect(before.edges).toBe(6); // RS, kube-root-ca.crt, web-config, web-secret, regcred, web-sa
    expect(before.unresolved).toBe(6);
    expect(show(graph.relations(pod, { direction: 'OUTGOING', types: ['OWNED_BY'] }))).toEqual(['OUTGOING OWNED_BY ReplicaSet/demo/web-f77c755dc (unresolved)']);

    catalog.add(captured('replicaset-web-f77c755dc'));
    expect(show(graph.relations(pod, { direction: 'OUTGOING', types: ['OWNED_BY'] }))).toEqual(['OUTGOING OWNED_BY ReplicaSet/demo/web-f77c755dc']);
    const rs = rec(catalog, 'apps/ReplicaSet', 'demo', 'web-f77c755dc');
    expect(show(graph.relations(rs, { direction: 'INCOMING', types: ['OWNED_BY'] }))).toEqual(['INCOMING OWNED_BY Pod/demo/web-f77c755dc-2bdwq']);
    // RS's own 5 edges: its Deployment (unresolved) and its template's 4 USES, all unresolved; the pod's RS edge resolved
    expect(graph.stats()).toMatchObject({ edges: 11, unresolved: 10 });

    catalog.add(captured('configmap-web-config'));
    expect(graph.stats().unresolved).toBe(8); // the pod's and the RS's web-config edges (one shared reference) resolved together
    catalog.remove(captured('replicaset-web-f77c755dc'));
    expect(show(graph.relations(pod, { direction: 'OUTGOING', types: ['OWNED_BY'] }))).toEqual(['OUTGOING OWNED_BY ReplicaSet/demo/web-f77c755dc (unresolved)']);
    expect(graph.stats()).toMatchObject({ edges: 6, unresolved: 5 });
  });

  it('keeps SELECTS current as pod labels, selectors, pods and services change', () => {
    const catalog = newCatalog();
    const graph = graphOn(catalog);
    const pods = ['pod-web-f77c755dc-2bdwq', 'pod-web-f77c755dc-6xn85', 'pod-runner'].map(captured);
    for (const p of pods) catalog.add(p);
    const svc = captured('service-web');
    catalog.add(svc); // a new Service finds its existing pods
    const selected = () => show(graph.relations(rec(catalog, 'Service', 'demo', 'web'), { direction: 'OUTGOING', types: ['SELECTS'] }));
    expect(selected()).toEqual(['OUTGOING SELECTS Pod/demo/web-f77c755dc-2bdwq', 'OUTGOING SELECTS Pod/demo/web-f77c755dc-6xn85']);

    const relabelled: KubeObject = { ...pods[0], metadata: { ...pods[0].metadata, labels: { app: 'other' } } };
    catalog.modify(relabelled);
    expect(selected()).toEqual(['OUTGOING SELECTS Pod/demo/web-f77c755dc-6xn85']);

    const runnerToo: KubeObject = { ...pods[2], metadata: { ...pods[2].metadata, labels: { app: 'web' } } };
    catalog.modify(runnerToo);
    expect(selected()).toEqual(['OUTGOING SELECTS Pod/demo/runner', 'OUTGOING SELECTS Pod/demo/web-f77c755dc-6xn85']);

    catalog.modify({ ...svc, spec: { ...(svc.spec as object), selector: { app: 'other' } } });
    expect(selected()).toEqual(['OUTGOING SELECTS Pod/demo/web-f77c755dc-2bdwq']);

    catalog.add(captured('pod-web-f77c755dc-7xkhv')); // app=web: not selected by the changed Service
    catalog.modify({ ...svc, spec: { ...(svc.spec as object), selector: undefined } });
    expect(selected()).toEqual([]);

    catalog.modify(svc);
    catalog.remove(pods[1]);
    expect(selected()).toEqual(['OUTGOING SELECTS Pod/demo/runner', 'OUTGOING SELECTS Pod/demo/web-f77c755dc-7xkhv']);
    catalog.remove(svc);
    const runner = rec(catalog, 'Pod', 'demo', 'runner');
    expect(graph.relations(runner, { direction: 'INCOMING' })).toEqual([]);
  });

  it('a NetworkPolicy with podSelector {} selects every pod of its namespace and no other', () => {
    const catalog = newCatalog();
    const graph = graphOn(catalog);
    const np = captured('networkpolicy-web-allow-frontend');
    (np.spec as Record<string, unknown>).podSelector = {};
    catalog.add(np);
    catalog.add(captured('pod-runner'));
    catalog.add(captured('pod-db-0'));
    const elsewhere = captured('pod-runner');
    elsewhere.metadata = { ...elsewhere.metadata, namespace: 'other', uid: 'runner-in-other' };
    catalog.add(elsewhere);
    const n = rec(catalog, 'networking.k8s.io/NetworkPolicy', 'demo', 'web-allow-frontend');
    expect(show(graph.relations(n, { direction: 'OUTGOING', types: ['SELECTS'] }))).toEqual(['OUTGOING SELECTS Pod/demo/db-0', 'OUTGOING SELECTS Pod/demo/runner']);
  });

  it('never crosses clusters, even for identical objects and uids', () => {
    const catalog = newCatalog();
    const graph = graphOn(catalog);
    catalog.add(captured('pod-web-f77c755dc-2bdwq'), 'east');
    catalog.add(captured('replicaset-web-f77c755dc'), 'west');
    catalog.add(captured('service-web'), 'west');
    const pod = rec(catalog, 'Pod', 'demo', 'web-f77c755dc-2bdwq', 'east');
    const rels = graph.relations(pod, { direction: 'BOTH' });
    expect(rels.every((r) => r.other.clusterId === 'east')).toBe(true);
    expect(rels.filter((r) => r.otherRecord)).toEqual([]);
    catalog.add(captured('replicaset-web-f77c755dc'), 'east');
    const owner = graph.relations(pod, { direction: 'OUTGOING', types: ['OWNED_BY'] })[0];
    expect(owner.otherRecord?.clusterId).toBe('east');
  });

  it('builds the same graph from a catalog that was filled before it was constructed', () => {
    const catalog = newCatalog();
    const live = graphOn(catalog);
    for (const o of demoObjects()) catalog.add(o);
    const late = graphOn(catalog);
    expect(late.snapshot()).toEqual(live.snapshot());
    expect(late.stats()).toMatchObject({ edges: live.stats().edges, unresolved: live.stats().unresolved });
  });
});

describe('RelationGraph traversal', () => {
  it('walks by depth and direction, each resource once, start excluded', () => {
    const { catalog, graph } = demo();
    const pod = rec(catalog, 'Pod', 'demo', 'web-f77c755dc-2bdwq');
    const out1 = graph.related(pod, { direction: 'OUTGOING', depth: 1, types: ['OWNED_BY'] }).map(label);
    expect(out1).toEqual(['ReplicaSet/demo/web-f77c755dc']);
    const out2 = graph.related(pod, { direction: 'OUTGOING', depth: 2, types: ['OWNED_BY'] }).map(label);
    expect(out2).toEqual(['ReplicaSet/demo/web-f77c755dc', 'Deployment/demo/web']);
    const out5 = graph.related(pod, { direction: 'OUTGOING', depth: 5, types: ['OWNED_BY'] }).map(label);
    expect(out5).toEqual(out2);
    // INCOMING from the Deployment: its RS (OWNED_BY) then the RS's pods
    const dep = rec(catalog, 'apps/Deployment', 'demo', 'web');
    expect(graph.related(dep, { direction: 'INCOMING', depth: 2, types: ['OWNED_BY'] }).map(label)).toEqual([
      'ReplicaSet/demo/web-f77c755dc',
      'Pod/demo/web-f77c755dc-2bdwq',
      'Pod/demo/web-f77c755dc-6xn85',
      'Pod/demo/web-f77c755dc-7xkhv',
    ]);
    // BOTH at depth 2 around a pod walks back to the pod itself through the RS: still excluded, still once
    const both = graph.related(pod, { direction: 'BOTH', depth: 3 });
    expect(both.find((r) => r.id === pod.id)).toBeUndefined();
    expect(new Set(both.map((r) => r.id)).size).toBe(both.length);
  });

  it('terminates on ownership cycles', () => {
    const catalog = newCatalog();
    const graph = graphOn(catalog);
    const a = captured('replicaset-web-f77c755dc');
    const b = captured('deployment-web');
    b.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: a.metadata.name!, uid: a.metadata.uid! }];
    catalog.add(a);
    catalog.add(b);
    const start = rec(catalog, 'apps/ReplicaSet', 'demo', 'web-f77c755dc');
    expect(graph.related(start, { direction: 'BOTH', depth: 5 }).map(label)).toEqual(['Deployment/demo/web']);
    expect(graph.relations(start, { direction: 'OUTGOING', types: ['MANAGES'] })).toEqual([]);
  });

  it('filters by type', () => {
    const { catalog, graph } = demo();
    const pod = rec(catalog, 'Pod', 'demo', 'web-f77c755dc-2bdwq');
    expect(graph.related(pod, { direction: 'BOTH', depth: 1, types: ['SELECTS'] }).map(label)).toEqual([
      'NetworkPolicy/demo/web-allow-frontend',
      'PodDisruptionBudget/demo/web',
      'Service/demo/web',
    ]);
    expect(graph.related(pod, { direction: 'OUTGOING', depth: 1, types: ['RUNS_ON', 'MANAGES'] }).map(label)).toEqual(['Node/node-a']);
    expect(graph.related(pod, { direction: 'BOTH', depth: 1, types: ['MANAGES'] }).map(label)).toEqual(['Deployment/demo/web']);
  });

  it('throws LIMIT_EXCEEDED beyond maxNodes and BAD_USER_INPUT on bad arguments', () => {
    const { catalog, graph } = demo();
    const pod = rec(catalog, 'Pod', 'demo', 'web-f77c755dc-2bdwq');
    const all = graph.related(pod, { direction: 'BOTH', depth: 5 });
    expect(all.length).toBeGreaterThan(20);
    expect(graph.related(pod, { direction: 'BOTH', depth: 5, maxNodes: all.length })).toHaveLength(all.length);
    const err = catchError(() => graph.related(pod, { direction: 'BOTH', depth: 5, maxNodes: all.length - 1 }));
    expect(err.code).toBe('LIMIT_EXCEEDED');
    expect(err.message).toContain(`more than ${all.length - 1} resources`);
    for (const depth of [0, 6, 1.5, Number.NaN]) expect(catchError(() => graph.related(pod, { direction: 'BOTH', depth })).code).toBe('BAD_USER_INPUT');
    expect(catchError(() => graph.related(pod, { direction: 'BOTH', depth: 1, maxNodes: 0 })).code).toBe('BAD_USER_INPUT');
    expect(catchError(() => graph.relations(pod, { direction: 'SIDEWAYS' as 'BOTH' })).code).toBe('BAD_USER_INPUT');
    expect(catchError(() => graph.relations(pod, { direction: 'BOTH', types: ['LIKES' as 'USES'] })).code).toBe('BAD_USER_INPUT');
  });
});

function catchError(fn: () => unknown): KubeatlasError {
  try {
    fn();
  } catch (e) {
    if (e instanceof KubeatlasError) return e;
    throw e;
  }
  throw new Error('expected a KubeatlasError');
}

describe('RelationGraph construction', () => {
  it('indexes a catalog whose store allows pages smaller than the graph asks for', () => {
    const store = new ResourceStore({ maxPageSize: 7 });
    for (const o of demoObjects()) store.sinkFor('c1', kindOf(o)).apply('ADDED', o);
    const graph = graphOn({ reader: store, add: () => {}, modify: () => {}, remove: () => {} });
    const reference = graphOn(newCatalogWith(demoObjects()));
    expect(graph.stats()).toMatchObject({ edges: reference.stats().edges, unresolved: reference.stats().unresolved });
    expect(graph.stats().edges).toBeGreaterThan(50);
  });
});

function newCatalogWith(objects: KubeObject[]): TestCatalog {
  const catalog = newCatalog();
  for (const o of objects) catalog.add(o);
  return catalog;
}

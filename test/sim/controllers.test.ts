import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCluster, type SimCluster } from '../../src/sim/index.js';
import { eventually, SimHttp } from './simHttp.js';

/**
 * The simulated control plane seen from a client of the HTTPS API: what a
 * user running kubectl against a real cluster would observe after creating,
 * scaling, editing and deleting objects.
 */

type Obj = Record<string, any>;

const NS = 'shop';
const MERGE = 'application/merge-patch+json';

let cluster: SimCluster;
let http: SimHttp;

const items = async (path: string): Promise<Obj[]> => {
  const r = await http.get(path);
  expect(r.status, `${path}: ${r.text.slice(0, 200)}`).toBe(200);
  return r.json().items as Obj[];
};
const get = async (path: string): Promise<Obj | undefined> => {
  const r = await http.get(path);
  return r.status === 200 ? r.json() : undefined;
};
const isReady = (p: Obj): boolean => p.status?.phase === 'Running' && p.status.conditions?.some((c: Obj) => c.type === 'Ready' && c.status === 'True');
const podsOf = (selector: string, ns = NS): Promise<Obj[]> => items(`/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(selector)}`);
const livePods = async (selector: string, ns = NS): Promise<Obj[]> => (await podsOf(selector, ns)).filter((p) => !p.metadata.deletionTimestamp);

function deployment(name: string, replicas: number, image = 'nginx:1.25.3'): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name, tier: 'frontend' } }, spec: { containers: [{ name: 'web', image, ports: [{ name: 'http', containerPort: 80 }] }] } },
    },
  };
}

beforeAll(async () => {
  cluster = await startSimCluster({ name: 'ctl', objects: 0, seed: 3, kubeletDeleteDelayMs: 300 });
  http = new SimHttp(cluster);
  for (const ns of [NS, 'doomed']) expect((await http.post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })).status).toBe(201);
}, 60_000);

afterAll(async () => {
  await http?.close();
  await cluster?.close();
});

describe('simulated controllers', () => {
  it('a Deployment gets a ReplicaSet and running, ready pods; scaling up and down follows', async () => {
    expect((await http.post(`/apis/apps/v1/namespaces/${NS}/deployments`, deployment('web', 3))).status).toBe(201);
    await eventually(async () => (await livePods('app=web')).filter(isReady).length === 3, 15_000, '3 ready pods');
    const [rs] = await items(`/apis/apps/v1/namespaces/${NS}/replicasets?labelSelector=app%3Dweb`);
    const dep = (await get(`/apis/apps/v1/namespaces/${NS}/deployments/web`))!;
    expect(rs.metadata.name).toBe(`web-${rs.metadata.labels['pod-template-hash']}`);
    expect(rs.metadata.ownerReferences[0]).toMatchObject({ kind: 'Deployment', name: 'web', uid: dep.metadata.uid, controller: true });
    for (const p of await livePods('app=web')) {
      expect(p.metadata.ownerReferences[0]).toMatchObject({ kind: 'ReplicaSet', name: rs.metadata.name, uid: rs.metadata.uid, controller: true });
      expect(p.metadata.labels['pod-template-hash']).toBe(rs.metadata.labels['pod-template-hash']);
      expect(p.spec.nodeName).toBeTruthy();
      expect(p.status.podIP).toMatch(/^10\.24[4-7]\.\d+\.\d+$/);
      expect(p.status.containerStatuses[0]).toMatchObject({ name: 'web', ready: true, started: true, restartCount: 0 });
    }
    await eventually(async () => (await get(`/apis/apps/v1/namespaces/${NS}/deployments/web`))!.status?.availableReplicas === 3, 10_000, 'deployment status');
    const status = (await get(`/apis/apps/v1/namespaces/${NS}/deployments/web`))!.status;
    expect(status).toMatchObject({ replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
    expect(status.conditions.find((c: Obj) => c.type === 'Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable' });

    expect((await http.patch(`/apis/apps/v1/namespaces/${NS}/deployments/web`, { spec: { replicas: 5 } }, MERGE)).status).toBe(200);
    await eventually(async () => (await livePods('app=web')).filter(isReady).length === 5, 15_000, '5 ready pods');
    expect((await http.patch(`/apis/apps/v1/namespaces/${NS}/deployments/web`, { spec: { replicas: 2 } }, MERGE)).status).toBe(200);
    await eventually(async () => (await podsOf('app=web')).length === 2, 15_000, 'scaled down to 2 pods');
    await eventually(async () => (await get(`/apis/apps/v1/namespaces/${NS}/deployments/web`))!.status?.replicas === 2, 10_000, 'status replicas 2');
  });

  it('deleting a pod returns at once; the kubelet finishes it (MODIFIED then DELETED) and the ReplicaSet replaces it', async () => {
    const [victim] = (await livePods('app=web')).filter(isReady);
    const list = await http.get(`/api/v1/namespaces/${NS}/pods`);
    const watch = await http.watch(`/api/v1/namespaces/${NS}/pods?watch=1&resourceVersion=${list.json().metadata.resourceVersion}`);
    // Server-side commit times of the victim's changes (the watch's arrival times carry network jitter).
    const committed: Array<{ type: string; at: number }> = [];
    const off = cluster.store.onChange((c) => {
      if (c.kind.kind === 'Pod' && c.object.metadata.name === victim.metadata.name) committed.push({ type: c.type, at: performance.now() });
    });
    try {
      const t0 = Date.now();
      const del = await http.delete(`/api/v1/namespaces/${NS}/pods/${victim.metadata.name}`);
      const took = Date.now() - t0;
      expect(del.status).toBe(200);
      expect(del.json().metadata.deletionTimestamp).toBeTruthy();
      expect(took).toBeLessThan(1000);
      await watch.until((s) => s.events.some((e) => e.type === 'DELETED' && e.object.metadata.name === victim.metadata.name), 10_000, 'DELETED');
      const mine = watch.events.filter((e) => e.object.metadata.name === victim.metadata.name);
      expect(mine[0].type).toBe('MODIFIED');
      expect(mine[0].object.metadata.deletionTimestamp).toBeTruthy();
      expect(mine[mine.length - 1].type).toBe('DELETED');
      const graceMs = committed[committed.length - 1].at - committed[0].at;
      expect(committed.map((c) => c.type)).toEqual(['MODIFIED', 'DELETED']);
      expect(graceMs).toBeGreaterThanOrEqual(290);
      expect(graceMs).toBeLessThan(5000);
      await eventually(async () => {
        const pods = (await livePods('app=web')).filter(isReady);
        return pods.length === 2 && pods.every((p) => p.metadata.name !== victim.metadata.name);
      }, 15_000, 'replacement pod ready');
    } finally {
      off();
      watch.close();
    }
  });

  it('a new pod template rolls out a new ReplicaSet and scales the old one to zero', async () => {
    const [oldRs] = await items(`/apis/apps/v1/namespaces/${NS}/replicasets?labelSelector=app%3Dweb`);
    const patch = { spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.25.4', ports: [{ name: 'http', containerPort: 80 }] }] } } } };
    expect((await http.patch(`/apis/apps/v1/namespaces/${NS}/deployments/web`, patch, MERGE)).status).toBe(200);
    await eventually(async () => {
      const rss = await items(`/apis/apps/v1/namespaces/${NS}/replicasets?labelSelector=app%3Dweb`);
      const old = rss.find((r) => r.metadata.name === oldRs.metadata.name);
      const fresh = rss.find((r) => r.metadata.name !== oldRs.metadata.name);
      return rss.length === 2 && old?.spec.replicas === 0 && old.status.replicas === 0 && fresh?.status.readyReplicas === 2;
    }, 20_000, 'rollout finished');
    const pods = await livePods('app=web');
    expect(pods).toHaveLength(2);
    expect(pods.every((p) => p.spec.containers[0].image === 'nginx:1.25.4')).toBe(true);
    const dep = (await get(`/apis/apps/v1/namespaces/${NS}/deployments/web`))!;
    expect(dep.metadata.annotations['deployment.kubernetes.io/revision']).toBe('2');
    await eventually(async () => (await get(`/apis/apps/v1/namespaces/${NS}/deployments/web`))!.status.conditions.some((c: Obj) => c.type === 'Progressing' && c.reason === 'NewReplicaSetAvailable'), 10_000, 'Progressing NewReplicaSetAvailable');
  });

  it('EndpointSlices follow the pods a Service selects', async () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: NS }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } };
    expect((await http.post(`/api/v1/namespaces/${NS}/services`, svc)).status).toBe(201);
    const slice = async (): Promise<Obj | undefined> => (await items(`/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dweb`))[0];
    const matches = async (n: number): Promise<boolean> => {
      const s = await slice();
      const pods = (await livePods('app=web')).filter(isReady);
      if (!s || (s.endpoints ?? []).length !== n || pods.length !== n) return false;
      const byName = new Map(pods.map((p) => [p.metadata.name, p]));
      return s.endpoints.every((e: Obj) => byName.get(e.targetRef.name)?.status.podIP === e.addresses[0] && byName.get(e.targetRef.name)?.metadata.uid === e.targetRef.uid && e.conditions.ready === true);
    };
    await eventually(() => matches(2), 10_000, 'slice with 2 endpoints');
    const s = (await slice())!;
    expect(s.metadata.labels['endpointslice.kubernetes.io/managed-by']).toBe('endpointslice-controller.k8s.io');
    expect(s.metadata.ownerReferences[0]).toMatchObject({ kind: 'Service', name: 'web', controller: true });
    expect(s.ports).toEqual([{ name: 'http', protocol: 'TCP', port: 80 }]);
    expect((await http.patch(`/apis/apps/v1/namespaces/${NS}/deployments/web`, { spec: { replicas: 4 } }, MERGE)).status).toBe(200);
    await eventually(() => matches(4), 15_000, 'slice with 4 endpoints');
    // A pod relabelled out of the selector leaves the slice (and the ReplicaSet replaces it).
    const [out] = (await livePods('app=web')).filter(isReady);
    expect((await http.patch(`/api/v1/namespaces/${NS}/pods/${out.metadata.name}`, { metadata: { labels: { app: 'debug' } } }, MERGE)).status).toBe(200);
    await eventually(async () => !(await slice())!.endpoints.some((e: Obj) => e.targetRef.name === out.metadata.name), 10_000, 'relabelled pod removed');
    await eventually(() => matches(4), 15_000, 'replacement pod in the slice');
    const released = (await get(`/api/v1/namespaces/${NS}/pods/${out.metadata.name}`))!;
    expect(released.metadata.ownerReferences).toBeUndefined();
  });

  it('a StatefulSet creates ordered pods with bound volumes and scales down from the top', async () => {
    const sts = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: NS },
      spec: {
        replicas: 3,
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'pg', image: 'postgres:16.2', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] } },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } } } }],
      },
    };
    expect((await http.post(`/apis/apps/v1/namespaces/${NS}/statefulsets`, sts)).status).toBe(201);
    await eventually(async () => (await livePods('app=db')).filter(isReady).length === 3, 20_000, '3 ready db pods');
    const pods = await livePods('app=db');
    expect(pods.map((p) => p.metadata.name).sort()).toEqual(['db-0', 'db-1', 'db-2']);
    for (const p of pods) {
      expect(p.spec.hostname).toBe(p.metadata.name);
      expect(p.spec.subdomain).toBe('db');
      const claim = p.spec.volumes.find((v: Obj) => v.name === 'data').persistentVolumeClaim.claimName;
      expect(claim).toBe(`data-${p.metadata.name}`);
      const pvc = (await get(`/api/v1/namespaces/${NS}/persistentvolumeclaims/${claim}`))!;
      expect(pvc.status.phase).toBe('Bound');
      const pv = (await get(`/api/v1/persistentvolumes/${pvc.spec.volumeName}`))!;
      expect(pv.spec.claimRef).toMatchObject({ namespace: NS, name: claim, uid: pvc.metadata.uid });
    }
    expect((await http.patch(`/apis/apps/v1/namespaces/${NS}/statefulsets/db`, { spec: { replicas: 1 } }, MERGE)).status).toBe(200);
    await eventually(async () => (await podsOf('app=db')).map((p) => p.metadata.name).join() === 'db-0', 20_000, 'only db-0 left');
    expect(await get(`/api/v1/namespaces/${NS}/persistentvolumeclaims/data-db-2`)).toBeDefined();
  });

  it('a DaemonSet runs one pod per node, including nodes added later', async () => {
    const ds = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: NS },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image: 'prom/node-exporter:v1.7.0' }] } } },
    };
    expect((await http.post(`/apis/apps/v1/namespaces/${NS}/daemonsets`, ds)).status).toBe(201);
    const nodes = await items('/api/v1/nodes');
    const onNodes = async (): Promise<string[]> => (await livePods('app=agent')).filter(isReady).map((p) => p.spec.nodeName).sort();
    await eventually(async () => (await onNodes()).join() === nodes.map((n) => n.metadata.name).sort().join(), 15_000, 'a pod per node');
    const extra = structuredClone(nodes[0]);
    extra.metadata = { name: 'extra-node', labels: { ...nodes[0].metadata.labels, 'kubernetes.io/hostname': 'extra-node' } };
    extra.spec = { podCIDR: '10.244.200.0/24', podCIDRs: ['10.244.200.0/24'] };
    expect((await http.post('/api/v1/nodes', extra)).status).toBe(201);
    await eventually(async () => (await onNodes()).includes('extra-node'), 15_000, 'pod on the new node');
    await eventually(async () => (await get(`/apis/apps/v1/namespaces/${NS}/daemonsets/agent`))!.status?.numberReady === nodes.length + 1, 10_000, 'daemonset status');
  });

  it('a Job runs its pod to completion', async () => {
    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate', namespace: NS }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'migrate', image: 'busybox:1.36', command: ['true'] }] } } } };
    expect((await http.post(`/apis/batch/v1/namespaces/${NS}/jobs`, job)).status).toBe(201);
    await eventually(async () => (await get(`/apis/batch/v1/namespaces/${NS}/jobs/migrate`))!.status?.conditions?.some((c: Obj) => c.type === 'Complete' && c.status === 'True'), 20_000, 'job complete');
    const j = (await get(`/apis/batch/v1/namespaces/${NS}/jobs/migrate`))!;
    expect(j.status.succeeded).toBe(1);
    const pods = await podsOf('job-name=migrate');
    expect(pods).toHaveLength(1);
    expect(pods[0].status.phase).toBe('Succeeded');
    expect(pods[0].metadata.finalizers ?? []).not.toContain('batch.kubernetes.io/job-tracking');
  });

  it('deleting a namespace removes what is in it, then the namespace', async () => {
    const d = deployment('app', 2);
    d.metadata.namespace = 'doomed';
    expect((await http.post('/apis/apps/v1/namespaces/doomed/deployments', d)).status).toBe(201);
    expect((await http.post('/api/v1/namespaces/doomed/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { a: '1' } })).status).toBe(201);
    await eventually(async () => (await livePods('app=app', 'doomed')).filter(isReady).length === 2, 15_000, 'pods in doomed');
    const del = await http.delete('/api/v1/namespaces/doomed');
    expect(del.status).toBe(200);
    expect(del.json().status.phase).toBe('Terminating');
    await eventually(async () => (await http.get('/api/v1/namespaces/doomed')).status === 404, 20_000, 'namespace gone');
    expect(await items('/api/v1/namespaces/doomed/pods')).toHaveLength(0);
    expect(await items('/api/v1/namespaces/doomed/configmaps')).toHaveLength(0);
    expect(await items('/apis/apps/v1/namespaces/doomed/replicasets')).toHaveLength(0);
  });

  it('coalesces a burst of changes to one object into a few writes', async () => {
    const store = cluster.store;
    const rsWrites: number[] = [];
    const off = store.onChange((c) => {
      if (c.kind.kind === 'ReplicaSet' && c.object.metadata.labels?.app === 'web' && c.type === 'MODIFIED') rsWrites.push((c.object.spec as Obj).replicas);
    });
    try {
      // Twenty edits in one go, as a script hammering `kubectl scale` would.
      for (let i = 0; i < 20; i++) store.mutate('apps/Deployment', NS, 'web', (o) => ((o.spec as Obj).replicas = 3 + (i % 2)), 'kubectl');
      await eventually(async () => (await livePods('app=web')).filter(isReady).length === 4, 15_000, '4 ready pods');
      const specWrites = rsWrites.filter((r, i) => i === 0 || r !== rsWrites[i - 1]);
      expect(specWrites.length).toBeLessThanOrEqual(2);
      expect(rsWrites.length).toBeLessThan(20);
    } finally {
      off();
    }
  });
});

describe('controllers on a store changed behind their back', () => {
  it('index the store as it is when they start (not as it was seeded)', async () => {
    const { createSimStore } = await import('../../src/sim/index.js');
    const { bootstrapCluster } = await import('../../src/sim/workload/bootstrap.js');
    const { seedWorkload } = await import('../../src/sim/workload/seed.js');
    const { startControllers } = await import('../../src/sim/controllers/index.js');
    const store = createSimStore();
    bootstrapCluster(store, { clusterName: 'late', seed: 8 });
    seedWorkload(store, { clusterName: 'late', seed: 8, objects: 600 });
    // A write after seeding and before the controllers start: a ReplicaSet loses its pods.
    const rs = store.list('apps/ReplicaSet').find((r) => (r.spec as Obj).replicas >= 2 && r.metadata.namespace !== 'kube-system')!;
    const owned = store.list('Pod', rs.metadata.namespace).filter((p) => p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid);
    for (const p of owned) store.delete('Pod', p.metadata.namespace, p.metadata.name!);
    const ctl = startControllers(store, { kubeletStartDelayMs: 50 });
    try {
      // The next change to the ReplicaSet makes the controller see the missing pods and recreate them.
      store.mutate('apps/ReplicaSet', rs.metadata.namespace, rs.metadata.name!, (o) => (o.metadata.annotations = { ...(o.metadata.annotations ?? {}), touched: 'yes' }), 'kubectl');
      await eventually(() => store.list('Pod', rs.metadata.namespace).filter((p) => p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid && (p.status as Obj)?.phase === 'Running').length === (rs.spec as Obj).replicas, 10_000, 'pods recreated');
    } finally {
      ctl.stop();
    }
  });
});

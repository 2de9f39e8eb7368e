import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it, beforeAll } from 'vitest';
import type { KubeObject } from '../../src/kube/types.js';
import { selectorFromMap, selectorFromObject } from '../../src/kube/labelSelector.js';
import { createSimStore } from '../../src/sim/index.js';
import type { SimStore } from '../../src/sim/types.js';
import { bootstrapCluster, generateBootstrap } from '../../src/sim/workload/bootstrap.js';
import { generateWorkload, seedWorkload } from '../../src/sim/workload/seed.js';
import { podTemplateHash } from '../../src/sim/workload/podTemplateHash.js';

/**
 * The generated clusters: deterministic for a seed, sized and shaped like
 * real clusters (field layouts of the v1.28.7 captures), and internally
 * consistent: every reference a user or kubeatlas follows resolves.
 */

const FIXTURES = new URL('../fixtures/real-apiserver/objects/', import.meta.url);
const fixture = (name: string): KubeObject => JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8')) as KubeObject;
const NOW = Date.parse('2026-11-23T15:00:00Z');

type Obj = Record<string, any>;

function generateAll(seed: number, objects: number, clusterName = 'sim-1'): Array<{ kind: string; object: KubeObject }> {
  const out: Array<{ kind: string; object: KubeObject }> = [];
  generateBootstrap({ clusterName, seed, now: NOW, hasKind: () => true, emit: (kind, object) => out.push({ kind, object }) });
  const nodes = out.filter((x) => x.kind === 'Node').map((x) => x.object);
  const kubeProxy = out.find((x) => x.kind === 'apps/DaemonSet' && x.object.metadata.name === 'kube-proxy')?.object;
  generateWorkload({ clusterName, seed, objects, now: NOW }, { nodes, kubeProxy, hasKind: () => true }, (kind, object) => out.push({ kind, object }));
  return out;
}

function digest(items: Array<{ kind: string; object: KubeObject }>): string {
  const h = createHash('sha256');
  for (const { kind, object } of items) h.update(kind).update(JSON.stringify(object));
  return h.digest('hex');
}

describe('workload generators', () => {
  it('are deterministic for a seed and differ across seeds and cluster names', () => {
    const a = generateAll(42, 2000);
    const b = generateAll(42, 2000);
    expect(a.length).toBe(b.length);
    expect(digest(a)).toBe(digest(b));
    const c = generateAll(43, 2000);
    expect(digest(c)).not.toBe(digest(a));
    const names = (items: typeof a) => items.filter((x) => x.kind === 'Node').map((x) => x.object.metadata.name);
    expect(names(generateAll(42, 2000, 'sim-7'))).not.toEqual(names(a));
    // uids never repeat inside one cluster
    const uids = a.map((x) => x.object.metadata.uid);
    expect(new Set(uids).size).toBe(uids.length);
  });

  it('bootstraps a bare cluster like a fresh kubeadm/GKE one', () => {
    const store = createSimStore();
    const caPem = '-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n';
    bootstrapCluster(store, { clusterName: 'sim-1', seed: 1, now: NOW, caPem });
    expect((store.get('ConfigMap', 'default', 'kube-root-ca.crt')?.data as Obj)['ca.crt']).toBe(caPem);
    const namespaces = store.list('Namespace');
    expect(namespaces.map((n) => n.metadata.name).sort()).toEqual(['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    for (const ns of namespaces) {
      expect(ns.spec).toEqual({ finalizers: ['kubernetes'] });
      expect(ns.status).toEqual({ phase: 'Active' });
      expect(ns.metadata.labels?.['kubernetes.io/metadata.name']).toBe(ns.metadata.name);
      expect(store.get('ServiceAccount', ns.metadata.name, 'default')).toBeDefined();
      expect((store.get('ConfigMap', ns.metadata.name, 'kube-root-ca.crt')?.data as Obj)['ca.crt']).toMatch(/^-----BEGIN CERTIFICATE-----/);
    }
    const nodes = store.list('Node');
    expect(nodes).toHaveLength(3);
    const real = fixture('node-a') as Obj;
    for (const n of nodes as Obj[]) {
      expect(Object.keys(n.status)).toEqual(expect.arrayContaining(Object.keys(real.status)));
      expect(Object.keys(n.status.capacity).sort()).toEqual(Object.keys(real.status.capacity).sort());
      expect(Object.keys(n.status.allocatable).sort()).toEqual(Object.keys(real.status.allocatable).sort());
      expect(Object.keys(n.status.nodeInfo).sort()).toEqual(Object.keys(real.status.nodeInfo).sort());
      expect(n.status.conditions.map((c: Obj) => c.type)).toEqual(real.status.conditions.map((c: Obj) => c.type));
      expect(n.status.addresses.map((a: Obj) => a.type)).toEqual(expect.arrayContaining(['InternalIP', 'Hostname']));
      expect(n.status.images.length).toBeGreaterThan(2);
      expect(n.metadata.labels['kubernetes.io/hostname']).toBe(n.metadata.name);
      expect(store.get('coordination.k8s.io/Lease', 'kube-node-lease', n.metadata.name)).toBeDefined();
    }
    const svc = store.get('Service', 'default', 'kubernetes') as Obj;
    expect(svc.spec.clusterIP).toBe('10.96.0.1');
    expect(svc.spec.selector).toBeUndefined();
    expect((store.get('discovery.k8s.io/EndpointSlice', 'default', 'kubernetes') as Obj).metadata.labels['kubernetes.io/service-name']).toBe('kubernetes');
    const defaults = store.list('storage.k8s.io/StorageClass').filter((sc) => sc.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true');
    expect(defaults).toHaveLength(1);
    const roles = store.list('rbac.authorization.k8s.io/ClusterRole').map((r) => r.metadata.name);
    expect(roles).toEqual(expect.arrayContaining(['cluster-admin', 'admin', 'edit', 'view']));
    expect((store.get('rbac.authorization.k8s.io/ClusterRoleBinding', undefined, 'cluster-admin') as Obj).subjects).toEqual([{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:masters' }]);
    // CoreDNS: Deployment -> ReplicaSet -> 2 running pods behind kube-dns; kube-proxy on every node.
    const coredns = store.get('apps/Deployment', 'kube-system', 'coredns') as Obj;
    expect(coredns.status.readyReplicas).toBe(2);
    const dnsPods = store.list('Pod', 'kube-system').filter((p) => p.metadata.labels?.['k8s-app'] === 'kube-dns') as Obj[];
    expect(dnsPods).toHaveLength(2);
    expect(dnsPods.every((p) => p.status.phase === 'Running')).toBe(true);
    const proxyPods = store.list('Pod', 'kube-system').filter((p) => p.metadata.labels?.['k8s-app'] === 'kube-proxy') as Obj[];
    expect(proxyPods.map((p) => p.spec.nodeName).sort()).toEqual(nodes.map((n) => n.metadata.name).sort());
  });

  describe('a seeded 12k-object cluster', () => {
    let store: SimStore;
    let seedCpuMs = 0;
    const N = 12_000;
    const all = new Map<string, KubeObject[]>();
    const byUid = new Map<string, { kind: string; obj: KubeObject }>();
    const get = (kind: string, ns: string | undefined, name: string) => store.get(kind, ns, name);
    const list = (kind: string) => all.get(kind) ?? [];

    beforeAll(() => {
      store = createSimStore();
      bootstrapCluster(store, { clusterName: 'sim-1', seed: 1, now: NOW });
      const cpu0 = process.cpuUsage();
      seedWorkload(store, { clusterName: 'sim-1', seed: 1, objects: N, now: NOW });
      const cpu = process.cpuUsage(cpu0);
      seedCpuMs = (cpu.user + cpu.system) / 1000;
      for (const k of store.kinds()) {
        const items = store.list(k);
        if (!items.length) continue;
        all.set(k.group ? `${k.group}/${k.kind}` : k.kind, items);
        for (const o of items) byUid.set(o.metadata.uid ?? '', { kind: k.kind, obj: o });
      }
    }, 120_000);

    it('has about N objects, two thirds of them pods, of every kind a real cluster has', () => {
      const total = store.count();
      expect(total).toBeGreaterThan(N * 0.97);
      expect(total).toBeLessThan(N * 1.05);
      const pods = store.count('Pod');
      expect(pods / total).toBeGreaterThan(0.57);
      expect(pods / total).toBeLessThan(0.72);
      for (const kind of ['Namespace', 'Node', 'Pod', 'Service', 'ConfigMap', 'Secret', 'ServiceAccount', 'PersistentVolumeClaim', 'PersistentVolume', 'Event', 'discovery.k8s.io/EndpointSlice', 'storage.k8s.io/StorageClass', 'apps/Deployment', 'apps/ReplicaSet', 'apps/StatefulSet', 'apps/DaemonSet', 'batch/Job', 'batch/CronJob', 'networking.k8s.io/Ingress', 'networking.k8s.io/NetworkPolicy', 'autoscaling/HorizontalPodAutoscaler', 'policy/PodDisruptionBudget', 'rbac.authorization.k8s.io/Role', 'rbac.authorization.k8s.io/RoleBinding', 'rbac.authorization.k8s.io/ClusterRole', 'rbac.authorization.k8s.io/ClusterRoleBinding']) {
        expect(list(kind).length, kind).toBeGreaterThan(0);
      }
      // ~1 node per 30 pods
      expect(pods / list('Node').length).toBeGreaterThan(20);
      expect(pods / list('Node').length).toBeLessThan(40);
      console.info(`seeded ${total} objects (${pods} pods, ${list('Node').length} nodes) in ${Math.round(seedCpuMs)} ms CPU`);
    });

    it('pods are 3-5 KB of JSON with managedFields, shaped like the captured ones', () => {
      const sizes = list('Pod').map((p) => JSON.stringify(p).length).sort((a, b) => a - b);
      const median = sizes[sizes.length >> 1];
      console.info(`pod JSON bytes: p10 ${sizes[Math.floor(sizes.length * 0.1)]} median ${median} p90 ${sizes[Math.floor(sizes.length * 0.9)]} max ${sizes[sizes.length - 1]}`);
      expect(median).toBeGreaterThanOrEqual(3 * 1024);
      expect(median).toBeLessThanOrEqual(5 * 1024);
      expect(sizes.filter((s) => s <= 7 * 1024).length / sizes.length).toBeGreaterThan(0.95);
      const real = fixture('pod-runner') as Obj;
      const running = list('Pod').find((p) => (p as Obj).status.phase === 'Running' && p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet') as Obj;
      expect(Object.keys(running.spec)).toEqual(expect.arrayContaining(Object.keys(real.spec)));
      expect(Object.keys(running.status)).toEqual(expect.arrayContaining(Object.keys(real.status)));
      expect(Object.keys(running.status.containerStatuses[0])).toEqual(expect.arrayContaining(Object.keys(real.status.containerStatuses[0])));
      expect(running.status.conditions.map((c: Obj) => c.type)).toEqual(real.status.conditions.map((c: Obj) => c.type));
      const managers = running.metadata.managedFields.map((m: Obj) => `${m.manager}/${m.subresource ?? ''}`);
      expect(managers).toEqual(['kube-controller-manager/', 'kubelet/status']);
      const kcm = running.metadata.managedFields[0].fieldsV1;
      expect(Object.keys(kcm['f:metadata']['f:ownerReferences'])).toContain(`k:{"uid":"${running.metadata.ownerReferences[0].uid}"}`);
      expect(running.metadata.managedFields[1].fieldsV1['f:status']['f:podIPs']).toHaveProperty([`k:{"ip":"${running.status.podIP}"}`]);
    });

    it('user-applied objects carry last-applied-configuration and a client-side-apply field manager', () => {
      for (const kind of ['apps/Deployment', 'Service', 'ConfigMap']) {
        const applied = list(kind).filter((o) => o.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']);
        expect(applied.length, kind).toBeGreaterThan(list(kind).length * (kind === 'ConfigMap' ? 0.3 : 0.8));
        const o = applied[0];
        const doc = JSON.parse(o.metadata.annotations!['kubectl.kubernetes.io/last-applied-configuration']);
        expect(doc.metadata.name).toBe(o.metadata.name);
        expect(doc.kind).toBe(o.kind);
        expect((o.metadata.managedFields as Obj[]).some((m) => m.manager === 'kubectl-client-side-apply')).toBe(true);
      }
    });

    it('every owner reference resolves, and ReplicaSets are named after their pod-template-hash', () => {
      let checked = 0;
      for (const [kind, items] of all) {
        for (const o of items) {
          for (const ref of o.metadata.ownerReferences ?? []) {
            const owner = byUid.get(ref.uid);
            expect(owner, `${kind} ${o.metadata.namespace}/${o.metadata.name} -> ${ref.kind} ${ref.name}`).toBeDefined();
            expect(owner!.kind).toBe(ref.kind);
            expect(owner!.obj.metadata.name).toBe(ref.name);
            if (ref.kind !== 'Node') expect(owner!.obj.metadata.namespace).toBe(o.metadata.namespace);
            checked++;
          }
        }
      }
      expect(checked).toBeGreaterThan(store.count('Pod'));
      for (const rs of list('apps/ReplicaSet') as Obj[]) {
        const hash = rs.metadata.labels['pod-template-hash'];
        const owner = rs.metadata.ownerReferences[0];
        expect(rs.metadata.name).toBe(`${owner.name}-${hash}`);
      }
      const byOwner = new Map<string, Obj[]>();
      for (const o of [...list('apps/ReplicaSet'), ...list('Pod')] as Obj[]) {
        const uid = o.metadata.ownerReferences?.[0]?.uid;
        if (uid) byOwner.set(uid, [...(byOwner.get(uid) ?? []), o]);
      }
      for (const d of list('apps/Deployment') as Obj[]) {
        const mine = byOwner.get(d.metadata.uid) ?? [];
        const current = mine.filter((rs) => rs.metadata.labels['pod-template-hash'] === podTemplateHash(d.spec.template));
        expect(current, d.metadata.name).toHaveLength(1);
        expect(current[0].spec.replicas).toBe(d.spec.replicas);
        for (const old of mine) if (old !== current[0]) expect(old.spec.replicas).toBe(0);
        const pods = byOwner.get(current[0].metadata.uid) ?? [];
        expect(pods.length).toBe(d.spec.replicas);
        for (const p of pods) expect(p.metadata.labels['pod-template-hash']).toBe(current[0].metadata.labels['pod-template-hash']);
      }
    });

    it('everything a pod references exists: config, secrets, claims, service account, pull secrets, node', () => {
      const nodes = new Set(list('Node').map((n) => n.metadata.name));
      let refs = 0;
      const exists = (kind: string, ns: string, name: string) => {
        refs++;
        expect(get(kind, ns, name), `${kind} ${ns}/${name}`).toBeDefined();
      };
      for (const p of list('Pod') as Obj[]) {
        const ns = p.metadata.namespace;
        const spec = p.spec;
        exists('ServiceAccount', ns, spec.serviceAccountName);
        for (const s of spec.imagePullSecrets ?? []) exists('Secret', ns, s.name);
        if (spec.nodeName) expect(nodes.has(spec.nodeName)).toBe(true);
        for (const v of spec.volumes ?? []) {
          if (v.configMap) exists('ConfigMap', ns, v.configMap.name);
          if (v.secret) exists('Secret', ns, v.secret.secretName);
          if (v.persistentVolumeClaim) exists('PersistentVolumeClaim', ns, v.persistentVolumeClaim.claimName);
          for (const src of v.projected?.sources ?? []) if (src.configMap) exists('ConfigMap', ns, src.configMap.name);
        }
        for (const c of spec.containers) {
          for (const e of c.envFrom ?? []) {
            if (e.configMapRef) exists('ConfigMap', ns, e.configMapRef.name);
            if (e.secretRef) exists('Secret', ns, e.secretRef.name);
          }
          for (const e of c.env ?? []) {
            if (e.valueFrom?.configMapKeyRef) expect((get('ConfigMap', ns, e.valueFrom.configMapKeyRef.name) as Obj).data).toHaveProperty([e.valueFrom.configMapKeyRef.key]);
            if (e.valueFrom?.secretKeyRef) expect((get('Secret', ns, e.valueFrom.secretKeyRef.name) as Obj).data).toHaveProperty([e.valueFrom.secretKeyRef.key]);
          }
        }
      }
      expect(refs).toBeGreaterThan(store.count('Pod') * 2);
      // Every namespace publishes the same cluster CA bundle.
      const ca = (get('ConfigMap', 'kube-system', 'kube-root-ca.crt') as Obj).data['ca.crt'];
      for (const ns of list('Namespace')) expect((get('ConfigMap', ns.metadata.name, 'kube-root-ca.crt') as Obj).data['ca.crt'], ns.metadata.name).toBe(ca);
    });

    it('services select pods and their EndpointSlices point at those pods', () => {
      const pods = list('Pod') as Obj[];
      const podsByNs = new Map<string, Obj[]>();
      for (const p of pods) podsByNs.set(p.metadata.namespace, [...(podsByNs.get(p.metadata.namespace) ?? []), p]);
      let withSelector = 0;
      let withoutSelector = 0;
      for (const svc of list('Service') as Obj[]) {
        if (!svc.spec.selector) {
          withoutSelector++;
          continue;
        }
        withSelector++;
        const sel = selectorFromMap(svc.spec.selector);
        expect((podsByNs.get(svc.metadata.namespace) ?? []).some((p) => sel.matches(p.metadata.labels)), `${svc.metadata.namespace}/${svc.metadata.name}`).toBe(true);
      }
      expect(withSelector).toBeGreaterThan(100);
      expect(withoutSelector).toBeGreaterThan(1);
      let endpoints = 0;
      for (const slice of list('discovery.k8s.io/EndpointSlice') as Obj[]) {
        const svcName = slice.metadata.labels['kubernetes.io/service-name'];
        const svc = get('Service', slice.metadata.namespace, svcName) as Obj;
        expect(svc, `${slice.metadata.namespace}/${svcName}`).toBeDefined();
        if (slice.metadata.labels['endpointslice.kubernetes.io/managed-by'] !== 'endpointslice-controller.k8s.io') continue;
        expect(slice.metadata.ownerReferences[0].uid).toBe(svc.metadata.uid);
        const sel = selectorFromMap(svc.spec.selector);
        for (const ep of slice.endpoints ?? []) {
          const pod = get('Pod', ep.targetRef.namespace, ep.targetRef.name) as Obj;
          expect(pod, ep.targetRef.name).toBeDefined();
          expect(pod.metadata.uid).toBe(ep.targetRef.uid);
          expect(ep.addresses).toEqual([pod.status.podIP]);
          expect(ep.nodeName).toBe(pod.spec.nodeName);
          expect(sel.matches(pod.metadata.labels)).toBe(true);
          expect(ep.conditions.ready).toBe(pod.status.conditions.some((c: Obj) => c.type === 'Ready' && c.status === 'True'));
          endpoints++;
        }
      }
      expect(endpoints).toBeGreaterThan(store.count('Pod') * 0.3);
    });

    it('claims and volumes are bound to each other; ingresses, autoscalers, budgets and policies target real objects', () => {
      for (const pvc of list('PersistentVolumeClaim') as Obj[]) {
        const pv = get('PersistentVolume', undefined, pvc.spec.volumeName) as Obj;
        expect(pv, pvc.spec.volumeName).toBeDefined();
        expect(pv.spec.claimRef).toMatchObject({ kind: 'PersistentVolumeClaim', namespace: pvc.metadata.namespace, name: pvc.metadata.name, uid: pvc.metadata.uid });
        expect(pv.status.phase).toBe('Bound');
        expect(pvc.status.phase).toBe('Bound');
        expect(get('storage.k8s.io/StorageClass', undefined, pvc.spec.storageClassName)).toBeDefined();
      }
      expect(list('PersistentVolume').length).toBe(list('PersistentVolumeClaim').length);
      for (const ing of list('networking.k8s.io/Ingress') as Obj[]) {
        const backends = [ing.spec.defaultBackend, ...ing.spec.rules.flatMap((r: Obj) => r.http.paths.map((p: Obj) => p.backend))].filter(Boolean);
        for (const b of backends) expect(get('Service', ing.metadata.namespace, b.service.name)).toBeDefined();
        for (const t of ing.spec.tls ?? []) expect(get('Secret', ing.metadata.namespace, t.secretName)).toBeDefined();
      }
      for (const hpa of list('autoscaling/HorizontalPodAutoscaler') as Obj[]) expect(get('apps/Deployment', hpa.metadata.namespace, hpa.spec.scaleTargetRef.name)).toBeDefined();
      const pods = list('Pod') as Obj[];
      for (const pdb of list('policy/PodDisruptionBudget') as Obj[]) {
        const sel = selectorFromObject(pdb.spec.selector);
        expect(pods.filter((p) => p.metadata.namespace === pdb.metadata.namespace && sel.matches(p.metadata.labels)).length).toBe(pdb.status.expectedPods);
      }
      for (const np of list('networking.k8s.io/NetworkPolicy') as Obj[]) {
        const sel = selectorFromObject(np.spec.podSelector);
        expect(pods.some((p) => p.metadata.namespace === np.metadata.namespace && sel.matches(p.metadata.labels)), np.metadata.name).toBe(true);
      }
      for (const rb of list('rbac.authorization.k8s.io/RoleBinding') as Obj[]) {
        expect(get(rb.roleRef.kind === 'Role' ? 'rbac.authorization.k8s.io/Role' : 'rbac.authorization.k8s.io/ClusterRole', rb.roleRef.kind === 'Role' ? rb.metadata.namespace : undefined, rb.roleRef.name)).toBeDefined();
        for (const s of rb.subjects) if (s.kind === 'ServiceAccount') expect(get('ServiceAccount', s.namespace, s.name)).toBeDefined();
      }
      for (const ev of list('Event') as Obj[]) {
        const target = byUid.get(ev.involvedObject.uid);
        expect(target, `${ev.metadata.name} -> ${ev.involvedObject.kind} ${ev.involvedObject.name}`).toBeDefined();
        expect(target!.obj.metadata.name).toBe(ev.involvedObject.name);
      }
    });

    it('has the share of trouble real clusters have', () => {
      const pods = list('Pod') as Obj[];
      const pending = pods.filter((p) => p.status.phase === 'Pending' && !p.spec.nodeName);
      const crashLooping = pods.filter((p) => p.status.containerStatuses?.some((c: Obj) => c.state?.waiting?.reason === 'CrashLoopBackOff' && c.restartCount > 0));
      const succeeded = pods.filter((p) => p.status.phase === 'Succeeded');
      const failed = pods.filter((p) => p.status.phase === 'Failed');
      const notReadyNodes = (list('Node') as Obj[]).filter((n) => n.status.conditions.find((c: Obj) => c.type === 'Ready').status !== 'True');
      for (const [what, items, max] of [['pending', pending, 0.05], ['crash looping', crashLooping, 0.04], ['succeeded', succeeded, 0.1], ['failed', failed, 0.02]] as const) {
        expect(items.length, what).toBeGreaterThan(0);
        expect(items.length / pods.length, what).toBeLessThan(max);
      }
      expect(notReadyNodes.length).toBeGreaterThan(0);
      expect(notReadyNodes.length / list('Node').length).toBeLessThan(0.1);
      const reasons = new Set((list('Event') as Obj[]).map((e) => e.reason));
      for (const r of ['Scheduled', 'Pulled', 'Started', 'BackOff', 'FailedScheduling', 'ScalingReplicaSet']) expect(reasons, r).toContain(r);
    });
  });

  it('generates 10k objects in under 2 s of CPU', () => {
    const nodes: KubeObject[] = [];
    generateBootstrap({ clusterName: 'sim-1', seed: 5, now: NOW, hasKind: () => true, emit: (k, o) => k === 'Node' && nodes.push(o) });
    generateWorkload({ clusterName: 'sim-1', seed: 5, objects: 2000, now: NOW }, { nodes, hasKind: () => true }, () => {}); // warm-up
    const cpu0 = process.cpuUsage();
    let bytes = 0;
    let n = 0;
    generateWorkload({ clusterName: 'sim-1', seed: 5, objects: 10_000, now: NOW }, { nodes, hasKind: () => true }, (_k, o) => {
      n++;
      if (n % 50 === 0) bytes += JSON.stringify(o).length;
    });
    const cpu = process.cpuUsage(cpu0);
    const ms = (cpu.user + cpu.system) / 1000;
    console.info(`generated ${n} objects (~${Math.round((bytes * 50) / 1e6)} MB of JSON) in ${Math.round(ms)} ms CPU`);
    expect(n).toBeGreaterThanOrEqual(10_000);
    expect(ms).toBeLessThan(2000);
  });
});

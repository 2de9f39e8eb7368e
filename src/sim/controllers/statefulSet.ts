import type { KubeObject } from '../../kube/types.js';
import { controllerRef } from '../workload/context.js';
import { podTemplateHash } from '../workload/podTemplateHash.js';
import { buildBoundVolume } from '../workload/storage.js';
import { statefulSetStatus } from '../workload/workloads.js';
import { keyOf, type Labels } from './clusterIndex.js';
import { involvedOf, sameJson, type Controller, type ControllerContext } from './context.js';
import { createPod, deletePod, isActive, MANAGER, type PodTemplateLike } from './podFactory.js';

interface ClaimTemplate {
  metadata?: { name?: string; labels?: Labels };
  spec?: { storageClassName?: string; resources?: { requests?: { storage?: string } } };
}

/**
 * StatefulSets: pods `<name>-<ordinal>` created in order (OrderedReady: the
 * next one once the previous is Ready; Parallel: all at once), removed from
 * the highest ordinal down; one PersistentVolumeClaim per claim template and
 * ordinal, provisioned and bound to a new PersistentVolume (kept on scale-down,
 * as the default Retain policy does).
 */
export function statefulSetController(ctx: ControllerContext): Controller {
  const { store, index } = ctx;

  const ensureClaims = (sts: KubeObject, ordinal: number, ns: string, nodeZone: string): void => {
    const templates = ((sts.spec as { volumeClaimTemplates?: ClaimTemplate[] } | undefined)?.volumeClaimTemplates ?? []);
    for (const t of templates) {
      const claimName = `${t.metadata?.name ?? 'data'}-${sts.metadata.name}-${ordinal}`;
      if (store.get('PersistentVolumeClaim', ns, claimName)) continue;
      const claimUid = ctx.rng.uuid();
      const { pvc, pv } = buildBoundVolume({
        namespace: ns,
        claimName,
        claimUid,
        pvName: `pvc-${claimUid}`,
        pvUid: ctx.rng.uuid(),
        created: Date.now(),
        storage: t.spec?.resources?.requests?.storage ?? '1Gi',
        storageClassName: t.spec?.storageClassName ?? 'standard-rwo',
        labels: (sts.spec as { selector?: { matchLabels?: Labels } }).selector?.matchLabels,
        zone: nodeZone,
        nodeName: '',
      });
      delete pvc.metadata.managedFields;
      delete pv.metadata.managedFields;
      store.create('PersistentVolumeClaim', pvc, MANAGER);
      store.create('PersistentVolume', pv, 'csi-provisioner');
    }
  };

  const reconcile = (ns: string, name: string): void => {
    const sts = store.get('apps/StatefulSet', ns, name);
    if (!sts || sts.metadata.deletionTimestamp) return;
    const uid = sts.metadata.uid ?? '';
    const spec = (sts.spec ?? {}) as { replicas?: number; template?: PodTemplateLike; serviceName?: string; podManagementPolicy?: string };
    const desired = spec.replicas ?? 1;
    const parallel = spec.podManagementPolicy === 'Parallel';
    const pods = index.podsOf(uid);
    const byOrdinal = new Map<number, (typeof pods)[number]>();
    for (const p of pods) {
      const m = /-(\d+)$/.exec(p.name);
      if (m && p.name === `${name}-${m[1]}`) byOrdinal.set(Number(m[1]), p);
    }
    const revision = `${name}-${spec.template ? podTemplateHash(spec.template).slice(0, 10) : '0'}`;
    const zones = [...index.nodes.values()].map((n) => n.zone).filter(Boolean);
    if (spec.template && !index.terminatingNamespaces.has(ns)) {
      for (let i = 0; i < desired; i++) {
        const p = byOrdinal.get(i);
        if (p) {
          if (!parallel && (!p.ready || p.deleting)) break;
          continue;
        }
        ensureClaims(sts, i, ns, zones[i % Math.max(1, zones.length)] ?? '');
        const podName = `${name}-${i}`;
        const volumes = [
          ...(((spec.template.spec?.volumes as unknown[] | undefined) ?? [])),
          ...(((sts.spec as { volumeClaimTemplates?: ClaimTemplate[] }).volumeClaimTemplates ?? []).map((t) => ({ name: t.metadata?.name ?? 'data', persistentVolumeClaim: { claimName: `${t.metadata?.name ?? 'data'}-${podName}` } }))),
        ];
        const pod = createPod(store, ctx.rng, {
          namespace: ns,
          name: podName,
          generateName: `${name}-`,
          template: spec.template,
          owner: controllerRef('apps/v1', 'StatefulSet', name, uid),
          extraLabels: { 'apps.kubernetes.io/pod-index': String(i), 'controller-revision-hash': revision, 'statefulset.kubernetes.io/pod-name': podName },
          specExtras: { ...(volumes.length ? { volumes } : {}), hostname: podName, ...(spec.serviceName ? { subdomain: spec.serviceName } : {}) },
        });
        if (pod) ctx.recorder.record({ involved: involvedOf(sts), reason: 'SuccessfulCreate', message: `create Pod ${podName} in StatefulSet ${name} successful`, component: 'statefulset-controller' });
        if (!parallel) break;
      }
    }
    // Scale down from the highest ordinal.
    const extra = [...byOrdinal.entries()].filter(([i, p]) => i >= desired && isActive(p)).sort((a, b) => b[0] - a[0]);
    for (const [, p] of parallel ? extra : extra.slice(0, 1)) {
      deletePod(store, ns, p.name);
      ctx.recorder.record({ involved: involvedOf(sts), reason: 'SuccessfulDelete', message: `delete Pod ${p.name} in StatefulSet ${name} successful`, component: 'statefulset-controller' });
    }
    const active = index.podsOf(uid).filter(isActive);
    const status = statefulSetStatus((sts.metadata.generation as number | undefined) ?? 1, { replicas: active.length, ready: active.filter((p) => p.ready).length }, revision);
    if (!sameJson(status, sts.status)) store.mutate('apps/StatefulSet', ns, name, (o) => (o.status = status), MANAGER);
  };

  const enqueue = (ns: string, name: string): void => ctx.queue.enqueue(`sts|${keyOf(ns, name)}`, () => reconcile(ns, name));

  return (ch, prevPod) => {
    const k = ch.kind;
    if (k.group === 'apps' && k.kind === 'StatefulSet') {
      if (ch.type !== 'DELETED') enqueue(ch.object.metadata.namespace ?? '', ch.object.metadata.name ?? '');
      return;
    }
    if (k.group === '' && k.kind === 'Pod') {
      const uid = ch.object.metadata.ownerReferences?.find((r) => r.controller)?.uid ?? prevPod?.ownerUid;
      const owner = uid ? index.owners.get(uid) : undefined;
      if (owner?.kind === 'apps/StatefulSet') enqueue(owner.namespace, owner.name);
    }
  };
}

import type { KubeObject } from '../../kube/types.js';
import { selectorFromObject, type LabelSelectorObject } from '../../kube/labelSelector.js';
import { controllerRef } from '../workload/context.js';
import { replicaSetStatus } from '../workload/workloads.js';
import { keyOf, type PodInfo } from './clusterIndex.js';
import { involvedOf, sameJson, type Controller, type ControllerContext } from './context.js';
import { createPod, deletePod, isActive, MANAGER, type PodTemplateLike } from './podFactory.js';

/** Most pods a single reconcile creates (the rest follow on the next round, like the real slow-start batches). */
const MAX_BURST = 500;

/** Deletion preference of the real ReplicaSet controller: unscheduled, then pending, then not ready, then newest. */
function deletionRank(p: PodInfo): number {
  if (!p.nodeName) return 0;
  if (p.phase === 'Pending') return 1;
  if (!p.ready) return 2;
  return 3;
}

/** Pods follow spec.replicas; status reports what exists and is ready. */
export function replicaSetController(ctx: ControllerContext): Controller {
  const { store, index } = ctx;

  const reconcile = (ns: string, name: string): void => {
    const rs = store.get('apps/ReplicaSet', ns, name);
    if (!rs || rs.metadata.deletionTimestamp) return;
    const uid = rs.metadata.uid ?? '';
    const spec = (rs.spec ?? {}) as { replicas?: number; template?: PodTemplateLike; selector?: LabelSelectorObject };
    const desired = spec.replicas ?? 1;
    // Pods relabelled out of the selector are released (their ownerReference removed), as the real controller does.
    const selector = selectorFromObject(spec.selector ?? {});
    for (const p of index.podsOf(uid)) {
      if (selector.matches(p.labels)) continue;
      store.mutate('Pod', ns, p.name, (o) => {
        o.metadata.ownerReferences = (o.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
        if (!o.metadata.ownerReferences.length) delete o.metadata.ownerReferences;
      }, MANAGER);
    }
    const active = index.podsOf(uid).filter(isActive);
    const diff = desired - active.length;
    if (diff > 0 && spec.template && !index.terminatingNamespaces.has(ns)) {
      const owner = controllerRef('apps/v1', 'ReplicaSet', name, uid);
      for (let i = 0; i < Math.min(diff, MAX_BURST); i++) {
        const pod = createPod(store, ctx.rng, { namespace: ns, generateName: `${name}-`, template: spec.template, owner });
        if (pod) ctx.recorder.record({ involved: involvedOf(rs), reason: 'SuccessfulCreate', message: `Created pod: ${pod.metadata.name}`, component: 'replicaset-controller' });
      }
      if (diff > MAX_BURST) enqueue(ns, name);
    } else if (diff < 0) {
      const victims = [...active].sort((a, b) => deletionRank(a) - deletionRank(b) || (a.name < b.name ? 1 : -1)).slice(0, -diff);
      for (const p of victims) {
        deletePod(store, ns, p.name);
        ctx.recorder.record({ involved: involvedOf(rs), reason: 'SuccessfulDelete', message: `Deleted pod: ${p.name}`, component: 'replicaset-controller' });
      }
    }
    writeStatus(rs, ns, name);
  };

  const writeStatus = (rs: KubeObject, ns: string, name: string): void => {
    const pods = index.podsOf(rs.metadata.uid ?? '').filter(isActive);
    const status = replicaSetStatus((rs.metadata.generation as number | undefined) ?? 1, { replicas: pods.length, ready: pods.filter((p) => p.ready).length });
    if (sameJson(status, rs.status)) return;
    store.mutate('apps/ReplicaSet', ns, name, (o) => (o.status = status), MANAGER);
  };

  const enqueue = (ns: string, name: string): void => ctx.queue.enqueue(`rs|${keyOf(ns, name)}`, () => reconcile(ns, name));

  return (ch, prevPod) => {
    const k = ch.kind;
    if (k.group === 'apps' && k.kind === 'ReplicaSet') {
      if (ch.type !== 'DELETED') enqueue(ch.object.metadata.namespace ?? '', ch.object.metadata.name ?? '');
      return;
    }
    if (k.group === '' && k.kind === 'Pod') {
      for (const uid of new Set([prevPod?.ownerUid, ch.object.metadata.ownerReferences?.find((r) => r.controller)?.uid])) {
        if (!uid) continue;
        const owner = index.owners.get(uid);
        if (owner?.kind === 'apps/ReplicaSet') enqueue(owner.namespace, owner.name);
      }
    }
  };
}

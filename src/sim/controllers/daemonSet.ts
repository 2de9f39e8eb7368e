import { controllerRef } from '../workload/context.js';
import { daemonRevisionHash } from '../workload/daemons.js';
import type { PodTemplate } from '../workload/pods.js';
import { daemonSetStatus } from '../workload/workloads.js';
import { keyOf, type PodInfo } from './clusterIndex.js';
import { involvedOf, sameJson, type Controller, type ControllerContext } from './context.js';
import { createPod, deletePod, isActive, MANAGER, type PodTemplateLike } from './podFactory.js';

/** DaemonSets: one pod per node (pinned by node affinity), removed when the node goes. */
export function daemonSetController(ctx: ControllerContext): Controller {
  const { store, index } = ctx;

  const reconcile = (ns: string, name: string): void => {
    const ds = store.get('apps/DaemonSet', ns, name);
    if (!ds || ds.metadata.deletionTimestamp) return;
    const uid = ds.metadata.uid ?? '';
    const template = (ds.spec as { template?: PodTemplateLike } | undefined)?.template;
    const byNode = new Map<string, PodInfo>();
    const orphans: PodInfo[] = [];
    for (const p of index.podsOf(uid)) {
      if (!isActive(p)) continue;
      if (p.nodeName && index.nodes.has(p.nodeName) && !byNode.has(p.nodeName)) byNode.set(p.nodeName, p);
      else if (p.nodeName) orphans.push(p);
    }
    if (template && !index.terminatingNamespaces.has(ns)) {
      const hash = daemonRevisionHash(template as PodTemplate);
      for (const node of index.nodes.values()) {
        if (byNode.has(node.name)) continue;
        const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node.name] }] }] } } };
        const pod = createPod(store, ctx.rng, {
          namespace: ns,
          generateName: `${name}-`,
          template,
          owner: controllerRef('apps/v1', 'DaemonSet', name, uid),
          extraLabels: { 'controller-revision-hash': hash, 'pod-template-generation': String(ds.metadata.generation ?? 1) },
          specExtras: { affinity },
        });
        if (pod) ctx.recorder.record({ involved: involvedOf(ds), reason: 'SuccessfulCreate', message: `Created pod: ${pod.metadata.name}`, component: 'daemonset-controller' });
      }
    }
    for (const p of orphans) deletePod(store, ns, p.name);
    const active = index.podsOf(uid).filter((p) => isActive(p) && p.nodeName && index.nodes.has(p.nodeName));
    const status = daemonSetStatus((ds.metadata.generation as number | undefined) ?? 1, index.nodes.size, { replicas: active.length, ready: active.filter((p) => p.ready).length });
    if (!sameJson(status, ds.status)) store.mutate('apps/DaemonSet', ns, name, (o) => (o.status = status), MANAGER);
  };

  const enqueue = (ns: string, name: string): void => ctx.queue.enqueue(`ds|${keyOf(ns, name)}`, () => reconcile(ns, name));
  const enqueueAll = (): void => {
    for (const o of index.owners.values()) if (o.kind === 'apps/DaemonSet') enqueue(o.namespace, o.name);
  };

  return (ch, prevPod) => {
    const k = ch.kind;
    if (k.group === 'apps' && k.kind === 'DaemonSet') {
      if (ch.type !== 'DELETED') enqueue(ch.object.metadata.namespace ?? '', ch.object.metadata.name ?? '');
      return;
    }
    if (k.group === '' && k.kind === 'Node') {
      if (ch.type !== 'MODIFIED') enqueueAll();
      return;
    }
    if (k.group === '' && k.kind === 'Pod') {
      const uid = ch.object.metadata.ownerReferences?.find((r) => r.controller)?.uid ?? prevPod?.ownerUid;
      const owner = uid ? index.owners.get(uid) : undefined;
      if (owner?.kind === 'apps/DaemonSet') enqueue(owner.namespace, owner.name);
    }
  };
}

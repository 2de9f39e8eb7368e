import type { KubeObject } from '../../kube/types.js';
import { isSimApiError } from '../errors.js';
import { controllerRef } from '../workload/context.js';
import { podTemplateHash } from '../workload/podTemplateHash.js';
import { isoSeconds } from '../workload/time.js';
import { deploymentStatus, replicaSetAnnotations } from '../workload/workloads.js';
import { keyOf, type Labels } from './clusterIndex.js';
import { involvedOf, keepConditionTimes, sameJson, type Controller, type ControllerContext } from './context.js';
import { MANAGER, type PodTemplateLike } from './podFactory.js';

const REVISION = 'deployment.kubernetes.io/revision';

interface RsState {
  obj: KubeObject;
  name: string;
  replicas: number;
  ready: number;
  statusReplicas: number;
  revision: number;
  hash: string | undefined;
}

/**
 * Deployments: one ReplicaSet per pod template (named by its
 * pod-template-hash), the newest scaled to spec.replicas, older ones scaled
 * down as the new pods become ready (RollingUpdate) or at once (Recreate);
 * history trimmed to revisionHistoryLimit; status summed from the ReplicaSets.
 */
export function deploymentController(ctx: ControllerContext): Controller {
  const { store, index } = ctx;

  const scale = (d: KubeObject, rs: RsState, replicas: number, desired: number): void => {
    if (rs.replicas === replicas) return;
    const up = replicas > rs.replicas;
    store.mutate('apps/ReplicaSet', rs.obj.metadata.namespace, rs.name, (o) => {
      (o.spec as { replicas: number }).replicas = replicas;
      o.metadata.annotations = { ...(o.metadata.annotations ?? {}), 'deployment.kubernetes.io/desired-replicas': String(desired), 'deployment.kubernetes.io/max-replicas': String(desired + Math.ceil(desired * 0.25)) };
    }, MANAGER);
    ctx.recorder.record({ involved: involvedOf(d), reason: 'ScalingReplicaSet', message: `Scaled ${up ? 'up' : 'down'} replica set ${rs.name} to ${replicas} from ${rs.replicas}`, component: 'deployment-controller' });
    rs.replicas = replicas;
  };

  const reconcile = (ns: string, name: string): void => {
    const d = store.get('apps/Deployment', ns, name);
    if (!d || d.metadata.deletionTimestamp) return;
    const uid = d.metadata.uid ?? '';
    const spec = (d.spec ?? {}) as { replicas?: number; template?: PodTemplateLike; selector?: { matchLabels?: Labels }; strategy?: { type?: string }; revisionHistoryLimit?: number; paused?: boolean };
    if (!spec.template) return;
    const desired = spec.replicas ?? 1;
    const hash = podTemplateHash(spec.template);
    const rss: RsState[] = [];
    for (const ck of index.controllersOf(uid)) {
      if (!ck.startsWith('apps/ReplicaSet|')) continue;
      const key = ck.slice('apps/ReplicaSet|'.length);
      const rsName = key.slice(key.indexOf('/') + 1);
      const obj = store.get('apps/ReplicaSet', ns, rsName);
      if (!obj) continue;
      const st = (obj.status ?? {}) as { replicas?: number; readyReplicas?: number };
      rss.push({
        obj,
        name: rsName,
        replicas: (obj.spec as { replicas?: number } | undefined)?.replicas ?? 0,
        ready: st.readyReplicas ?? 0,
        statusReplicas: st.replicas ?? 0,
        revision: Number(obj.metadata.annotations?.[REVISION] ?? 0),
        hash: obj.metadata.labels?.['pod-template-hash'],
      });
    }
    if (spec.paused) return writeStatus(d, rss, undefined, desired);
    let newRs = rss.find((r) => r.hash === hash);
    const olds = rss.filter((r) => r !== newRs).sort((a, b) => b.revision - a.revision);
    const maxRevision = rss.reduce((m, r) => Math.max(m, r.revision), 0);
    const recreate = spec.strategy?.type === 'Recreate';
    const oldActive = olds.reduce((n, r) => n + r.statusReplicas, 0);

    if (!newRs) {
      const revision = maxRevision + 1;
      const rsName = `${name}-${hash}`;
      const labels = { ...(spec.template.metadata?.labels ?? {}), 'pod-template-hash': hash };
      const replicas = recreate && oldActive > 0 ? 0 : desired;
      const rs: KubeObject = {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: { name: rsName, namespace: ns, uid: ctx.rng.uuid(), labels, annotations: replicaSetAnnotations(desired, revision), ownerReferences: [controllerRef('apps/v1', 'Deployment', name, uid)] },
        spec: {
          replicas,
          selector: { matchLabels: { ...(spec.selector?.matchLabels ?? {}), 'pod-template-hash': hash } },
          template: { metadata: { ...(spec.template.metadata ?? {}), labels }, spec: spec.template.spec },
        },
      };
      try {
        const created = store.create('apps/ReplicaSet', rs, MANAGER);
        newRs = { obj: created, name: rsName, replicas, ready: 0, statusReplicas: 0, revision, hash };
        rss.push(newRs);
        ctx.recorder.record({ involved: involvedOf(d), reason: 'ScalingReplicaSet', message: `Scaled up replica set ${rsName} to ${replicas}`, component: 'deployment-controller' });
      } catch (e) {
        // A ReplicaSet of that name that is not ours (hash collision): leave it; a real controller bumps collisionCount.
        if (!isSimApiError(e) || e.code !== 409) throw e;
        return;
      }
    } else {
      const target = recreate && oldActive > 0 ? 0 : desired;
      scale(d, newRs, target, desired);
    }

    // Old ReplicaSets give way: at once (Recreate) or as new pods become ready (RollingUpdate).
    let allowedOld = recreate ? 0 : Math.max(0, desired - newRs.ready);
    for (const r of olds) {
      const target = Math.min(r.replicas, allowedOld);
      allowedOld -= target;
      scale(d, r, target, desired);
    }

    // Keep the revision history bounded.
    const limit = spec.revisionHistoryLimit ?? 10;
    const idle = olds.filter((r) => r.replicas === 0 && r.statusReplicas === 0);
    for (const r of idle.slice(limit)) store.delete('apps/ReplicaSet', ns, r.name);

    writeStatus(d, rss, newRs, desired);
  };

  const writeStatus = (d: KubeObject, rss: RsState[], newRs: RsState | undefined, desired: number): void => {
    const counts = { replicas: 0, ready: 0, updated: newRs?.statusReplicas ?? 0 };
    for (const r of rss) {
      counts.replicas += r.statusReplicas;
      counts.ready += r.ready;
    }
    const generation = (d.metadata.generation as number | undefined) ?? 1;
    const prevProgress = ((d.status as { conditions?: Array<{ type: string; reason?: string; message?: string }> } | undefined)?.conditions ?? []).find((c) => c.type === 'Progressing');
    const rolledOut = !!newRs && prevProgress?.reason === 'NewReplicaSetAvailable' && !!prevProgress.message?.includes(`"${newRs.name}"`);
    const status = deploymentStatus({ generation, desired, counts, newRsName: newRs?.name ?? '', at: isoSeconds(Date.now()), rolledOut });
    keepConditionTimes((d.status as { conditions?: unknown } | undefined)?.conditions, status.conditions);
    const revision = newRs ? String(newRs.revision) : d.metadata.annotations?.[REVISION];
    if (sameJson(status, d.status) && d.metadata.annotations?.[REVISION] === revision) return;
    store.mutate('apps/Deployment', d.metadata.namespace, d.metadata.name ?? '', (o) => {
      o.status = status;
      if (revision) o.metadata.annotations = { ...(o.metadata.annotations ?? {}), [REVISION]: revision };
    }, MANAGER);
  };

  const enqueue = (ns: string, name: string): void => ctx.queue.enqueue(`deploy|${keyOf(ns, name)}`, () => reconcile(ns, name));

  return (ch) => {
    const k = ch.kind;
    if (k.group !== 'apps') return;
    if (k.kind === 'Deployment') {
      if (ch.type !== 'DELETED') enqueue(ch.object.metadata.namespace ?? '', ch.object.metadata.name ?? '');
    } else if (k.kind === 'ReplicaSet') {
      const uid = ch.object.metadata.ownerReferences?.find((r) => r.controller && r.kind === 'Deployment')?.uid;
      const owner = uid ? index.owners.get(uid) : undefined;
      if (owner) enqueue(owner.namespace, owner.name);
    }
  };
}

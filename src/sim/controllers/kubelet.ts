import type { KubeObject } from '../../kube/types.js';
import { podStatus, type PodState } from '../workload/pods.js';
import { isoSeconds } from '../workload/time.js';
import { keyOf, type NodeInfo, type PodInfo } from './clusterIndex.js';
import { involvedOf, type Controller, type ControllerContext } from './context.js';

/**
 * The scheduler and the kubelets of every node, reduced to what clients
 * observe: an unscheduled pod is bound to a ready node (DaemonSet pods to
 * their node); a bound pod goes Pending → ContainerCreating → Running (Ready,
 * container statuses, pod IP); a Job's pod runs to Succeeded; a pod being
 * deleted gracefully disappears `kubeletDeleteDelayMs` after the deletion
 * started (MODIFIED with deletionTimestamp from the apiserver, then DELETED).
 */
export function kubeletController(ctx: ControllerContext): Controller {
  const { store, index } = ctx;
  /** Pods with a transition already scheduled (by key + uid), so repeated events do not stack timers. */
  const inFlight = new Set<string>();
  const nextIp = new Map<string, number>();

  const flight = (p: PodInfo, step: string): string => `${step}|${p.key}|${p.uid}`;

  const current = (ns: string, name: string, uid: string): KubeObject | undefined => {
    const pod = store.get('Pod', ns, name);
    return pod && pod.metadata.uid === uid ? pod : undefined;
  };

  const pickNode = (pod: KubeObject): NodeInfo | undefined => {
    const affinity = (pod.spec as { affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: Array<{ matchFields?: Array<{ key: string; values?: string[] }> }> } } } }).affinity;
    const pinned = affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields?.find((f) => f.key === 'metadata.name')?.values?.[0];
    if (pinned) return index.nodes.get(pinned);
    const ready = [...index.nodes.values()].filter((n) => n.ready && !n.unschedulable);
    if (!ready.length) return undefined;
    // Power of two choices: the emptier of two random nodes.
    const a = ready[ctx.rng.int(0, ready.length - 1)];
    const b = ready[ctx.rng.int(0, ready.length - 1)];
    return (index.podsByNode.get(a.name)?.size ?? 0) <= (index.podsByNode.get(b.name)?.size ?? 0) ? a : b;
  };

  const allocateIp = (node: NodeInfo): string => {
    const used = new Set<string>();
    for (const k of index.podsByNode.get(node.name) ?? []) {
      const ip = index.pods.get(k)?.podIP;
      if (ip) used.add(ip);
    }
    const base = `10.${244 + ((node.index >> 8) & 3)}.${node.index & 255}.`;
    let n = nextIp.get(node.name) ?? 100;
    for (let i = 0; i < 253; i++) {
      const ip = `${base}${2 + (n % 253)}`;
      n++;
      if (!used.has(ip)) {
        nextIp.set(node.name, n);
        return ip;
      }
    }
    nextIp.set(node.name, n);
    return `${base}${2 + (n % 253)}`;
  };

  const schedule = (ns: string, name: string, uid: string): void => {
    const pod = current(ns, name, uid);
    if (!pod || pod.metadata.deletionTimestamp || (pod.spec as { nodeName?: string }).nodeName) return;
    const node = pickNode(pod);
    if (!node) return;
    const at = isoSeconds(Date.now());
    store.mutate('Pod', ns, name, (o) => {
      (o.spec as { nodeName?: string }).nodeName = node.name;
      const status = (o.status ?? {}) as { conditions?: unknown[] };
      status.conditions = [{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: at }];
      o.status = status;
    }, 'kube-scheduler');
    ctx.recorder.record({ involved: involvedOf(pod), reason: 'Scheduled', message: `Successfully assigned ${ns}/${name} to ${node.name}`, component: 'default-scheduler' });
  };

  /** Writes the status of `state` (as the kubelet reports it) for a bound pod. */
  const setState = (ns: string, name: string, uid: string, state: PodState): KubeObject | undefined => {
    const pod = current(ns, name, uid);
    if (!pod || pod.metadata.deletionTimestamp) return undefined;
    const spec = (pod.spec ?? {}) as { nodeName?: string; hostNetwork?: boolean };
    const node = spec.nodeName ? index.nodes.get(spec.nodeName) : undefined;
    if (!node) return undefined;
    const prev = (pod.status ?? {}) as { podIP?: string; startTime?: string; conditions?: Array<{ type: string; lastTransitionTime?: string }> };
    const now = Date.now();
    const created = Date.parse(pod.metadata.creationTimestamp ?? '') || now;
    const podIP = state === 'creating' ? undefined : (prev.podIP ?? (spec.hostNetwork ? node.ip : allocateIp(node)));
    const started = prev.startTime ? Date.parse(prev.startTime) : now;
    const status = podStatus(
      {
        namespace: ns,
        name,
        uid,
        created,
        template: { metadata: { labels: {} }, spec: pod.spec as Record<string, unknown> },
        node: { name: node.name, ip: node.ip, zone: node.zone },
        podIP,
        state,
        startedAt: state === 'succeeded' ? started : Math.min(started, now),
        tokenVolumeSuffix: '',
        rng: ctx.rng,
      },
      pod.spec as Record<string, unknown>,
    );
    const scheduled = prev.conditions?.find((c) => c.type === 'PodScheduled')?.lastTransitionTime;
    if (scheduled) for (const c of status.conditions as Array<{ type: string; lastTransitionTime?: string }>) if (c.type === 'PodScheduled') c.lastTransitionTime = scheduled;
    return store.mutate('Pod', ns, name, (o) => (o.status = status), 'kubelet');
  };

  const finishDelete = (ns: string, name: string, uid: string): void => {
    inFlight.delete(`delete|${keyOf(ns, name)}|${uid}`);
    const pod = current(ns, name, uid);
    if (!pod || !pod.metadata.deletionTimestamp) return;
    store.delete('Pod', ns, name);
  };

  const observe = (p: PodInfo): void => {
    if (p.deleting) {
      if (!p.nodeName) return;
      const f = flight(p, 'delete');
      if (inFlight.has(f)) return;
      inFlight.add(f);
      ctx.queue.after(ctx.kubeletDeleteDelayMs, f, () => finishDelete(p.namespace, p.name, p.uid));
      return;
    }
    if (!p.nodeName) {
      if (p.phase === 'Pending' && !p.unschedulable) ctx.queue.enqueue(`schedule|${p.key}`, () => schedule(p.namespace, p.name, p.uid));
      return;
    }
    if (!index.nodes.get(p.nodeName)?.ready) return;
    if (p.phase === 'Pending' && !p.started) {
      const f = flight(p, 'start');
      if (inFlight.has(f)) return;
      inFlight.add(f);
      const step = Math.max(1, Math.floor(ctx.kubeletStartDelayMs / 3));
      ctx.queue.after(step, f, () => {
        if (!setState(p.namespace, p.name, p.uid, 'creating')) return inFlight.delete(f);
        ctx.queue.after(ctx.kubeletStartDelayMs - step, f, () => {
          inFlight.delete(f);
          const pod = setState(p.namespace, p.name, p.uid, 'running');
          if (pod) {
            const c = ((pod.spec as { containers?: Array<{ name: string }> }).containers ?? [])[0]?.name ?? 'main';
            ctx.recorder.record({ involved: involvedOf(pod, `spec.containers{${c}}`), reason: 'Started', message: `Started container ${c}`, component: 'kubelet', host: p.nodeName });
          }
        });
      });
      return;
    }
    if (p.phase === 'Running' && p.restartPolicy !== 'Always' && p.ownerKind === 'Job') {
      const f = flight(p, 'complete');
      if (inFlight.has(f)) return;
      inFlight.add(f);
      ctx.queue.after(ctx.jobRunMs, f, () => {
        inFlight.delete(f);
        setState(p.namespace, p.name, p.uid, 'succeeded');
      });
    }
  };

  return (ch) => {
    if (ch.kind.group !== '' || ch.kind.kind !== 'Pod') return;
    const key = keyOf(ch.object.metadata.namespace ?? '', ch.object.metadata.name ?? '');
    if (ch.type === 'DELETED') {
      const uid = ch.object.metadata.uid ?? '';
      for (const step of ['delete', 'start', 'complete']) inFlight.delete(`${step}|${key}|${uid}`);
      return;
    }
    const p = index.pods.get(key);
    if (p) observe(p);
  };
}

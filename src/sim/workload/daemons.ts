import type { KubeObject, OwnerReference } from '../../kube/types.js';
import { controllerRef, type Labels } from './context.js';
import type { LayoutNode } from './layout.js';
import { podTemplateHash } from './podTemplateHash.js';
import { buildPod, type PodTemplate } from './pods.js';
import type { Rng } from './random.js';
import { buildDaemonSet, daemonSetStatus } from './workloads.js';

/** A DaemonSet and one pod per node. */

export interface DaemonSetSpec {
  namespace: string;
  name: string;
  uid: string;
  created: number;
  labels: Labels;
  selector: Labels;
  template: PodTemplate;
  manager?: string;
}

/** The controller-revision-hash a DaemonSet stamps on its pods. */
export function daemonRevisionHash(template: PodTemplate): string {
  return podTemplateHash(template).slice(0, 9);
}

/** One DaemonSet pod pinned to `node`; `names` holds the pod names already taken (the new one is added). */
export function daemonPod(ds: { namespace: string; name: string; template: PodTemplate }, owner: OwnerReference, node: LayoutNode, rng: Rng, created: number, ip: string, names: Set<string>): KubeObject {
  const state = node.ready ? 'running' : 'notReady';
  let name = `${ds.name}-${rng.nameSuffix(5)}`;
  while (names.has(name)) name = `${ds.name}-${rng.nameSuffix(5)}`;
  names.add(name);
  return buildPod({
    namespace: ds.namespace,
    name,
    generateName: `${ds.name}-`,
    uid: rng.uuid(),
    created,
    template: ds.template,
    owner,
    extraLabels: { 'controller-revision-hash': daemonRevisionHash(ds.template), 'pod-template-generation': '1' },
    node,
    podIP: ip,
    state,
    startedAt: created + 3_000,
    daemonSetNode: node.name,
    tokenVolumeSuffix: rng.nameSuffix(5),
    rng,
  });
}

/** The DaemonSet object plus its pods on `nodes`. `place` allocates each pod's IP on its node. */
export function daemonSetWithPods(d: DaemonSetSpec, nodes: readonly LayoutNode[], rng: Rng, place: (n: LayoutNode, hostNetwork: boolean) => string): KubeObject[] {
  const owner = controllerRef('apps/v1', 'DaemonSet', d.name, d.uid);
  const names = new Set<string>();
  const out: KubeObject[] = [];
  let ready = 0;
  for (const node of nodes) {
    if (node.ready) ready++;
    out.push(daemonPod(d, owner, node, rng, Math.max(d.created, d.created + node.index * 1_000), place(node, !!d.template.spec.hostNetwork), names));
  }
  out.unshift(buildDaemonSet({ ...d, status: daemonSetStatus(1, nodes.length, { replicas: nodes.length, ready }) }));
  return out;
}

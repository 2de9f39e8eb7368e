import type { KubeObject, OwnerReference } from '../../kube/types.js';
import { isSimApiError } from '../errors.js';
import type { SimStore } from '../types.js';
import type { Rng } from '../workload/random.js';
import { isoSeconds } from '../workload/time.js';
import type { Labels } from './clusterIndex.js';

/** Creating and deleting pods the way controllers do. */

export const MANAGER = 'kube-controller-manager';

export interface PodTemplateLike {
  metadata?: { labels?: Labels; annotations?: Labels };
  spec?: Record<string, unknown>;
}

export interface NewPod {
  namespace: string;
  /** Fixed name (StatefulSet pods); otherwise generateName + a random suffix. */
  name?: string;
  generateName: string;
  template: PodTemplateLike;
  owner: OwnerReference;
  extraLabels?: Labels;
  specExtras?: Record<string, unknown>;
  finalizers?: string[];
}

/** Creates a pod from a template (the store adds what admission adds). Returns the created pod, or undefined if the name was taken. */
export function createPod(store: SimStore, rng: Rng, p: NewPod): KubeObject | undefined {
  for (let attempt = 0; attempt < 3; attempt++) {
    const name = p.name ?? `${p.generateName}${rng.nameSuffix(5)}`;
    const metadata: KubeObject['metadata'] = { name, generateName: p.generateName, namespace: p.namespace, uid: rng.uuid() };
    metadata.labels = { ...(p.template.metadata?.labels ?? {}), ...(p.extraLabels ?? {}) };
    if (p.template.metadata?.annotations) metadata.annotations = { ...p.template.metadata.annotations };
    metadata.ownerReferences = [p.owner];
    if (p.finalizers) metadata.finalizers = p.finalizers;
    const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata, spec: { ...(p.template.spec ?? {}), ...(p.specExtras ?? {}) }, status: { phase: 'Pending' } };
    try {
      return store.create('Pod', pod, MANAGER);
    } catch (e) {
      if (isSimApiError(e) && e.code === 409 && !p.name) continue;
      if (isSimApiError(e) && e.code === 409) return undefined;
      throw e;
    }
  }
  return undefined;
}

/**
 * Deletes a pod as a DELETE with the default grace period does: a pod bound
 * to a node gets deletionTimestamp (now + grace) and stays until its kubelet
 * finishes; an unbound or finished pod is marked (grace 0) and removed at
 * once. `annotate` lets the caller stamp the marking write.
 */
export function deletePod(store: SimStore, namespace: string, name: string, options: { graceSeconds?: number; manager?: string; annotate?: Labels } = {}): void {
  let immediate = false;
  const marked = store.mutate(
    'Pod',
    namespace,
    name,
    (o) => {
      if (o.metadata.deletionTimestamp) return;
      const spec = (o.spec ?? {}) as { nodeName?: string; terminationGracePeriodSeconds?: number };
      const phase = (o.status as { phase?: string } | undefined)?.phase;
      let grace = options.graceSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
      if (!spec.nodeName || phase === 'Succeeded' || phase === 'Failed') grace = 0;
      immediate = grace === 0;
      o.metadata.deletionTimestamp = isoSeconds(Date.now() + grace * 1000);
      o.metadata.deletionGracePeriodSeconds = grace;
      if (options.annotate) o.metadata.annotations = { ...(o.metadata.annotations ?? {}), ...options.annotate };
    },
    options.manager ?? MANAGER,
  );
  if (marked && immediate) store.delete('Pod', namespace, name);
}

/** A pod counts toward a controller's replicas while it exists, is not being deleted and has not finished. */
export function isActive(p: { deleting: boolean; phase: string }): boolean {
  return !p.deleting && p.phase !== 'Succeeded' && p.phase !== 'Failed';
}

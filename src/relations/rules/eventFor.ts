import type { KubeObject } from '../../kube/types.js';
import { isNamespacedKind, targetKindKey, defaultApiVersion } from '../refKinds.js';
import type { SourceInfo, TargetRef } from '../types.js';
import type { EdgeRule } from './rule.js';
import { obj, str } from './wire.js';

/**
 * EVENT_FOR: Event -> the object it is about: `involvedObject` (core/v1) or
 * `regarding` (events.k8s.io/v1).
 *
 * Edge cases:
 * - With a uid the reference resolves by uid: an event about a pod that was
 *   deleted and recreated under the same name stays with the old pod (and is
 *   unresolved), never attaches to the new one. Without uid, by
 *   kind/namespace/name. A uid equal to the name is not a uid: the kubelet's
 *   events about its Node carry `uid: <node name>`; those resolve by name.
 * - A reference without namespace is in the event's namespace when the kind
 *   is namespaced and cluster-wide otherwise (events about Nodes live in
 *   "default" and carry no namespace in involvedObject).
 * - A missing apiVersion (old clients) is filled from the built-in kind.
 * - The secondary `related` object is not an edge.
 */
export const eventForRule: EdgeRule = {
  type: 'EVENT_FOR',
  sourceKinds: ['Event', 'events.k8s.io/Event'],
  targets(o: KubeObject, source: SourceInfo): TargetRef[] {
    const ref = obj(o.involvedObject) ?? obj(o.regarding);
    const kind = str(ref?.kind);
    const name = str(ref?.name);
    if (!ref || !kind || !name) return [];
    const apiVersion = str(ref.apiVersion) ?? defaultApiVersion(kind);
    const rawUid = str(ref.uid);
    // kubelet's events about its Node set UID to the node name, which never matches the Node object
    const uid = rawUid !== name ? rawUid : undefined;
    const namespaced = isNamespacedKind(targetKindKey(apiVersion, kind));
    const namespace = str(ref.namespace) ?? (namespaced === false ? '' : source.namespace);
    return [{ apiVersion, kind, namespace: namespaced === false ? '' : namespace, name, ...(uid ? { uid } : {}), byUid: uid !== undefined }];
  },
};

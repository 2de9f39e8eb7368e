import type { KubeObject } from '../../kube/types.js';
import { isNamespacedKind, targetKindKey } from '../refKinds.js';
import type { SourceInfo, TargetRef } from '../types.js';
import { type EdgeRule, TargetSet } from './rule.js';
import { str } from './wire.js';

/**
 * OWNED_BY: any object -> each entry of metadata.ownerReferences.
 *
 * Edge cases:
 * - Owners are matched by uid within the source's cluster (as the garbage
 *   collector does): an owner deleted and recreated under the same name is a
 *   different owner, and the edge stays unresolved.
 * - An entry without uid or name is invalid on the wire and is skipped.
 * - Every owner counts, not only the `controller: true` one.
 * - The owner's namespace is the dependent's for namespaced owner kinds and
 *   "" for cluster-scoped ones (a Node owning a mirror pod); an owner kind
 *   kubeatlas does not know is assumed to live in the dependent's namespace.
 * - A self-reference (an object listing its own uid) is kept as an edge; the
 *   traversal never returns the start resource anyway.
 */
export const ownedByRule: EdgeRule = {
  type: 'OWNED_BY',
  sourceKinds: '*',
  targets(o: KubeObject, source: SourceInfo): TargetRef[] {
    const out = new TargetSet();
    const refs = o.metadata?.ownerReferences as unknown;
    if (!Array.isArray(refs)) return out.list;
    for (let i = 0; i < refs.length; i++) {
      const ref = refs[i] as { uid?: unknown; name?: unknown; kind?: unknown; apiVersion?: unknown } | null | undefined;
      const uid = str(ref?.uid);
      const name = str(ref?.name);
      const kind = str(ref?.kind);
      if (!uid || !name || !kind) continue;
      const apiVersion = str(ref?.apiVersion) ?? '';
      const namespaced = isNamespacedKind(targetKindKey(apiVersion, kind)) ?? true;
      out.add({ apiVersion, kind, namespace: namespaced ? source.namespace : '', name, uid, byUid: true });
    }
    return out.list;
  },
};

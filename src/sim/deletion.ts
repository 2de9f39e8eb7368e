import type { KubeObject } from '../kube/types.js';
import type { SimKind } from './types.js';
import { apiErrors } from './errors.js';
import { parseStored } from './storedObject.js';
import { rfc3339 } from './names.js';
import type { SimStoreInternals } from './store.js';

/**
 * DELETE semantics of the v1.28 registries: graceful pod deletion
 * (deletionTimestamp + grace period, the kubelet finishes), namespaces going
 * Terminating until their finalizer is removed, finalizers keeping objects
 * (foregroundDeletion / orphan for propagationPolicy), preconditions.
 */

export type PropagationPolicy = 'Foreground' | 'Background' | 'Orphan';

export interface DeleteRequest {
  gracePeriodSeconds?: number;
  propagationPolicy?: PropagationPolicy;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
  manager?: string;
}

export interface DeleteResult {
  /** The object: its final state when gone, its current state when kept (graceful, finalizers). */
  object: KubeObject;
  /** True when the object is gone from storage. */
  deleted: boolean;
}

/** Kinds whose DELETE answers with the object rather than a Status (ReturnDeletedObject in 1.28). */
export function returnsDeletedObject(kind: SimKind): boolean {
  return kind.group === '' && ['Pod', 'Namespace', 'Service', 'PersistentVolume', 'PersistentVolumeClaim', 'ServiceAccount'].includes(kind.kind);
}

function isPod(kind: SimKind): boolean {
  return kind.group === '' && kind.kind === 'Pod';
}

export function deleteObject(store: SimStoreInternals, kind: SimKind, namespace: string | undefined, name: string, req: DeleteRequest): DeleteResult {
  const so = store.getStored(kind, namespace, name);
  if (!so) throw apiErrors.notFound({ group: kind.group, resource: kind.plural }, name);
  const obj = parseStored(kind, so);
  const md = obj.metadata;
  if (req.preconditions?.uid !== undefined && req.preconditions.uid !== md.uid) {
    throw apiErrors.preconditionFailed(kind.kind, kind.group, name, 'UID', req.preconditions.uid, md.uid ?? '');
  }
  if (req.preconditions?.resourceVersion !== undefined && req.preconditions.resourceVersion !== md.resourceVersion) {
    throw apiErrors.preconditionFailed(kind.kind, kind.group, name, 'ResourceVersion', req.preconditions.resourceVersion, md.resourceVersion ?? '');
  }
  const opts = { manager: req.manager, dryRun: req.dryRun, checkResourceVersion: false, statusIsManaged: true, allowDeletionChange: true };

  // Namespaces: Terminating until the namespace controller empties them and drops spec.finalizers.
  if (kind.group === '' && kind.kind === 'Namespace') {
    const specFinalizers = ((obj.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).length;
    if (specFinalizers > 0 || (md.finalizers?.length ?? 0) > 0) {
      if (md.deletionTimestamp) return { object: obj, deleted: false };
      md.deletionTimestamp = rfc3339();
      obj.status = { ...((obj.status as object) ?? {}), phase: 'Terminating' };
      return { object: store.updateWith(kind, obj, opts), deleted: false };
    }
  }

  const finalizers = [...(md.finalizers ?? [])];
  const policy = req.propagationPolicy;
  if (policy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
  if (policy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');

  let grace = 0;
  if (isPod(kind)) {
    const spec = (obj.spec ?? {}) as { nodeName?: string; terminationGracePeriodSeconds?: number };
    const phase = (obj.status as { phase?: string } | undefined)?.phase;
    grace = req.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
    if (!spec.nodeName || phase === 'Succeeded' || phase === 'Failed') grace = 0;
  }

  if (md.deletionTimestamp && !finalizers.length && !isPod(kind) && !(kind.group === '' && kind.kind === 'Namespace' && ((obj.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).length)) {
    // Nothing holds it any more (finalizers gone): deleting again removes it.
    return finalDelete(store, kind, obj, req);
  }
  if (md.deletionTimestamp) {
    // Already being deleted: only a shorter grace period changes anything.
    const oldGrace = md.deletionGracePeriodSeconds ?? 0;
    if (isPod(kind) && grace < oldGrace) {
      const ts = Date.parse(md.deletionTimestamp) - oldGrace * 1000 + grace * 1000;
      md.deletionTimestamp = rfc3339(new Date(ts));
      md.deletionGracePeriodSeconds = grace;
      const updated = store.updateWith(kind, obj, opts);
      if (grace === 0 && !finalizers.length) return finalDelete(store, kind, updated, req);
      return { object: updated, deleted: false };
    }
    if (finalizers.length !== (md.finalizers?.length ?? 0)) {
      md.finalizers = finalizers;
      return { object: store.updateWith(kind, obj, opts), deleted: false };
    }
    return { object: obj, deleted: false };
  }

  if (grace > 0 || finalizers.length > 0) {
    md.deletionTimestamp = rfc3339(new Date(Date.now() + grace * 1000));
    md.deletionGracePeriodSeconds = grace;
    if (finalizers.length) md.finalizers = finalizers;
    const updated = store.updateWith(kind, obj, opts);
    return { object: updated, deleted: false };
  }

  if (isPod(kind)) {
    // An immediate pod delete is still seen as MODIFIED (deletionTimestamp, grace 0) then DELETED.
    md.deletionTimestamp = rfc3339();
    md.deletionGracePeriodSeconds = 0;
    const updated = store.updateWith(kind, obj, opts);
    return finalDelete(store, kind, updated, req);
  }
  return finalDelete(store, kind, obj, req);
}

function finalDelete(store: SimStoreInternals, kind: SimKind, obj: KubeObject, req: DeleteRequest): DeleteResult {
  const gone = store.deleteWith(kind, obj.metadata.namespace, obj.metadata.name ?? '', { dryRun: req.dryRun });
  return { object: gone ?? obj, deleted: true };
}

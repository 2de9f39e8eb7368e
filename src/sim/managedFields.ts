import type { KubeObject } from '../kube/types.js';
import { flattenFields, fromFieldsV1, toFieldsV1, type FieldMap } from './fieldPaths.js';

/**
 * managedFields bookkeeping for non-apply writes (operation "Update"), as
 * the apiserver's field manager does it: the writer becomes the owner of the
 * fields it added or changed; other managers lose them; entries left empty
 * disappear.
 */

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Update' | 'Apply';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

export interface ManagedWrite {
  manager: string;
  apiVersion: string;
  time: string;
  /** "status" for writes through the status subresource. */
  subresource?: string;
  /** Whether status fields count (true for status writes and for direct store writes). */
  includeStatus: boolean;
}

/**
 * The "manager" the apiserver derives from a User-Agent: the program name
 * before the first "/" ("kubectl/v1.28.15 (linux/amd64) ..." → "kubectl").
 */
export function managerFromUserAgent(userAgent: string | undefined): string {
  if (!userAgent) return 'unknown';
  const i = userAgent.indexOf('/');
  const name = (i < 0 ? userAgent : userAgent.slice(0, i)).trim();
  return name.length > 128 ? name.slice(0, 128) : name || 'unknown';
}

function entriesOf(obj: KubeObject | undefined): ManagedFieldsEntry[] {
  const mf = obj?.metadata.managedFields;
  return Array.isArray(mf) ? (mf as ManagedFieldsEntry[]).filter((e) => e && typeof e === 'object') : [];
}

function restrict(map: FieldMap, statusOnly: boolean): FieldMap {
  if (!statusOnly) return map;
  const out: FieldMap = new Map();
  for (const [k, v] of map) if (k.startsWith('f:status') || k.startsWith('f:metadata')) out.set(k, v);
  return out;
}

/**
 * The managedFields `next` should carry after an Update by `w.manager`
 * (`prev` undefined for a create).
 */
export function updateManagedFields(prev: KubeObject | undefined, next: KubeObject, w: ManagedWrite): ManagedFieldsEntry[] {
  const statusOnly = w.subresource === 'status';
  const before = prev ? restrict(flattenFields(prev as Record<string, unknown>, { includeStatus: w.includeStatus }), statusOnly) : new Map<string, string>();
  const after = restrict(flattenFields(next as Record<string, unknown>, { includeStatus: w.includeStatus }), statusOnly);
  const changed = new Set<string>();
  for (const [p, v] of after) if (before.get(p) !== v) changed.add(p);
  const removed = new Set<string>();
  for (const p of before.keys()) if (!after.has(p)) removed.add(p);

  const entries = entriesOf(prev);
  const out: ManagedFieldsEntry[] = [];
  let mine: Set<string> | undefined;
  let mineIndex = -1;
  for (const e of entries) {
    const paths = fromFieldsV1(e.fieldsV1);
    const isMine = e.manager === w.manager && e.operation === 'Update' && (e.subresource ?? '') === (w.subresource ?? '');
    if (isMine) {
      mine = paths;
      mineIndex = out.length;
      out.push(e);
      continue;
    }
    let touched = false;
    for (const p of [...changed, ...removed]) if (paths.delete(p)) touched = true;
    if (!paths.size) continue;
    out.push(touched ? { ...e, fieldsV1: toFieldsV1(paths) } : e);
  }
  if (!changed.size && !removed.size) return out;
  const set = mine ?? new Set<string>();
  for (const p of changed) set.add(p);
  for (const p of removed) set.delete(p);
  // A path owned by us whose ancestors were removed is gone too.
  for (const p of [...set]) if (!after.has(p)) set.delete(p);
  const entry: ManagedFieldsEntry = {
    manager: w.manager,
    operation: 'Update',
    apiVersion: w.apiVersion,
    time: w.time,
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(set),
    ...(w.subresource ? { subresource: w.subresource } : {}),
  };
  if (!set.size) {
    if (mineIndex >= 0) out.splice(mineIndex, 1);
    return out;
  }
  if (mineIndex >= 0) out[mineIndex] = entry;
  else out.push(entry);
  return out;
}

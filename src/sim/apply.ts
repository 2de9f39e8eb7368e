import type { KubeObject } from '../kube/types.js';
import { SimApiError, failureStatus } from './errors.js';
import { FIELD_PATH_SEPARATOR, describePath, flattenFields, fromFieldsV1, toFieldsV1 } from './fieldPaths.js';
import type { ManagedFieldsEntry } from './managedFields.js';
import { strategicMergePatch } from './patch.js';

/**
 * Server-side apply (application/apply-patch+yaml), enough for
 * `kubectl apply --server-side`: the applier owns exactly the fields of its
 * configuration; changing a field another manager owns is a 409 conflict
 * (unless force=true, which takes ownership); fields the applier stops
 * specifying are removed when nobody else owns them.
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface ApplyRequest {
  manager: string;
  force: boolean;
  apiVersion: string;
  time: string;
  subresource?: string;
}

function printManager(e: ManagedFieldsEntry): string {
  let s = JSON.stringify(e.manager);
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  return e.operation === 'Update' ? `${s} using ${e.apiVersion}` : s;
}

function conflictError(conflicts: Array<{ entry: ManagedFieldsEntry; path: string }>): SimApiError {
  const causes = conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${printManager(c.entry)}`, field: describePath(c.path) }));
  let message: string;
  if (conflicts.length === 1) message = `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0].entry)}: ${describePath(conflicts[0].path)}`;
  else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) {
      const k = printManager(c.entry);
      byManager.set(k, [...(byManager.get(k) ?? []), describePath(c.path)]);
    }
    const lines: string[] = [];
    for (const k of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${k}:`);
      for (const p of byManager.get(k)!) lines.push(`- ${p}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new SimApiError(failureStatus(409, message, 'Conflict', { causes }));
}

function entriesOf(obj: KubeObject | undefined): ManagedFieldsEntry[] {
  const mf = obj?.metadata.managedFields;
  return Array.isArray(mf) ? (mf as ManagedFieldsEntry[]) : [];
}

function isMine(e: ManagedFieldsEntry, r: ApplyRequest): boolean {
  return e.manager === r.manager && e.operation === 'Apply' && (e.subresource ?? '') === (r.subresource ?? '');
}

/** Removes the field at `path` (FieldMap key form) from `obj`, if present. */
function deletePath(obj: Obj, path: string): void {
  const segs = path.split(FIELD_PATH_SEPARATOR);
  let cur: unknown = obj;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i];
    const last = i === segs.length - 1;
    if (seg.startsWith('f:')) {
      if (!isObj(cur)) return;
      const k = seg.slice(2);
      if (last) {
        delete cur[k];
        return;
      }
      cur = cur[k];
    } else if (seg.startsWith('k:')) {
      if (!Array.isArray(cur)) return;
      const key = JSON.parse(seg.slice(2)) as Obj;
      const idx = cur.findIndex((it) => isObj(it) && Object.entries(key).every(([a, b]) => (a === 'protocol' && it[a] === undefined ? b === 'TCP' : JSON.stringify(it[a]) === JSON.stringify(b))));
      if (idx < 0) return;
      if (last) {
        cur.splice(idx, 1);
        return;
      }
      cur = cur[idx];
    } else return;
  }
}

/**
 * The object after applying `config` over `current` (undefined: the apply
 * creates the object). The result carries the new managedFields; the caller
 * persists it without recomputing them.
 */
export function serverSideApply(current: KubeObject | undefined, config: KubeObject, r: ApplyRequest): KubeObject {
  const includeStatus = r.subresource === 'status';
  const applied = flattenFields(config as Obj, { includeStatus, forApply: true });
  const appliedPaths = new Set(applied.keys());
  const mineEntry: ManagedFieldsEntry = {
    manager: r.manager,
    operation: 'Apply',
    apiVersion: r.apiVersion,
    time: r.time,
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(appliedPaths),
    ...(r.subresource ? { subresource: r.subresource } : {}),
  };
  if (!current) {
    const obj = structuredClone(config);
    obj.metadata = { ...obj.metadata, managedFields: [mineEntry] };
    return obj;
  }
  const currentMap = flattenFields(current as Obj, { includeStatus: true });
  const entries = entriesOf(current);
  const conflicts: Array<{ entry: ManagedFieldsEntry; path: string }> = [];
  const others = entries.filter((e) => !isMine(e, r)).map((e) => ({ entry: e, paths: fromFieldsV1(e.fieldsV1) }));
  for (const [p, v] of applied) {
    if (v === '') continue;
    const cur = currentMap.get(p);
    if (cur === undefined || cur === v) continue;
    for (const o of others) if (o.paths.has(p)) conflicts.push({ entry: o.entry, path: p });
  }
  if (conflicts.length && !r.force) throw conflictError(conflicts.sort((a, b) => a.entry.manager.localeCompare(b.entry.manager)));

  let merged = strategicMergePatch(current, config) as Obj;
  merged = structuredClone(merged);
  // Fields this manager applied before but no longer specifies go away unless someone else owns them.
  const prevMine = entries.find((e) => isMine(e, r));
  if (prevMine) {
    const dropped = [...fromFieldsV1(prevMine.fieldsV1)].filter((p) => !appliedPaths.has(p) && !others.some((o) => o.paths.has(p)));
    // Deepest paths first so list items vanish after their fields.
    dropped.sort((a, b) => b.length - a.length);
    for (const p of dropped) deletePath(merged, p);
  }
  const conflictPaths = new Set(conflicts.map((c) => c.path));
  const newEntries: ManagedFieldsEntry[] = [];
  for (const e of entries) {
    if (isMine(e, r)) continue;
    if (!conflictPaths.size) {
      newEntries.push(e);
      continue;
    }
    const paths = fromFieldsV1(e.fieldsV1);
    for (const p of conflictPaths) paths.delete(p);
    if (paths.size) newEntries.push({ ...e, fieldsV1: toFieldsV1(paths) });
  }
  const idx = entries.findIndex((e) => isMine(e, r));
  if (idx >= 0 && idx <= newEntries.length) newEntries.splice(idx, 0, mineEntry);
  else newEntries.unshift(mineEntry);
  const md = merged.metadata as Obj;
  md.managedFields = newEntries;
  return merged as KubeObject;
}

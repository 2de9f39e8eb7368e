import fastJsonPatch from 'fast-json-patch';
import { parse as parseYaml } from 'yaml';
import type { KubeObject } from '../kube/types.js';
import { apiErrors } from './errors.js';
import { listMergeKeys } from './fieldPaths.js';

/**
 * The PATCH content types the apiserver accepts: JSON patch (RFC 6902, via
 * fast-json-patch), JSON merge patch (RFC 7386) and strategic merge patch
 * (merge keys of the built-in list fields, with the `$patch`,
 * `$retainKeys`, `$setElementOrder` and `$deleteFromPrimitiveList`
 * directives). Server-side apply lives in apply.ts.
 *
 * Merge and strategic merge are hand-written: RFC 7386 is a dozen lines, and
 * no npm library implements Kubernetes' strategic merge semantics.
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export function patchTypeOf(contentType: string | undefined): PatchType | undefined {
  const ct = (contentType ?? '').split(';')[0].trim().toLowerCase();
  switch (ct) {
    case 'application/json-patch+json':
      return 'json';
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/apply-patch+yaml':
      return 'apply';
    default:
      return undefined;
  }
}

/** Parses a patch document (JSON, or YAML for apply patches). */
export function parsePatchBody(type: PatchType, body: Buffer): unknown {
  const text = body.toString('utf8');
  try {
    return type === 'apply' ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw apiErrors.badRequest(`error decoding patch: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** RFC 6902; any failure (test op, missing path) is the apiserver's generic 422. */
export function applyJsonPatch(target: KubeObject, patch: unknown): KubeObject {
  if (!Array.isArray(patch)) throw apiErrors.badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  try {
    const res = fastJsonPatch.applyPatch(structuredClone(target), patch as fastJsonPatch.Operation[], true, false);
    return res.newDocument as KubeObject;
  } catch {
    throw apiErrors.patchRejected();
  }
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return structuredClone(patch);
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Strategic merge patch of a built-in object. */
export function strategicMergePatch(target: KubeObject, patch: unknown): KubeObject {
  if (!isObj(patch)) throw apiErrors.badRequest('the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml');
  return smpObject(target as Obj, patch, undefined) as KubeObject;
}

function smpObject(target: Obj | undefined, patch: Obj, field: string | undefined): Obj | undefined {
  if (patch.$patch === 'delete') return undefined;
  if (patch.$patch === 'replace') {
    const { $patch: _p, ...rest } = patch;
    return stripDirectives(rest) as Obj;
  }
  const base: Obj = isObj(target) ? { ...target } : {};
  let retain: string[] | undefined;
  const orders: Record<string, unknown[]> = {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$retainKeys' && Array.isArray(v)) {
      retain = v as string[];
      continue;
    }
    if (k.startsWith('$setElementOrder/') && Array.isArray(v)) {
      orders[k.slice('$setElementOrder/'.length)] = v;
      continue;
    }
    if (k.startsWith('$deleteFromPrimitiveList/') && Array.isArray(v)) {
      const f = k.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(base[f])) base[f] = (base[f] as unknown[]).filter((x) => !(v as unknown[]).includes(x));
      continue;
    }
    if (k === '$patch') continue;
    if (v === null) {
      delete base[k];
      continue;
    }
    if (isObj(v)) {
      const merged = smpObject(isObj(base[k]) ? (base[k] as Obj) : undefined, v, k);
      if (merged === undefined) delete base[k];
      else base[k] = merged;
      continue;
    }
    if (Array.isArray(v)) {
      base[k] = smpList(base[k], v, k, field);
      continue;
    }
    base[k] = v;
  }
  for (const [f, order] of Object.entries(orders)) {
    if (Array.isArray(base[f])) base[f] = applyOrder(base[f] as unknown[], order, listMergeKeys(f, field));
  }
  if (retain) for (const k of Object.keys(base)) if (!retain.includes(k)) delete base[k];
  return base;
}

function itemKey(item: unknown, keys: string[]): string {
  if (!isObj(item)) return JSON.stringify(item);
  return JSON.stringify(keys.map((k) => (k === 'protocol' && item[k] === undefined ? 'TCP' : item[k])));
}

function smpList(target: unknown, patch: unknown[], field: string, parentField: string | undefined): unknown[] {
  const keys = listMergeKeys(field, parentField);
  const mergeByKey = keys && patch.every((p) => isObj(p));
  if (!mergeByKey) {
    // Lists without a merge key are replaced (atomic), except an explicit $patch: replace/delete list directive.
    return stripDirectives(patch.filter((p) => !(isObj(p) && p.$patch))) as unknown[];
  }
  if (patch.some((p) => isObj(p) && p.$patch === 'replace')) return stripDirectives(patch.filter((p) => !(isObj(p) && p.$patch === 'replace'))) as unknown[];
  const server: unknown[] = Array.isArray(target) ? target : [];
  const serverKeys = server.map((t) => itemKey(t, keys!));
  const patchKeys = new Set<string>();
  const merged: unknown[] = [];
  for (const p of patch as Obj[]) {
    const k = itemKey(p, keys!);
    patchKeys.add(k);
    const idx = serverKeys.indexOf(k);
    if (p.$patch === 'delete') continue;
    if (idx >= 0) {
      const m = smpObject(server[idx] as Obj, p, field);
      if (m !== undefined) merged.push(m);
    } else merged.push(stripDirectives(p));
  }
  // apimachinery's mergeSortedSlice: server-only items are inserted among the patch items by their live order.
  const serverIndex = (x: unknown): number => serverKeys.indexOf(itemKey(x, keys!));
  let pos = 0;
  for (let i = 0; i < server.length; i++) {
    if (patchKeys.has(serverKeys[i])) continue;
    let j = pos;
    while (j < merged.length && !(serverIndex(merged[j]) > i)) j++;
    merged.splice(j, 0, server[i]);
    pos = j + 1;
  }
  return merged;
}

function applyOrder(list: unknown[], order: unknown[], keys: string[] | undefined): unknown[] {
  const keyOf = (x: unknown): string => (keys ? itemKey(x, keys) : JSON.stringify(x));
  const pos = new Map(order.map((o, i) => [keyOf(o), i]));
  return [...list].sort((a, b) => (pos.get(keyOf(a)) ?? Infinity) - (pos.get(keyOf(b)) ?? Infinity));
}

function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith('$')) out[k] = stripDirectives(x);
  return out;
}

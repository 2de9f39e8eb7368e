/**
 * Defensive readers for wire objects: the catalog holds whatever the API
 * server sent, so a rule never trusts a field's shape. Every reader returns
 * undefined / [] for anything of the wrong type instead of throwing.
 */

export type Json = Record<string, unknown>;

/** The value as a plain object, or undefined. */
export function obj(v: unknown): Json | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
}

/** The value as an array, or [] (null, absent and non-arrays alike). */
export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** The value as a non-empty string, or undefined. */
export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** `v[key]` when `v` is a plain object, else undefined. */
export function field(v: unknown, key: string): unknown {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json)[key] : undefined;
}

/** Follows a path of object keys; undefined as soon as one step is not an object. */
export function path(root: unknown, ...keys: string[]): unknown {
  return pathOf(root, keys);
}

/** `path` with the keys given as an array (no rest-argument array per call, for hot paths). */
export function pathOf(root: unknown, keys: readonly string[]): unknown {
  let cur: unknown = root;
  for (let i = 0; i < keys.length; i++) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return undefined;
    cur = (cur as Json)[keys[i]];
  }
  return cur;
}

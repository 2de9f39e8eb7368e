import type { KubeObject } from '../kube/types.js';
import type { SimKind } from './types.js';
import { selectableFields } from './fieldSelector.js';

/**
 * One object as the simulated etcd holds it: serialized once per write, so
 * LIST and watch fan-out are string concatenation. Immutable: a write makes
 * a new StoredObject, which lets list snapshots share them safely.
 */
export interface StoredObject {
  /** Sort/identity key: "namespace/name" or "name" (etcd key order). */
  readonly key: string;
  readonly namespace: string | undefined;
  readonly name: string;
  readonly uid: string;
  readonly rv: number;
  /** The object's JSON without kind/apiVersion: `{"metadata":{...},...}`. */
  readonly json: string;
  readonly labels: Readonly<Record<string, string>> | undefined;
  /** Values of the fields a fieldSelector can use. */
  readonly fields: Readonly<Record<string, string>>;
}

export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/**
 * Serializes `obj` (kind/apiVersion are left out of the stored JSON and put
 * back by `fullJson`). `obj.metadata` must carry name, uid and resourceVersion.
 */
export function storeObject(kind: SimKind, obj: KubeObject): StoredObject {
  const { kind: _k, apiVersion: _a, ...rest } = obj;
  const md = obj.metadata;
  const namespace = kind.namespaced ? (md.namespace as string | undefined) : undefined;
  const name = md.name as string;
  return {
    key: objectKey(namespace, name),
    namespace,
    name,
    uid: (md.uid as string) ?? '',
    rv: Number(md.resourceVersion),
    json: JSON.stringify(rest),
    labels: md.labels ? { ...md.labels } : undefined,
    fields: selectableFields(kind, obj),
  };
}

/** `{"kind":K,"apiVersion":V,` prefix for a kind. */
export function typePrefix(kind: SimKind): string {
  const apiVersion = kind.group ? `${kind.group}/${kind.version}` : kind.version;
  return `{"kind":${JSON.stringify(kind.kind)},"apiVersion":${JSON.stringify(apiVersion)},`;
}

/** The object as a GET returns it: kind and apiVersion first. */
export function fullJson(kind: SimKind, so: StoredObject, prefix = typePrefix(kind)): string {
  return prefix + so.json.slice(1);
}

/** Parses a stored object back to a mutable KubeObject with kind/apiVersion. */
export function parseStored(kind: SimKind, so: StoredObject): KubeObject {
  return JSON.parse(fullJson(kind, so)) as KubeObject;
}

import type { KubeObject, OwnerReference } from '../../kube/types.js';
import { Rng } from './random.js';
import { isoSeconds } from './time.js';

/**
 * What every generator needs: the seeded generator, the clock the workload
 * is dated against, and where finished objects go.
 */
export interface GenContext {
  readonly rng: Rng;
  /** Epoch ms the generated history ends at (objects are dated before it). */
  readonly now: number;
  readonly clusterName: string;
  /** Receives each finished object, with the kind reference the store understands ("Pod", "apps/Deployment"). */
  emit(kind: string, obj: KubeObject): void;
}

export type Labels = Record<string, string>;

/** Builds metadata in the field order of the real apiserver's JSON. */
export function meta(m: {
  name: string;
  generateName?: string;
  namespace?: string;
  uid: string;
  generation?: number;
  created: number;
  labels?: Labels;
  annotations?: Labels;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: unknown[];
}): KubeObject['metadata'] {
  const md: KubeObject['metadata'] = { name: m.name };
  if (m.generateName) md.generateName = m.generateName;
  if (m.namespace) md.namespace = m.namespace;
  md.uid = m.uid;
  if (m.generation !== undefined) md.generation = m.generation;
  md.creationTimestamp = isoSeconds(m.created);
  if (m.labels && Object.keys(m.labels).length) md.labels = m.labels;
  if (m.annotations && Object.keys(m.annotations).length) md.annotations = m.annotations;
  if (m.ownerReferences?.length) md.ownerReferences = m.ownerReferences;
  if (m.finalizers?.length) md.finalizers = m.finalizers;
  if (m.managedFields?.length) md.managedFields = m.managedFields;
  return md;
}

/** A controller owner reference, as controllers write it. */
export function controllerRef(apiVersion: string, kind: string, name: string, uid: string): OwnerReference {
  return { apiVersion, kind, name, uid, controller: true, blockOwnerDeletion: true };
}

/** The `kubectl.kubernetes.io/last-applied-configuration` value for what a user applied. */
export function lastApplied(obj: { apiVersion: string; kind: string; metadata: Record<string, unknown>; [k: string]: unknown }): string {
  return `${JSON.stringify(obj)}\n`;
}

import { canonicalJson } from './podTemplateHash.js';
import { fieldsV1Of, managedEntry, type ManagedFieldsEntry } from './managedFields.js';
import type { Obj } from './pods.js';

/**
 * What `kubectl apply` leaves on an object: the last-applied-configuration
 * annotation (the manifest as the user wrote it, keys sorted, no server
 * defaults) and a "kubectl-client-side-apply" managedFields entry.
 */

/** Fields the apiserver defaults; a user's manifest usually leaves them out. */
const DEFAULTED = new Set([
  'terminationMessagePath', 'terminationMessagePolicy', 'imagePullPolicy', 'restartPolicy', 'terminationGracePeriodSeconds',
  'dnsPolicy', 'schedulerName', 'serviceAccount', 'defaultMode', 'creationTimestamp', 'revisionHistoryLimit',
  'progressDeadlineSeconds', 'successThreshold', 'timeoutSeconds', 'scheme', 'sessionAffinity', 'ipFamilies',
  'ipFamilyPolicy', 'internalTrafficPolicy', 'clusterIP', 'clusterIPs', 'podManagementPolicy', 'volumeMode',
]);

/** A copy of `v` without server-defaulted fields and empty objects. */
export function stripDefaults(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripDefaults);
  if (v && typeof v === 'object') {
    const out: Obj = {};
    for (const [k, x] of Object.entries(v as Obj)) {
      if (DEFAULTED.has(k) || x === null || x === undefined) continue;
      const s = stripDefaults(x);
      if (s && typeof s === 'object' && !Array.isArray(s) && Object.keys(s).length === 0) continue;
      out[k] = s;
    }
    return out;
  }
  return v;
}

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Adds the last-applied annotation to `annotations` (mutated) for a manifest
 * made of apiVersion/kind/metadata (name, namespace, labels, user annotations)
 * and the given top-level fields.
 */
export function markApplied(
  annotations: Record<string, string>,
  manifest: { apiVersion: string; kind: string; name: string; namespace?: string; labels?: Record<string, string>; fields: Obj },
): void {
  const md: Obj = { annotations: { ...annotations }, name: manifest.name };
  if (manifest.labels) md.labels = manifest.labels;
  if (manifest.namespace) md.namespace = manifest.namespace;
  const doc = { apiVersion: manifest.apiVersion, kind: manifest.kind, metadata: md, ...(stripDefaults(manifest.fields) as Obj) };
  annotations[LAST_APPLIED] = `${canonicalJson(doc)}\n`;
}

/** The managedFields entry of a client-side apply that set `fields` (plus metadata labels/annotations). */
export function appliedEntry(apiVersion: string, time: string, metadata: { labels?: Record<string, string>; annotations?: Record<string, string> }, fields: Obj): ManagedFieldsEntry {
  const md: Obj = {};
  if (metadata.annotations) md.annotations = metadata.annotations;
  if (metadata.labels) md.labels = metadata.labels;
  return managedEntry('kubectl-client-side-apply', apiVersion, time, fieldsV1Of({ ...fields, metadata: md }));
}

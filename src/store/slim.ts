import { LAST_APPLIED_ANNOTATION, type KubeObject, type ObjectMeta } from '../kube/types.js';

/** Annotation the catalog adds to a Secret whose values it redacted; its value lists the redacted fields ("data", "stringData" or "data,stringData"). */
export const REDACTED_ANNOTATION = 'kubeatlas.io/redacted';

/** The value a redacted Secret value is replaced with. */
export const REDACTED_VALUE = '';

export interface SlimOptions {
  /** The object is a core/v1 Secret. */
  isSecret: boolean;
  /** Keep Secret `data`/`stringData` values (cluster opt-in). */
  keepSecretValues?: boolean;
  /** Replaces metadata.labels (the store passes its interned, equal map). */
  labels?: Readonly<Record<string, string>>;
}

/**
 * The catalog's copy of an object:
 * - `metadata.managedFields` dropped;
 * - the `kubectl.kubernetes.io/last-applied-configuration` annotation dropped
 *   (an empty annotations map is then dropped too) — for Secrets it would
 *   otherwise carry every value in clear;
 * - for Secrets, unless `keepSecretValues`: every value of `data` and
 *   `stringData` replaced by "" (the keys stay: users want to know which keys
 *   exist), and the annotation `kubeatlas.io/redacted` set to the redacted
 *   fields. "" is valid base64, so the object still has a valid Secret shape;
 *   the annotation tells it apart from a Secret with empty values.
 *
 * Never mutates `obj`: the top level and `metadata` are fresh objects; other
 * sub-objects (spec, status, ...) are shared with `obj` and must be treated as
 * read-only.
 */
export function slimObject(obj: KubeObject, options: SlimOptions): KubeObject {
  const { managedFields: _dropped, ...meta } = obj.metadata ?? ({} as ObjectMeta);
  void _dropped;
  const metadata: ObjectMeta = meta;
  if (options.labels !== undefined && metadata.labels !== undefined) metadata.labels = options.labels as Record<string, string>;
  const annotations = metadata.annotations;
  if (annotations && Object.prototype.hasOwnProperty.call(annotations, LAST_APPLIED_ANNOTATION)) {
    const { [LAST_APPLIED_ANNOTATION]: _lastApplied, ...rest } = annotations;
    void _lastApplied;
    if (Object.keys(rest).length > 0) metadata.annotations = rest;
    else delete metadata.annotations;
  }
  const out: KubeObject = { ...obj, metadata };
  if (options.isSecret && !options.keepSecretValues) redactSecret(out, metadata);
  return out;
}

function redactSecret(out: KubeObject, metadata: ObjectMeta): void {
  const redacted: string[] = [];
  for (const field of ['data', 'stringData'] as const) {
    const values = out[field];
    if (values === null || typeof values !== 'object' || Array.isArray(values)) continue;
    const keys = Object.keys(values);
    if (keys.length === 0) continue;
    const blank: Record<string, string> = {};
    for (const k of keys) blank[k] = REDACTED_VALUE;
    out[field] = blank;
    redacted.push(field);
  }
  if (redacted.length > 0) metadata.annotations = { ...(metadata.annotations ?? {}), [REDACTED_ANNOTATION]: redacted.join(',') };
}

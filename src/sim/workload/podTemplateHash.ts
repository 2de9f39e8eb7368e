import { fnv32a, safeEncode } from './random.js';

/**
 * The pod-template-hash of a pod template, as the deployment controller
 * stamps it on the ReplicaSet name, selector and pods. Computed over the
 * template with object keys sorted (so that key order on the wire does not
 * matter) and without the pod-template-hash label itself. The seed and the
 * deployment controller share this function, so a seeded Deployment's current
 * ReplicaSet is the one the controller expects.
 */
export function podTemplateHash(template: unknown, collisionCount = 0): string {
  return safeEncode(String(fnv32a(canonicalJson(withoutHashLabel(template)) + (collisionCount ? `#${collisionCount}` : ''))));
}

function withoutHashLabel(template: unknown): unknown {
  if (!template || typeof template !== 'object') return template;
  const t = template as { metadata?: { labels?: Record<string, string> } };
  const labels = t.metadata?.labels;
  if (!labels || !('pod-template-hash' in labels)) return template;
  const { 'pod-template-hash': _omit, ...rest } = labels;
  void _omit;
  return { ...t, metadata: { ...t.metadata, labels: rest } };
}

/** JSON with object keys sorted recursively; null/undefined members dropped. */
export function canonicalJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) {
    let s = '[';
    for (let i = 0; i < v.length; i++) s += (i ? ',' : '') + canonicalJson(v[i]);
    return `${s}]`;
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort();
  let s = '{';
  let first = true;
  for (const k of keys) {
    const x = o[k];
    if (x === undefined || x === null) continue;
    s += `${first ? '' : ','}${JSON.stringify(k)}:${canonicalJson(x)}`;
    first = false;
  }
  return `${s}}`;
}

import type { KubeObject } from '../kube/types.js';
import type { SimKind } from './types.js';

/**
 * Field selectors ("metadata.name=x,status.phase!=Pending") parsed as
 * k8s.io/apimachinery/pkg/fields does, over the per-kind field sets the real
 * apiserver supports (pods: spec.nodeName, status.phase, ...).
 */

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

export class FieldSelectorError extends Error {}

/** Fields every kind supports. */
const COMMON = ['metadata.name', 'metadata.namespace'];

/** Extra selectable fields per kind key ("Pod", "apps/ReplicaSet"...), as the 1.28 registries declare them. */
const EXTRA: Record<string, string[]> = {
  Pod: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
  Event: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  Namespace: ['status.phase'],
  Node: ['spec.unschedulable'],
  Secret: ['type'],
  Service: ['spec.clusterIP', 'spec.type'],
  PersistentVolumeClaim: ['spec.volumeName'],
  ReplicationController: ['status.replicas'],
  'apps/ReplicaSet': ['status.replicas'],
  'batch/Job': ['status.successful'],
  'certificates.k8s.io/CertificateSigningRequest': ['spec.signerName'],
};

function kindKeyOf(kind: SimKind): string {
  return kind.group ? `${kind.group}/${kind.kind}` : kind.kind;
}

export function supportedFields(kind: SimKind): string[] {
  return [...COMMON, ...(EXTRA[kindKeyOf(kind)] ?? [])];
}

function fieldValue(obj: KubeObject, path: string): string {
  if (path === 'source') {
    const src = (obj as { source?: { component?: string } }).source;
    return src?.component ?? '';
  }
  let cur: unknown = obj;
  for (const p of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[p];
  }
  if (cur === undefined || cur === null) return path === 'spec.unschedulable' || path === 'spec.hostNetwork' ? 'false' : '';
  return String(cur);
}

/** Values of every selectable field of `obj`, computed once per write. */
export function selectableFields(kind: SimKind, obj: KubeObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of supportedFields(kind)) out[f] = fieldValue(obj, f);
  return out;
}

/**
 * Parses a field selector for `kind`. Throws FieldSelectorError with the
 * apiserver's message ("field label not supported: X", "invalid selector: ...").
 */
export function parseFieldSelector(kind: SimKind, input: string): FieldRequirement[] {
  const reqs: FieldRequirement[] = [];
  if (input.trim() === '') return reqs;
  for (const term of splitTerms(input)) {
    if (term === '') continue;
    const parsed = parseTerm(term);
    if (!parsed) throw new FieldSelectorError(`invalid selector: '${input}'; can't understand '${term}'`);
    reqs.push(parsed);
  }
  const supported = new Set(supportedFields(kind));
  for (const r of reqs) if (!supported.has(r.field)) throw new FieldSelectorError(`field label not supported: ${r.field}`);
  return reqs;
}

function splitTerms(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && i + 1 < s.length) {
      cur += c + s[i + 1];
      i++;
    } else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function unescape(v: string): string {
  return v.replace(/\\(.)/g, '$1');
}

function parseTerm(term: string): FieldRequirement | undefined {
  for (const [op, norm] of [['!=', '!='], ['==', '='], ['=', '=']] as const) {
    const i = term.indexOf(op);
    if (i > 0) return { field: term.slice(0, i).trim(), op: norm, value: unescape(term.slice(i + op.length)) };
  }
  return undefined;
}

export function fieldsMatch(reqs: readonly FieldRequirement[], fields: Readonly<Record<string, string>>): boolean {
  for (const r of reqs) {
    const v = fields[r.field] ?? '';
    if (r.op === '=' ? v !== r.value : v === r.value) return false;
  }
  return true;
}

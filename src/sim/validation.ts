import type { KubeObject, StatusCause } from '../kube/types.js';
import { apiErrors } from './errors.js';
import { validateLabelName, validateSubdomainName } from './names.js';
import type { SimKind } from './types.js';
import { selectorFromObject } from '../kube/labelSelector.js';

/**
 * Object validation the real apiserver performs that clients notice: name
 * formats, and the common workload errors (negative replicas, selector not
 * matching the template, missing image). Throws 422 Invalid with one cause
 * per problem, as the captures show.
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Kinds whose names are DNS-1123 labels rather than subdomains. */
const LABEL_NAMED = new Set(['Namespace', 'Service']);

function goMap(m: Record<string, unknown>): string {
  const entries = Object.keys(m)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(m[k])}`);
  return `map[string]string{${entries.join(', ')}}`;
}

function podSpecCauses(spec: unknown, prefix: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (!isObj(spec)) return causes;
  const containers = Array.isArray(spec.containers) ? spec.containers : [];
  if (!containers.length) causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: `${prefix}.containers` });
  containers.forEach((c, i) => {
    if (!isObj(c)) return;
    if (!c.name) causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: `${prefix}.containers[${i}].name` });
    if (!c.image) causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: `${prefix}.containers[${i}].image` });
  });
  return causes;
}

function workloadCauses(kind: SimKind, obj: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = obj.spec;
  if (!isObj(spec)) return causes;
  if (typeof spec.replicas === 'number' && spec.replicas < 0) {
    causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${spec.replicas}: must be greater than or equal to 0`, field: 'spec.replicas' });
  }
  const tpl = isObj(spec.template) ? spec.template : undefined;
  if (['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet'].includes(kind.kind) && kind.group === 'apps') {
    const labels = (isObj(tpl?.metadata) && isObj((tpl!.metadata as Obj).labels) ? (tpl!.metadata as Obj).labels : {}) as Record<string, string>;
    if (!isObj(spec.selector)) causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.selector' });
    else if (!selectorFromObject(spec.selector as never).matches(labels)) {
      causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${goMap(labels)}: \`selector\` does not match template \`labels\``, field: 'spec.template.metadata.labels' });
    }
  }
  if (tpl) causes.push(...podSpecCauses(tpl.spec, 'spec.template.spec'));
  return causes;
}

/** Validates an object about to be created or updated. */
export function validateObject(kind: SimKind, obj: KubeObject): void {
  const name = obj.metadata.name ?? '';
  const causes: StatusCause[] = [];
  if (name) {
    const msg = kind.group === '' && LABEL_NAMED.has(kind.kind) ? validateLabelName(name) : kind.group === '' && kind.kind === 'Event' ? undefined : validateSubdomainName(name);
    if (msg) causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(name)}: ${msg}`, field: 'metadata.name' });
  }
  if (kind.group === 'apps') causes.push(...workloadCauses(kind, obj));
  if (kind.group === '' && kind.kind === 'Pod') causes.push(...podSpecCauses(obj.spec, 'spec'));
  if (causes.length) {
    const label = kind.group ? `${kind.kind}.${kind.group}` : kind.kind;
    throw apiErrors.invalid(label, kind.group, kind.kind, name, causes);
  }
}

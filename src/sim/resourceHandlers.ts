import { parse as parseYaml, stringify as yamlStringify } from 'yaml';
import type { KubeObject, Status } from '../kube/types.js';
import type { HandlerContext } from './context.js';
import { apiErrors, SimApiError, failureStatus } from './errors.js';
import { readBody, sendBody, sendStatus } from './http.js';
import { parseStored } from './storedObject.js';
import { managerFromUserAgent } from './managedFields.js';
import { applyJsonPatch, mergePatch, parsePatchBody, patchTypeOf, strategicMergePatch } from './patch.js';
import { serverSideApply } from './apply.js';
import { deleteObject, returnsDeletedObject, type DeleteRequest, type PropagationPolicy } from './deletion.js';
import { validateObject } from './validation.js';
import { rfc3339 } from './names.js';
import { tableJson, parseIncludeObject } from './table.js';
import { parseSelection } from './selection.js';
import { writeList } from './listing.js';
import { isCustomResourceKind } from './simKinds.js';
import type { SimKind } from './types.js';
import type { WriteOptions } from './store.js';

/**
 * GET / POST / PUT / PATCH / DELETE / deletecollection of objects and of the
 * status and scale subresources, with the real apiserver's options
 * (dryRun, fieldManager, fieldValidation, preconditions, propagationPolicy)
 * and error answers.
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function ref(kind: SimKind, sub?: string): { group: string; resource: string } {
  return { group: kind.group, resource: sub ? `${kind.plural}/${sub}` : kind.plural };
}

function namespaceOf(h: HandlerContext): string | undefined {
  return h.endpoint.kind.namespaced ? h.info.namespace : undefined;
}

/** Sends an object in the negotiated representation (JSON, YAML, Table, PartialObjectMetadata). */
export function sendObject(h: HandlerContext, code: number, obj: KubeObject): void {
  const ep = h.endpoint;
  const out = ep.toVersion && !ep.storageVersion ? ep.toVersion(obj) : obj;
  let json: string;
  switch (h.negotiated.as) {
    case 'Table':
      json = tableJson(ep.kind, [out], { resourceVersion: out.metadata.resourceVersion ?? '' }, parseIncludeObject(h.query.get('includeObject')));
      break;
    case 'PartialObjectMetadata':
    case 'PartialObjectMetadataList':
      json = JSON.stringify({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: out.metadata });
      break;
    default:
      json = JSON.stringify(out);
  }
  if (h.negotiated.format === 'yaml') sendBody(h.req, h.res, code, yamlStringify(JSON.parse(json), { sortMapEntries: true }), h.rctx, 'application/yaml');
  else sendBody(h.req, h.res, code, json + '\n', h.rctx, 'application/json');
}

function dryRunOf(h: HandlerContext, optionsKind: string): boolean {
  const values = h.query.getAll('dryRun');
  if (!values.length) return false;
  for (const v of values) {
    if (v !== 'All') {
      const list = `[]string{${values.map((x) => JSON.stringify(x)).join(', ')}}`;
      throw apiErrors.invalidOptions(optionsKind, 'dryRun', 'FieldValueNotSupported', `Unsupported value: ${list}: supported values: "All"`);
    }
  }
  return true;
}

function fieldManagerOf(h: HandlerContext): string {
  return h.query.get('fieldManager') || managerFromUserAgent(h.req.headers['user-agent']);
}

function fieldValidationOf(h: HandlerContext): void {
  const v = h.query.get('fieldValidation');
  if (v !== null && v !== '' && !['Strict', 'Warn', 'Ignore'].includes(v)) {
    throw apiErrors.badRequest(`fieldValidation must be one of "Ignore", "Warn", or "Strict", got ${v}`);
  }
}

/** Decodes a JSON/YAML request body into an object of the endpoint's kind. */
async function decodeObject(h: HandlerContext): Promise<KubeObject> {
  const body = await readBody(h.req);
  const kind = h.endpoint.kind;
  const ct = (h.req.headers['content-type'] ?? 'application/json').split(';')[0].trim();
  let parsed: unknown;
  const text = body.toString('utf8');
  try {
    parsed = ct === 'application/yaml' ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    const reason = text.trim() === '' || /end of (JSON )?input|Unexpected end/i.test((e as Error).message) ? 'unexpected end of JSON input' : `invalid character in JSON: ${(e as Error).message.split('\n')[0]}`;
    const snippet = text.length > 30 ? `${text.slice(0, 30)} ...` : text;
    throw apiErrors.badRequest(`the object provided is unrecognized (must be of type ${kind.kind}): couldn't get version/kind; json parse error: ${reason} (${snippet})`);
  }
  if (!isObj(parsed)) throw apiErrors.badRequest(`the object provided is unrecognized (must be of type ${kind.kind}): couldn't get version/kind; json parse error: json: cannot unmarshal ${Array.isArray(parsed) ? 'array' : typeof parsed} into Go value of type struct`);
  const obj = parsed as KubeObject;
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : h.endpoint.apiVersion;
  const objKind = typeof obj.kind === 'string' ? obj.kind : kind.kind;
  if (objKind !== kind.kind || (apiVersion !== h.endpoint.apiVersion && !apiVersion.startsWith(`${kind.group}/`) && !(kind.group === '' && apiVersion === 'v1'))) {
    const internal = kind.group ? kind.group.split('.')[0] : 'core';
    throw apiErrors.badRequest(`${objKind} in version ${JSON.stringify(apiVersion.split('/').pop())} cannot be handled as a ${kind.kind}: converting (${apiVersion.split('/').pop()}.${objKind}) to (${internal}.${kind.kind}): unknown conversion`);
  }
  obj.apiVersion = h.endpoint.apiVersion;
  obj.kind = kind.kind;
  if (!isObj(obj.metadata)) obj.metadata = {};
  return obj;
}

function checkNamespaceMatch(h: HandlerContext, obj: KubeObject): void {
  if (!h.endpoint.kind.namespaced) return;
  const urlNs = h.info.namespace;
  if (obj.metadata.namespace && urlNs && obj.metadata.namespace !== urlNs) throw apiErrors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  obj.metadata.namespace = urlNs;
}

/** NamespaceLifecycle admission: creating in a missing or terminating namespace fails. */
function admitNamespace(h: HandlerContext, name: string): void {
  const kind = h.endpoint.kind;
  if (!kind.namespaced || !h.info.namespace) return;
  const nsKind = h.store.kind('namespaces');
  const ns = h.store.getStored(nsKind, undefined, h.info.namespace);
  if (!ns) throw apiErrors.notFound({ group: '', resource: 'namespaces' }, h.info.namespace);
  if (ns.json.includes('"phase":"Terminating"')) {
    const d: NonNullable<Status['details']> = { name };
    if (kind.group) d.group = kind.group;
    d.kind = kind.plural;
    throw new SimApiError(
      failureStatus(403, `${kind.group ? `${kind.plural}.${kind.group}` : kind.plural} "${name}" is forbidden: unable to create new content in namespace ${h.info.namespace} because it is being terminated`, 'Forbidden', {
        ...d,
        causes: [{ reason: 'NamespaceTerminating', message: `namespace ${h.info.namespace} is being terminated`, field: 'metadata.namespace' }],
      }),
    );
  }
}

/** Fields a client cannot set on create. */
function stripServerFields(kind: SimKind, obj: KubeObject): void {
  const md = obj.metadata;
  delete md.uid;
  delete md.resourceVersion;
  delete md.creationTimestamp;
  delete md.deletionTimestamp;
  delete md.deletionGracePeriodSeconds;
  delete md.generation;
  delete md.managedFields;
  delete md.selfLink;
  // Status sent on create is reset by the registries of kinds with a status subresource (Node keeps it).
  if (kind.subresources?.includes('status') && !(kind.group === '' && kind.kind === 'Node')) delete obj.status;
}

// ------------------------------------------------------------------ GET

export function handleGet(h: HandlerContext): void {
  const kind = h.endpoint.kind;
  const name = h.info.name!;
  const sub = h.info.subresource;
  const so = h.store.getStored(kind, namespaceOf(h), name);
  if (!so) throw apiErrors.notFound(ref(kind, sub), name);
  if (sub === 'scale') {
    sendBody(h.req, h.res, 200, JSON.stringify(scaleOf(kind, parseStored(kind, so))) + '\n', h.rctx, 'application/json');
    return;
  }
  if (h.negotiated.as === 'object' && h.negotiated.format === 'json' && h.endpoint.storageVersion) {
    sendBody(h.req, h.res, 200, `{"kind":${JSON.stringify(kind.kind)},"apiVersion":${JSON.stringify(h.endpoint.apiVersion)},${so.json.slice(1)}\n`, h.rctx, 'application/json');
    return;
  }
  sendObject(h, 200, parseStored(kind, so));
}

// ------------------------------------------------------------------ scale

function selectorString(sel: unknown): string {
  const s = isObj(sel) ? sel : {};
  const parts: string[] = [];
  for (const [k, v] of Object.entries(isObj(s.matchLabels) ? s.matchLabels : {})) parts.push(`${k}=${String(v)}`);
  for (const e of Array.isArray(s.matchExpressions) ? s.matchExpressions : []) {
    if (!isObj(e)) continue;
    const vals = Array.isArray(e.values) ? (e.values as string[]).join(',') : '';
    if (e.operator === 'In') parts.push(`${String(e.key)} in (${vals})`);
    else if (e.operator === 'NotIn') parts.push(`${String(e.key)} notin (${vals})`);
    else if (e.operator === 'Exists') parts.push(String(e.key));
    else if (e.operator === 'DoesNotExist') parts.push(`!${String(e.key)}`);
  }
  return parts.join(',');
}

function scaleOf(kind: SimKind, obj: KubeObject): KubeObject {
  const spec = isObj(obj.spec) ? obj.spec : {};
  const status = isObj(obj.status) ? obj.status : {};
  const md = obj.metadata;
  const scaleMd: Obj = { name: md.name };
  if (md.namespace) scaleMd.namespace = md.namespace;
  scaleMd.uid = md.uid;
  scaleMd.resourceVersion = md.resourceVersion;
  scaleMd.creationTimestamp = md.creationTimestamp;
  const st: Obj = { replicas: Number(status.replicas ?? 0) };
  const sel = selectorString(spec.selector);
  if (sel) st.selector = sel;
  return { kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: scaleMd, spec: { replicas: Number(spec.replicas ?? 0) }, status: st } as KubeObject;
}

// ------------------------------------------------------------------ POST

export async function handleCreate(h: HandlerContext): Promise<void> {
  const kind = h.endpoint.kind;
  if (h.info.name !== undefined) throw apiErrors.methodNotAllowed();
  const dryRun = dryRunOf(h, 'CreateOptions');
  fieldValidationOf(h);
  const obj = await decodeObject(h);
  checkNamespaceMatch(h, obj);
  stripServerFields(kind, obj);
  if (!obj.metadata.name && !obj.metadata.generateName) {
    throw apiErrors.invalid(kind.group ? `${kind.kind}.${kind.group}` : kind.kind, kind.group, kind.kind, '', [{ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' }]);
  }
  validateObject(kind, { ...obj, metadata: { ...obj.metadata, name: obj.metadata.name ?? `${obj.metadata.generateName}xxxxx` } });
  admitNamespace(h, obj.metadata.name ?? '');
  const created = h.store.createWith(kind, obj, { manager: fieldManagerOf(h), dryRun, statusIsManaged: kind.group === '' && kind.kind === 'Node' });
  sendObject(h, 201, created);
}

// ------------------------------------------------------------------ PUT

function writeOptions(h: HandlerContext, dryRun: boolean, extra: Partial<WriteOptions> = {}): WriteOptions {
  const sub = h.info.subresource;
  return { manager: fieldManagerOf(h), dryRun, subresource: sub, statusIsManaged: sub === 'status', ...extra };
}

/** Merges what the subresource may change into the current object. */
function confineToSubresource(kind: SimKind, current: KubeObject, next: KubeObject, sub: string | undefined): KubeObject {
  if (sub === 'status') {
    return { ...current, metadata: { ...current.metadata, labels: next.metadata.labels, annotations: next.metadata.annotations, resourceVersion: next.metadata.resourceVersion ?? current.metadata.resourceVersion }, status: next.status };
  }
  // Writes to the main resource cannot change status when the kind has a status subresource,
  // nor deletion fields.
  const out: KubeObject = { ...next, metadata: { ...next.metadata } };
  if (kind.subresources?.includes('status')) {
    if (current.status === undefined) delete out.status;
    else out.status = current.status;
  }
  delete out.metadata.deletionTimestamp;
  delete out.metadata.deletionGracePeriodSeconds;
  return out;
}

export async function handleUpdate(h: HandlerContext): Promise<void> {
  const kind = h.endpoint.kind;
  const name = h.info.name;
  if (name === undefined) throw apiErrors.methodNotAllowed();
  const sub = h.info.subresource;
  const dryRun = dryRunOf(h, 'UpdateOptions');
  fieldValidationOf(h);
  if (sub === 'scale') return handleScaleWrite(h, await readScaleBody(h), dryRun);
  const obj = await decodeObject(h);
  checkNamespaceMatch(h, obj);
  if (obj.metadata.name !== undefined && obj.metadata.name !== name) throw apiErrors.badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
  obj.metadata.name = name;
  const so = h.store.getStored(kind, namespaceOf(h), name);
  if (!so) throw apiErrors.notFound(ref(kind, sub), name);
  const current = parseStored(kind, so);
  const next = confineToSubresource(kind, current, obj, sub);
  validateObject(kind, next);
  const updated = h.store.updateWith(kind, next, writeOptions(h, dryRun));
  sendObject(h, 200, updated);
}

async function readScaleBody(h: HandlerContext): Promise<KubeObject> {
  const body = await readBody(h.req);
  try {
    const s = JSON.parse(body.toString('utf8')) as KubeObject;
    if (!isObj(s) || !isObj(s.metadata)) (s as Obj).metadata = {};
    return s;
  } catch {
    throw apiErrors.badRequest('the object provided is unrecognized (must be of type Scale): couldn\'t get version/kind; json parse error: unexpected end of JSON input');
  }
}

/** PUT/PATCH of .../scale: writes spec.replicas of the parent with the Scale's resourceVersion as precondition. */
function handleScaleWrite(h: HandlerContext, scale: KubeObject, dryRun: boolean): void {
  const kind = h.endpoint.kind;
  const name = h.info.name!;
  const so = h.store.getStored(kind, namespaceOf(h), name);
  if (!so) throw apiErrors.notFound(ref(kind, 'scale'), name);
  const current = parseStored(kind, so);
  const rv = scale.metadata?.resourceVersion;
  if (rv && rv !== current.metadata.resourceVersion) throw apiErrors.conflict(ref(kind), name);
  const replicas = isObj(scale.spec) ? Number(scale.spec.replicas ?? 0) : 0;
  if (replicas < 0) {
    throw apiErrors.invalid('Scale.autoscaling', 'autoscaling', 'Scale', name, [{ reason: 'FieldValueInvalid', message: `Invalid value: ${replicas}: must be greater than or equal to 0`, field: 'spec.replicas' }]);
  }
  const next = { ...current, spec: { ...(current.spec as Obj), replicas } };
  const updated = h.store.updateWith(kind, next, { manager: fieldManagerOf(h), dryRun, subresource: 'scale', statusIsManaged: false, checkResourceVersion: false });
  sendBody(h.req, h.res, 200, JSON.stringify(scaleOf(kind, updated)) + '\n', h.rctx, 'application/json');
}

// ------------------------------------------------------------------ PATCH

export async function handlePatch(h: HandlerContext): Promise<void> {
  const kind = h.endpoint.kind;
  const name = h.info.name;
  if (name === undefined) throw apiErrors.methodNotAllowed();
  const sub = h.info.subresource;
  const type = patchTypeOf(h.req.headers['content-type']);
  if (!type) throw apiErrors.unsupportedMediaType();
  const dryRun = dryRunOf(h, 'PatchOptions');
  fieldValidationOf(h);
  if (type === 'apply' && !h.query.get('fieldManager')) {
    throw apiErrors.invalidOptions('PatchOptions', 'fieldManager', 'FieldValueRequired', 'Required value: is required for apply patch');
  }
  const patch = parsePatchBody(type, await readBody(h.req));
  const so = h.store.getStored(kind, namespaceOf(h), name);

  if (type === 'apply') {
    if (!isObj(patch)) throw apiErrors.badRequest('error decoding YAML: the apply configuration must be an object');
    const config = patch as KubeObject;
    if (!isObj(config.metadata)) config.metadata = {};
    if (config.metadata.name !== undefined && config.metadata.name !== name) throw apiErrors.badRequest(`the name of the object (${String(config.metadata.name)}) does not match the name on the URL (${name})`);
    config.metadata.name = name;
    if (kind.namespaced) {
      if (config.metadata.namespace && config.metadata.namespace !== h.info.namespace) throw apiErrors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      config.metadata.namespace = h.info.namespace;
    }
    const force = h.query.get('force') === 'true';
    const req = { manager: h.query.get('fieldManager')!, force, apiVersion: h.endpoint.apiVersion, time: rfc3339(), subresource: sub };
    if (!so) {
      if (sub) throw apiErrors.notFound(ref(kind, sub), name);
      const obj = serverSideApply(undefined, config, req);
      obj.apiVersion = h.endpoint.apiVersion;
      obj.kind = kind.kind;
      stripServerFields(kind, obj);
      obj.metadata.managedFields = serverSideApply(undefined, config, req).metadata.managedFields;
      validateObject(kind, obj);
      admitNamespace(h, name);
      const created = h.store.createWith(kind, obj, { manager: req.manager, dryRun, keepManagedFields: true });
      sendObject(h, 201, created);
      return;
    }
    const current = parseStored(kind, so);
    const merged = serverSideApply(current, config, req);
    const next = confineToSubresource(kind, current, merged, sub);
    next.metadata.managedFields = merged.metadata.managedFields;
    validateObject(kind, next);
    const updated = h.store.updateWith(kind, next, { ...writeOptions(h, dryRun), manager: req.manager, keepManagedFields: true, checkResourceVersion: config.metadata.resourceVersion !== undefined });
    sendObject(h, 200, updated);
    return;
  }

  if (!so) throw apiErrors.notFound(ref(kind, sub), name);
  const current = parseStored(kind, so);
  if (sub === 'scale') {
    const scale = scaleOf(kind, current);
    const patched = type === 'json' ? applyJsonPatch(scale, patch) : (mergePatch(scale, patch) as KubeObject);
    handleScaleWrite(h, patched, dryRun);
    return;
  }
  let patched: KubeObject;
  if (type === 'json') patched = applyJsonPatch(current, patch);
  else if (type === 'merge' || isCustomResourceKind(kind)) {
    if (type === 'strategic' && isCustomResourceKind(kind)) throw apiErrors.unsupportedMediaType();
    patched = mergePatch(current, patch) as KubeObject;
  } else patched = strategicMergePatch(current, patch);
  if (!isObj(patched) || !isObj(patched.metadata)) throw apiErrors.patchRejected();
  // A resourceVersion in the patch is a precondition; otherwise the patch applies to the current state.
  const patchRv = isObj(patch) && isObj((patch as Obj).metadata) ? ((patch as Obj).metadata as Obj).resourceVersion : undefined;
  if (patchRv !== undefined && patchRv !== null && String(patchRv) !== current.metadata.resourceVersion) throw apiErrors.conflict(ref(kind), name);
  patched.metadata.resourceVersion = current.metadata.resourceVersion;
  patched.metadata.name = name;
  if (kind.namespaced) patched.metadata.namespace = current.metadata.namespace;
  const next = confineToSubresource(kind, current, patched, sub);
  validateObject(kind, next);
  const updated = h.store.updateWith(kind, next, writeOptions(h, dryRun));
  sendObject(h, 200, updated);
}

// ------------------------------------------------------------------ DELETE

async function deleteRequestOf(h: HandlerContext): Promise<DeleteRequest> {
  const q = h.query;
  const req: DeleteRequest = { manager: fieldManagerOf(h) };
  const body = await readBody(h.req);
  if (body.length) {
    let opts: Obj;
    try {
      opts = JSON.parse(body.toString('utf8')) as Obj;
    } catch {
      throw apiErrors.badRequest('the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf');
    }
    if (typeof opts.gracePeriodSeconds === 'number') req.gracePeriodSeconds = opts.gracePeriodSeconds;
    if (typeof opts.propagationPolicy === 'string') req.propagationPolicy = opts.propagationPolicy as PropagationPolicy;
    if (opts.orphanDependents === true) req.propagationPolicy = 'Orphan';
    if (isObj(opts.preconditions)) {
      req.preconditions = {};
      if (typeof opts.preconditions.uid === 'string') req.preconditions.uid = opts.preconditions.uid;
      if (typeof opts.preconditions.resourceVersion === 'string') req.preconditions.resourceVersion = opts.preconditions.resourceVersion;
    }
    if (Array.isArray(opts.dryRun) && opts.dryRun.length) {
      if (opts.dryRun.some((v) => v !== 'All')) throw apiErrors.invalidOptions('DeleteOptions', 'dryRun', 'FieldValueNotSupported', `Unsupported value: []string{${(opts.dryRun as string[]).map((x) => JSON.stringify(x)).join(', ')}}: supported values: "All"`);
      req.dryRun = true;
    }
  }
  const gp = q.get('gracePeriodSeconds');
  if (gp !== null && /^-?\d+$/.test(gp)) req.gracePeriodSeconds = Math.max(0, Number(gp));
  const pp = q.get('propagationPolicy');
  if (pp) req.propagationPolicy = pp as PropagationPolicy;
  if (req.propagationPolicy && !['Foreground', 'Background', 'Orphan'].includes(req.propagationPolicy)) {
    throw apiErrors.invalidOptions('DeleteOptions', 'propagationPolicy', 'FieldValueNotSupported', `Unsupported value: "${req.propagationPolicy}": supported values: "Foreground", "Background", "Orphan", "nil"`);
  }
  if (dryRunOf(h, 'DeleteOptions')) req.dryRun = true;
  return req;
}

function successStatus(kind: SimKind, name: string, uid: string | undefined): Status {
  const details: NonNullable<Status['details']> = { name };
  if (kind.group) details.group = kind.group;
  details.kind = kind.plural;
  if (uid) details.uid = uid;
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details } as Status;
}

export async function handleDelete(h: HandlerContext): Promise<void> {
  const kind = h.endpoint.kind;
  const name = h.info.name!;
  if (h.info.subresource) throw apiErrors.methodNotAllowed();
  const req = await deleteRequestOf(h);
  const result = deleteObject(h.store, kind, namespaceOf(h), name, req);
  if (!result.deleted || returnsDeletedObject(kind)) {
    sendObject(h, 200, result.object);
    return;
  }
  sendStatus(h.req, h.res, successStatus(kind, name, result.object.metadata.uid), h.rctx);
}

export async function handleDeleteCollection(h: HandlerContext): Promise<void> {
  const kind = h.endpoint.kind;
  if (!kind.verbs.includes('deletecollection')) throw apiErrors.methodNotAllowed();
  const req = await deleteRequestOf(h);
  const sel = parseSelection(kind, h.query);
  const ns = namespaceOf(h);
  const items = h.store.currentSnapshot(kind).filter((so) => (ns === undefined || so.namespace === ns) && sel.matches(so));
  const deleted = [];
  for (const so of items) {
    try {
      const r = deleteObject(h.store, kind, so.namespace, so.name, req);
      deleted.push(h.store.getStored(kind, so.namespace, so.name) ?? so);
      void r;
    } catch (e) {
      if (!(e instanceof SimApiError && e.code === 404)) throw e;
    }
  }
  await writeList(h, { items: deleted, listRv: h.store.resourceVersion });
}

import type { KubeObject } from '../kube/types.js';
import type { HandlerContext } from './context.js';
import { apiErrors } from './errors.js';
import { readBody, sendBody } from './http.js';
import { authorize, isAdmin } from './auth.js';
import type { SimAllowRule } from './auth.js';

/**
 * Resources without storage that discovery lists: access reviews (what
 * `kubectl auth can-i` and `kubectl auth whoami` call), component statuses.
 * Every other verb on them answers 405 like the real server.
 */

type Obj = Record<string, unknown>;

export const VIRTUAL_RESOURCES = new Set(['selfsubjectaccessreviews', 'selfsubjectrulesreviews', 'selfsubjectreviews', 'subjectaccessreviews', 'localsubjectaccessreviews', 'tokenreviews', 'componentstatuses', 'bindings']);

async function bodyOf(h: HandlerContext): Promise<Obj> {
  const raw = await readBody(h.req);
  try {
    const v = JSON.parse(raw.toString('utf8')) as unknown;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Obj;
  } catch {
    /* fall through */
  }
  throw apiErrors.badRequest(`the object provided is unrecognized (must be of type ${h.endpoint.kind.kind}): couldn't get version/kind; json parse error: unexpected end of JSON input`);
}

function reply(h: HandlerContext, code: number, obj: unknown): void {
  sendBody(h.req, h.res, code, JSON.stringify(obj) + '\n', h.rctx, 'application/json');
}

export async function handleVirtual(h: HandlerContext, rules: readonly SimAllowRule[]): Promise<void> {
  const resource = h.endpoint.resource;
  const apiVersion = h.endpoint.apiVersion;
  const kind = h.endpoint.kind.kind;
  if (resource === 'componentstatuses') {
    if (h.info.verb === 'list') return reply(h, 200, { kind: 'ComponentStatusList', apiVersion: 'v1', metadata: {}, items: [] });
    throw apiErrors.notFound({ group: '', resource }, h.info.name ?? '');
  }
  if (h.info.verb !== 'create') throw apiErrors.methodNotAllowed();
  const body = await bodyOf(h);
  const spec = (body.spec ?? {}) as Obj;
  switch (resource) {
    case 'selfsubjectaccessreviews': {
      const ra = (spec.resourceAttributes ?? {}) as Obj;
      const nra = (spec.nonResourceAttributes ?? {}) as Obj;
      const denied = ra.resource
        ? authorize(h.user, { kind: 'resource', group: String(ra.group ?? ''), version: String(ra.version ?? 'v1'), namespace: ra.namespace ? String(ra.namespace) : undefined, resource: String(ra.resource), name: ra.name ? String(ra.name) : undefined, subresource: ra.subresource ? String(ra.subresource) : undefined, verb: String(ra.verb ?? 'get') }, 'GET', rules)
        : authorize(h.user, { kind: 'nonresource', path: String(nra.path ?? '/') }, String(nra.verb ?? 'get').toUpperCase(), rules);
      const status: Obj = { allowed: !denied };
      if (isAdmin(h.user)) status.reason = '';
      return reply(h, 201, { kind, apiVersion, metadata: { creationTimestamp: null }, spec, status });
    }
    case 'selfsubjectreviews':
      return reply(h, 201, { kind, apiVersion, metadata: { creationTimestamp: null }, status: { userInfo: { username: h.user.name, groups: h.user.groups } } });
    case 'bindings': {
      const target = (body.target ?? {}) as Obj;
      const name = String(((body.metadata ?? {}) as Obj).name ?? h.info.name ?? '');
      const ns = h.info.namespace;
      const updated = h.store.mutate('pods', ns, name, (p: KubeObject) => {
        (p.spec as Obj).nodeName = String(target.name ?? '');
      }, 'kube-scheduler');
      if (!updated) throw apiErrors.notFound({ group: '', resource: 'pods' }, name);
      return reply(h, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    }
    default:
      return reply(h, 201, { kind, apiVersion, metadata: { creationTimestamp: null }, spec, status: { allowed: isAdmin(h.user), authenticated: true } });
  }
}

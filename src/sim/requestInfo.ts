/**
 * Splits a request path the way the apiserver's RequestInfoFactory does:
 * API prefix, group, version, namespace, resource, name, subresource, verb.
 */

export interface ResourceRequest {
  kind: 'resource';
  /** "" for the core group. */
  group: string;
  version: string;
  namespace: string | undefined;
  resource: string;
  name: string | undefined;
  subresource: string | undefined;
  /** get, list, watch, create, update, patch, delete, deletecollection */
  verb: string;
}

export interface NonResourceRequest {
  kind: 'nonresource';
  path: string;
}

export type RequestInfo = ResourceRequest | NonResourceRequest;

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

export function isWatchParam(v: string | null | undefined): boolean {
  return v === '1' || v === 'true';
}

export function parseRequestInfo(method: string, pathname: string, query: URLSearchParams): RequestInfo {
  const parts = pathname.split('/').filter((p) => p !== '');
  let group = '';
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 2) {
    rest = parts.slice(1);
  } else if (parts[0] === 'apis' && parts.length >= 3) {
    group = parts[1];
    rest = parts.slice(2);
  } else return { kind: 'nonresource', path: pathname };

  const version = rest[0];
  let cur = rest.slice(1);
  if (!cur.length) return { kind: 'nonresource', path: pathname };
  let legacyWatch = false;
  if (cur[0] === 'watch') {
    legacyWatch = true;
    cur = cur.slice(1);
  }
  let namespace: string | undefined;
  if (cur[0] === 'namespaces' && cur.length > 1) {
    namespace = decodeURIComponent(cur[1]);
    if (cur.length > 2 && !NAMESPACE_SUBRESOURCES.has(cur[2])) cur = cur.slice(2);
  }
  const resource = cur[0];
  const name = cur.length > 1 ? decodeURIComponent(cur[1]) : undefined;
  const subresource = cur.length > 2 ? cur[2] : undefined;
  if (!resource) return { kind: 'nonresource', path: pathname };

  let verb: string;
  switch (method) {
    case 'GET':
    case 'HEAD':
      verb = name === undefined ? 'list' : 'get';
      if (legacyWatch || (isWatchParam(query.get('watch')) && name === undefined)) verb = 'watch';
      break;
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = name === undefined ? 'deletecollection' : 'delete';
      break;
    default:
      verb = method.toLowerCase();
  }
  // As in the apiserver, GET /api/v1/namespaces/x carries namespace "x" (used in authorization messages).
  return { kind: 'resource', group, version, namespace, resource, name, subresource, verb };
}

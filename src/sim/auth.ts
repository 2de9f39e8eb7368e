import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Status } from '../kube/types.js';
import { failureStatus } from './errors.js';
import type { RequestInfo } from './requestInfo.js';

/**
 * Authentication (bearer tokens, client certificates, anonymous) and a small
 * RBAC-like authorizer: system:masters may do anything, other users only
 * what an `allow` rule grants, anonymous only the public health and version
 * paths. Forbidden answers carry the real apiserver's messages.
 */

export interface SimUser {
  name: string;
  groups: string[];
}

/** A grant for non-admin users (the simulator's stand-in for RBAC roles). */
export interface SimAllowRule {
  user?: string;
  group?: string;
  /** Verbs ("get", "list", "watch", ... or "*"). Default: all. */
  verbs?: string[];
  /** Plural resources ("pods", "deployments", "deployments/scale" or "*"). Default: all. */
  resources?: string[];
  /** Namespaces the rule applies in (undefined: every namespace and cluster scope). */
  namespaces?: string[];
}

export const ANONYMOUS: SimUser = Object.freeze({ name: 'system:anonymous', groups: ['system:unauthenticated'] }) as SimUser;

export type AuthResult = { ok: true; user: SimUser } | { ok: false };

/** Identifies the caller; `{ ok: false }` means 401 Unauthorized. */
export function authenticate(req: IncomingMessage, tokens: ReadonlyMap<string, SimUser>): AuthResult {
  const sock = req.socket as TLSSocket;
  const cert = typeof sock.getPeerCertificate === 'function' ? sock.getPeerCertificate() : undefined;
  const hasCert = !!cert && Object.keys(cert).length > 0;
  if (hasCert) {
    if (!sock.authorized) return { ok: false };
    const cn = cert.subject?.CN;
    const o = cert.subject?.O;
    const name = Array.isArray(cn) ? cn[0] : cn;
    if (!name) return { ok: false };
    const groups = o === undefined ? [] : Array.isArray(o) ? [...o] : [o];
    return { ok: true, user: { name, groups: [...groups, 'system:authenticated'] } };
  }
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (!m) return { ok: false };
    const u = tokens.get(m[1]);
    if (!u) return { ok: false };
    return { ok: true, user: { name: u.name, groups: [...u.groups, 'system:authenticated'] } };
  }
  return { ok: true, user: ANONYMOUS };
}

const PUBLIC_PATHS = ['/version', '/healthz', '/livez', '/readyz'];

function isPublicPath(path: string): boolean {
  return PUBLIC_PATHS.some((p) => path === p || path.startsWith(`${p}/`));
}

function ruleMatches(rule: SimAllowRule, user: SimUser, verb: string, resource: string, namespace: string | undefined): boolean {
  if (rule.user !== undefined && rule.user !== user.name) return false;
  if (rule.group !== undefined && !user.groups.includes(rule.group)) return false;
  if (rule.verbs && !rule.verbs.includes('*') && !rule.verbs.includes(verb)) return false;
  if (rule.resources && !rule.resources.includes('*') && !rule.resources.includes(resource)) return false;
  if (rule.namespaces && (namespace === undefined || !rule.namespaces.includes(namespace))) return false;
  return true;
}

export function isAdmin(user: SimUser): boolean {
  return user.groups.includes('system:masters');
}

/** Decides a request; returns the 403 Status when denied. */
export function authorize(user: SimUser, info: RequestInfo, method: string, rules: readonly SimAllowRule[]): Status | undefined {
  if (isAdmin(user)) return undefined;
  if (info.kind === 'nonresource') {
    if (isPublicPath(info.path)) return undefined;
    if (user !== ANONYMOUS && user.name !== 'system:anonymous') return undefined; // system:discovery, system:basic-user
    const verb = method === 'GET' || method === 'HEAD' ? 'get' : method.toLowerCase();
    return failureStatus(403, `forbidden: User "${user.name}" cannot ${verb} path "${info.path}"`, 'Forbidden', {});
  }
  const resource = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
  if (info.verb === 'create' && user.name !== 'system:anonymous' && (info.resource === 'selfsubjectaccessreviews' || info.resource === 'selfsubjectrulesreviews' || info.resource === 'selfsubjectreviews')) return undefined;
  if (rules.some((r) => ruleMatches(r, user, info.verb, resource, info.namespace))) return undefined;
  const scope = info.namespace !== undefined ? `in the namespace "${info.namespace}"` : 'at the cluster scope';
  const subject = info.name !== undefined ? `${qualified(resource, info.group)} "${info.name}"` : qualified(resource, info.group);
  const details: NonNullable<Status['details']> = {};
  if (info.name !== undefined) details.name = info.name;
  if (info.group) details.group = info.group;
  details.kind = resource;
  return failureStatus(
    403,
    `${subject} is forbidden: User "${user.name}" cannot ${info.verb} resource "${resource}" in API group "${info.group}" ${scope}`,
    'Forbidden',
    details,
  );
}

function qualified(resource: string, group: string): string {
  return group ? `${resource}.${group}` : resource;
}

import { apiErrors } from './errors.js';

/**
 * The apiserver's continue token: raw-URL base64 of
 * {"v":"meta.k8s.io/v1","rv":N,"start":"<key>\u0000"}, where key is relative
 * to the listed collection (namespace/name cluster-wide, name in a namespace).
 * rv -1 means "continue at the current state" (after a 410).
 */
export interface ContinueToken {
  rv: number;
  /** Key to start from (inclusive): the last returned key plus "\u0000". */
  start: string;
}

export function encodeContinue(rv: number, lastKey: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start: `${lastKey}\u0000` })).toString('base64url');
}

export function encodeContinueFromStart(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64url');
}

/** Decodes a token; invalid → 400 BadRequest as the apiserver answers. */
export function decodeContinue(token: string): ContinueToken {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw apiErrors.badRequest('invalid continue token: illegal base64 data or JSON');
  }
  const p = parsed as { v?: unknown; rv?: unknown; start?: unknown };
  if (p.v !== 'meta.k8s.io/v1') throw apiErrors.badRequest('continue key is not valid: unrecognized continue key version');
  if (typeof p.rv !== 'number' || !Number.isInteger(p.rv) || typeof p.start !== 'string' || p.start === '') {
    throw apiErrors.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
  if (p.start.includes('..') || p.start.startsWith('/')) throw apiErrors.badRequest('continue key is not valid: unable to encode next field: the encoded continue key is not valid');
  return { rv: p.rv, start: p.start };
}

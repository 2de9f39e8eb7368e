import { GraphQLError } from 'graphql';
import { isKubeatlasError, type ErrorCode, type KubeatlasError } from '../util/errors.js';
import { logger } from '../util/logger.js';

const log = logger('graphql');

/** Detail keys that are safe to show to clients (no secrets ever go into details, but be explicit). */
const PUBLIC_DETAIL_KEYS = new Set(['field', 'clusterId', 'kind', 'reason', 'httpStatus', 'limit', 'max', 'cursor', 'retryAfterSeconds']);

/** A GraphQLError carrying `extensions.code` (and safe details) for a KubeatlasError. */
export function toGraphQLError(e: KubeatlasError): GraphQLError {
  const extensions: Record<string, unknown> = { code: e.code };
  for (const [k, v] of Object.entries(e.details)) if (PUBLIC_DETAIL_KEYS.has(k) && v !== undefined) extensions[k] = v;
  return new GraphQLError(e.message, { extensions, originalError: e });
}

/** Builds a coded GraphQLError directly (validation-phase errors). */
export function codedError(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra } });
}

/**
 * yoga's `maskedErrors.maskError`: coded errors pass through with their code;
 * anything unexpected is logged and masked as INTERNAL.
 */
export function maskError(error: unknown, message: string): Error {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  if (isKubeatlasError(original)) {
    const g = toGraphQLError(original);
    return error instanceof GraphQLError ? new GraphQLError(g.message, { nodes: error.nodes, path: error.path, extensions: g.extensions, originalError: original }) : g;
  }
  if (error instanceof GraphQLError) {
    const inner = error.originalError;
    // Errors raised by graphql-js itself (validation, coercion) or already coded: keep.
    if (!inner || inner instanceof GraphQLError || typeof error.extensions?.code === 'string') {
      if (typeof error.extensions?.code === 'string') return error;
      return new GraphQLError(error.message, { nodes: error.nodes, path: error.path, extensions: { ...error.extensions, code: 'BAD_USER_INPUT' } });
    }
  }
  log.error({ err: original }, 'unexpected error in a resolver');
  const masked = new GraphQLError(message, { extensions: { code: 'INTERNAL' } });
  return error instanceof GraphQLError ? new GraphQLError(message, { nodes: error.nodes, path: error.path, extensions: { code: 'INTERNAL' } }) : masked;
}

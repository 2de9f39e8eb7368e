/**
 * Coded errors shared by every layer. The GraphQL layer maps `code` to
 * `extensions.code`; the CLI maps config errors to exit code 2.
 *
 * Contract: `message` never contains credentials or the contents of a file
 * that could not be parsed; put only field names, paths and reasons in it.
 */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'CLUSTER_UNAVAILABLE'
  | 'UPSTREAM_ERROR'
  | 'RESYNC_REQUIRED'
  | 'LIMIT_EXCEEDED'
  | 'CONFIG_INVALID'
  | 'INTERNAL';

export class KubeatlasError extends Error {
  readonly code: ErrorCode;
  /** Safe, structured details (field names, cluster ids, HTTP status), never secrets. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KubeatlasError';
    this.code = code;
    this.details = details;
  }
}

export function isKubeatlasError(e: unknown): e is KubeatlasError {
  return e instanceof KubeatlasError;
}

/** A short, single-line description of any thrown value, for logs and lastError. */
export function describeError(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    const prefix = typeof code === 'string' && !(e instanceof KubeatlasError) ? `${code}: ` : '';
    return (prefix + e.message).replace(/\s+/g, ' ').trim();
  }
  return String(e);
}

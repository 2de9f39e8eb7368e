import type { Readable } from 'node:stream';
import type { Status } from '../kube/types.js';
import { KubeatlasError } from '../util/errors.js';

/**
 * The HTTP surface of one cluster's API server, as the layers above see it.
 * Implemented by ClusterConnection (auth, TLS, QPS limiter, deadlines,
 * Retry-After); reflectors and health probes only talk through this.
 */
export interface KubeClient {
  readonly clusterId: string;
  /** API server base URL, e.g. https://10.0.0.1:6443 (never credentials). */
  readonly server: string;

  /**
   * One request with a full (buffered) body. Resolves for every HTTP status
   * (callers inspect `status`; `throwIfNotOk` turns a non-2xx into a KubeApiError).
   * Rejects with a KubeatlasError CLUSTER_UNAVAILABLE on transport failure
   * (refused, reset, TLS, DNS) or when the deadline passes, never hangs.
   * GET requests take a token from the cluster's QPS limiter unless `rateLimited: false`.
   * 429 and 5xx answers with Retry-After are retried up to `maxRetries` (default 3)
   * after the advertised delay, within the deadline.
   */
  request(req: KubeRequest): Promise<KubeResponse>;

  /**
   * Opens a streaming GET (a watch). Resolves once the response headers are in:
   * for a 2xx, `body` yields raw chunks (frame by newline yourself); for any
   * other status the body has been read and a KubeApiError is thrown.
   * No QPS token and no overall deadline: the caller owns the lifetime through
   * `signal` (abort closes the socket). `connectTimeoutMs` bounds the wait for headers.
   */
  stream(req: KubeStreamRequest): Promise<KubeStreamResponse>;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type QueryValue = string | number | boolean | undefined;

export interface KubeRequest {
  method?: HttpMethod;
  /** Absolute path on the API server, e.g. "/api/v1/namespaces/default/pods". */
  path: string;
  query?: Record<string, QueryValue>;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  signal?: AbortSignal;
  /** Overall deadline in ms; default the cluster's timeoutSeconds. */
  timeoutMs?: number;
  /** Take a token from the QPS limiter (default: true for GET). */
  rateLimited?: boolean;
  /** Which limiter budget to charge: reflectors' initial lists use their own. */
  budget?: 'default' | 'initialList';
  /** Retries on 429/5xx with Retry-After (default 3; 0 disables). */
  maxRetries?: number;
}

export interface KubeResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface KubeStreamRequest {
  path: string;
  query?: Record<string, QueryValue>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Deadline for the response headers (default the cluster's timeoutSeconds). */
  connectTimeoutMs?: number;
}

export interface KubeStreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Raw body chunks; a chunk may hold several lines or part of one. */
  body: Readable;
}

/**
 * A non-2xx answer from an API server. `status` is the decoded Status object
 * when the body was one (as every kube-apiserver answer is), otherwise a
 * synthesized Status carrying the HTTP code.
 */
export class KubeApiError extends KubeatlasError {
  readonly httpStatus: number;
  readonly status: Status;
  readonly retryAfterSeconds: number | undefined;

  constructor(clusterId: string, httpStatus: number, status: Status, retryAfterSeconds?: number) {
    const code = httpStatus === 401 ? 'UNAUTHENTICATED' : httpStatus === 403 ? 'FORBIDDEN' : httpStatus === 404 ? 'NOT_FOUND' : 'UPSTREAM_ERROR';
    super(code, `cluster ${clusterId}: ${httpStatus} ${status.reason ?? ''}: ${truncate(status.message ?? '', 300)}`.replace(/\s+/g, ' '), {
      clusterId,
      httpStatus,
      reason: status.reason,
    });
    this.name = 'KubeApiError';
    this.httpStatus = httpStatus;
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Builds the Status for a body that may or may not be one (text/plain 404s exist). */
export function statusFromBody(httpStatus: number, body: Buffer | string): Status {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === 'object' && parsed !== null && (parsed as { kind?: unknown }).kind === 'Status') return parsed as Status;
  } catch {
    // not JSON: fall through
  }
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: httpStatus, message: truncate(text.trim(), 200) };
}

/** Throws a KubeApiError unless the response is 2xx; returns it otherwise. */
export function throwIfNotOk(clusterId: string, res: KubeResponse): KubeResponse {
  if (res.status >= 200 && res.status < 300) return res;
  const ra = res.headers['retry-after'];
  const retryAfter = typeof ra === 'string' && /^\d+$/.test(ra) ? Number(ra) : undefined;
  throw new KubeApiError(clusterId, res.status, statusFromBody(res.status, res.body), retryAfter);
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

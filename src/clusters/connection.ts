import { setMaxListeners } from 'node:events';
import { X509Certificate } from 'node:crypto';
import { statSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { Dispatcher } from 'undici';
import type { ClusterSpec } from '../config/clusterSpecSchema.js';
import type { InClusterSettings } from '../config/clusterMaterial.js';
import { KubeatlasError, describeError, isKubeatlasError } from '../util/errors.js';
import { logger, type Logger } from '../util/logger.js';
import { counter, histogram } from '../util/metrics.js';
import { buildClusterKubeConfig, type ClusterKubeConfig } from './clusterKubeConfig.js';
import { Deadline, formatDuration, raceSignal, sleep } from './deadline.js';
import { statusFromBody, throwIfNotOk, type KubeClient, type KubeRequest, type KubeResponse, type KubeStreamRequest, type KubeStreamResponse, type QueryValue } from './kubeClient.js';
import { parseRetryAfter } from './retryAfter.js';
import { TlsDispatchers, type TlsMaterial } from './tlsDispatchers.js';
import { TokenBucket } from './tokenBucket.js';
import { describeTransportError } from './transportErrors.js';

const gunzipAsync = promisify(gunzip);

const requestsTotal = counter<'cluster' | 'code'>({ name: 'kubeatlas_cluster_requests_total', help: 'Requests to API servers by HTTP status (or "error" for transport failures).', labelNames: ['cluster', 'code'] });
const requestSeconds = histogram<'cluster'>({ name: 'kubeatlas_cluster_request_duration_seconds', help: 'Buffered request latency including limiter waits and retries.', labelNames: ['cluster'], buckets: [0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
const limiterWaitSeconds = histogram<'cluster' | 'budget'>({ name: 'kubeatlas_cluster_limiter_wait_seconds', help: 'Time spent waiting for a QPS token.', labelNames: ['cluster', 'budget'], buckets: [0, 0.01, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10] });

/** Which credential a request carried (to explain a 401). */
export type CredentialKind = 'token' | 'clientCertificate' | 'basic' | 'none';

/** What a request's outcome says about the cluster's reachability (health reacts to it). */
export type RequestOutcome = { type: 'ok' } | { type: 'unreachable'; reason: string } | { type: 'unauthorized' };

/** The result of a health probe (`GET /version`). */
export type ProbeResult =
  | { ok: true; version?: string }
  | { ok: false; reason: string; kind: 'config' | 'transport' | 'auth' | 'http' };

export interface ClusterConnectionOptions {
  spec: ClusterSpec;
  clusterFilesDir: string;
  source: 'config' | 'runtime';
  inCluster?: InClusterSettings;
  env?: NodeJS.ProcessEnv;
  /** Told about request outcomes (not the probe's own) so health can re-probe early. */
  onOutcome?: (outcome: RequestOutcome) => void;
  userAgent?: string;
}

interface Prepared {
  dispatcher: Dispatcher;
  headers: Record<string, string>;
  credential: CredentialKind;
  clientCert?: Buffer;
}

interface Exchange {
  response: KubeResponse;
  credential: CredentialKind;
  clientCert?: Buffer;
}

/**
 * The connection to one cluster's API server: implements KubeClient with the
 * cluster's own KubeConfig (auth through client-node's applyToHTTPSOptions),
 * an undici keep-alive Agent with the cluster's TLS settings, a QPS/burst
 * token bucket per budget, deadlines, Retry-After retries, and a one-time
 * token re-read on 401 for rotating token files.
 *
 * A cluster entry whose material cannot be loaded (missing file, bad
 * kubeconfig) still yields a connection: every request then fails with
 * CLUSTER_UNAVAILABLE naming the problem, and `probe()` retries the build,
 * so a file that appears later is picked up.
 */
export class ClusterConnection implements KubeClient {
  readonly clusterId: string;
  private readonly spec: ClusterSpec;
  private readonly opts: ClusterConnectionOptions;
  private readonly log: Logger;
  private built: ClusterKubeConfig | undefined;
  private builtStamp = '';
  private buildError: string | undefined;
  private readonly limiters: Record<'default' | 'initialList', TokenBucket>;
  private readonly dispatchers: TlsDispatchers;
  private readonly lifetime = new AbortController();
  private readonly defaultTimeoutMs: number;
  private readonly userAgent: string;
  private base: { origin: string; basePath: string } | undefined;

  constructor(opts: ClusterConnectionOptions) {
    // Requests and watch streams of every reflector listen to the connection's lifetime.
    setMaxListeners(0, this.lifetime.signal);
    this.opts = opts;
    this.spec = opts.spec;
    this.clusterId = opts.spec.clusterId;
    this.log = logger('cluster-connection', { clusterId: this.clusterId });
    this.defaultTimeoutMs = opts.spec.timeoutSeconds * 1000;
    this.userAgent = opts.userAgent ?? 'kubeatlas/0.1';
    this.limiters = {
      default: new TokenBucket(opts.spec.qps, opts.spec.burst),
      initialList: new TokenBucket(opts.spec.qps, opts.spec.burst),
    };
    this.dispatchers = new TlsDispatchers({ connectTimeoutMs: this.defaultTimeoutMs });
    this.build();
  }

  /** API server base URL (never credentials); the entry's `server` until the kubeconfig is loaded. */
  get server(): string {
    return this.built?.server ?? this.spec.server ?? '';
  }

  /** Why the entry's material could not be loaded, if it could not. */
  get configurationError(): string | undefined {
    return this.buildError;
  }

  get closed(): boolean {
    return this.lifetime.signal.aborted;
  }

  async request(req: KubeRequest): Promise<KubeResponse> {
    return (await this.exchange(req, true)).response;
  }

  async stream(req: KubeStreamRequest): Promise<KubeStreamResponse> {
    const timeoutMs = req.connectTimeoutMs ?? this.defaultTimeoutMs;
    // The deadline bounds the wait for headers only; afterwards the caller's signal (and close()) still abort the body.
    const deadline = new Deadline(timeoutMs, [req.signal, this.lifetime.signal]);
    let retried401 = false;
    try {
      for (;;) {
        const prepared = await this.prepare(deadline.signal);
        const res = await dispatchWithSignal(
          prepared.dispatcher,
          { origin: this.baseUrl().origin, path: this.fullPath(req.path, req.query), method: 'GET', headers: withHeaders(prepared.headers, req.headers) },
          deadline.signal,
        );
        if (res.statusCode >= 200 && res.statusCode < 300) {
          deadline.stopTimer();
          res.body.once('close', () => deadline.dispose());
          requestsTotal.inc({ cluster: this.clusterId, code: String(res.statusCode) });
          this.opts.onOutcome?.({ type: 'ok' });
          return { status: res.statusCode, headers: res.headers, body: res.body };
        }
        const body = Buffer.from(await res.body.arrayBuffer());
        requestsTotal.inc({ cluster: this.clusterId, code: String(res.statusCode) });
        if (res.statusCode === 401 && this.built?.tokenFile && !retried401) {
          this.built.tokenFile.invalidate();
          retried401 = true;
          continue;
        }
        this.opts.onOutcome?.(res.statusCode === 401 ? { type: 'unauthorized' } : { type: 'ok' });
        throwIfNotOk(this.clusterId, { status: res.statusCode, headers: res.headers, body });
      }
    } catch (e) {
      deadline.dispose();
      throw this.translate(e, deadline, req.signal, true);
    }
  }

  /**
   * GET /version within the cluster's timeout (no QPS token): reachable,
   * authenticated, and which version. Never throws.
   */
  async probe(): Promise<ProbeResult> {
    this.rebuildIfChanged();
    if (this.buildError !== undefined) return { ok: false, reason: this.buildError, kind: 'config' };
    let ex: Exchange;
    try {
      ex = await this.exchange({ path: '/version', rateLimited: false, maxRetries: 1 }, false);
    } catch (e) {
      const reason = isKubeatlasError(e) && typeof e.details.reason === 'string' ? e.details.reason : describeError(e);
      return { ok: false, reason, kind: isKubeatlasError(e) && e.details.credentials === true ? 'config' : 'transport' };
    }
    const { status, body } = ex.response;
    if (status >= 200 && status < 300) {
      try {
        const v = (JSON.parse(body.toString('utf8')) as { gitVersion?: unknown }).gitVersion;
        return { ok: true, ...(typeof v === 'string' ? { version: v } : {}) };
      } catch {
        return { ok: true };
      }
    }
    if (status === 401) return { ok: false, kind: 'auth', reason: unauthorizedReason(ex.credential, ex.clientCert) };
    // /version is public on kube-apiservers; a 403 still proves the server is there and answering.
    if (status === 403) return { ok: true };
    const st = statusFromBody(status, body);
    return { ok: false, kind: 'http', reason: `server answered ${status}${st.reason ? ` ${st.reason}` : ''} for /version` };
  }

  /** Aborts every request and watch and closes the sockets. Bounded: does not wait for peers. */
  async close(): Promise<void> {
    if (this.lifetime.signal.aborted) return;
    this.lifetime.abort(new KubeatlasError('CLUSTER_UNAVAILABLE', `cluster ${this.clusterId}: connection closed`, { clusterId: this.clusterId, reason: 'connection closed' }));
    await this.dispatchers.destroy();
  }

  private async exchange(req: KubeRequest, reportOutcome: boolean): Promise<Exchange> {
    const started = performance.now();
    const method = req.method ?? 'GET';
    const limited = req.rateLimited ?? method === 'GET';
    const budget = req.budget ?? 'default';
    const maxRetries = req.maxRetries ?? 3;
    const deadline = new Deadline(req.timeoutMs ?? this.defaultTimeoutMs, [req.signal, this.lifetime.signal]);
    let retried401 = false;
    try {
      for (let attempt = 0; ; attempt++) {
        if (limited) {
          const t0 = performance.now();
          await this.limiters[budget].take(deadline.signal);
          limiterWaitSeconds.observe({ cluster: this.clusterId, budget }, (performance.now() - t0) / 1000);
        }
        const prepared = await this.prepare(deadline.signal);
        const response = await this.send(prepared, req, method, deadline.signal);
        requestsTotal.inc({ cluster: this.clusterId, code: String(response.status) });
        if (response.status === 401 && this.built?.tokenFile && !retried401) {
          // A rotated projected token: read the file again and retry once before giving up.
          this.built.tokenFile.invalidate();
          retried401 = true;
          attempt--;
          continue;
        }
        const retryAfter = parseRetryAfter(response.headers['retry-after']);
        if ((response.status === 429 || response.status >= 500) && retryAfter !== undefined && attempt < maxRetries) {
          const waitMs = retryAfter * 1000;
          if (deadline.remainingMs() > waitMs) {
            this.log.debug({ status: response.status, retryAfter, attempt, path: req.path }, 'retrying after Retry-After');
            await sleep(waitMs, deadline.signal);
            continue;
          }
        }
        if (reportOutcome) this.opts.onOutcome?.(response.status === 401 ? { type: 'unauthorized' } : { type: 'ok' });
        requestSeconds.observe({ cluster: this.clusterId }, (performance.now() - started) / 1000);
        return { response, credential: prepared.credential, ...(prepared.clientCert ? { clientCert: prepared.clientCert } : {}) };
      }
    } catch (e) {
      throw this.translate(e, deadline, req.signal, reportOutcome);
    } finally {
      deadline.dispose();
    }
  }

  private async send(prepared: Prepared, req: KubeRequest, method: string, signal: AbortSignal): Promise<KubeResponse> {
    const headers = withHeaders({ 'accept-encoding': 'gzip', ...prepared.headers }, req.headers);
    if (req.body !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
    const res = await dispatchWithSignal(
      prepared.dispatcher,
      { origin: this.baseUrl().origin, path: this.fullPath(req.path, req.query), method: method as Dispatcher.HttpMethod, headers, ...(req.body !== undefined ? { body: req.body } : {}) },
      signal,
    );
    let body = Buffer.from(await res.body.arrayBuffer());
    const encoding = res.headers['content-encoding'];
    if (encoding === 'gzip') {
      body = await gunzipAsync(body);
      delete res.headers['content-encoding'];
    }
    return { status: res.statusCode, headers: res.headers, body };
  }

  /** Credentials and TLS for the next request, from the cluster's KubeConfig (exec/OIDC refresh happens here). */
  private async prepare(signal: AbortSignal): Promise<Prepared> {
    if (this.lifetime.signal.aborted) throw this.lifetime.signal.reason;
    const built = this.built;
    if (!built) throw new KubeatlasError('CLUSTER_UNAVAILABLE', `cluster ${this.clusterId}: ${this.buildError ?? 'not configured'}`, { clusterId: this.clusterId, reason: this.buildError, credentials: true });
    const opts: RequestOptions = { headers: {} };
    try {
      await raceSignal(built.kubeConfig.applyToHTTPSOptions(opts), signal);
    } catch (e) {
      if (signal.aborted) throw e;
      const reason = credentialProblem(e, built);
      throw new KubeatlasError('CLUSTER_UNAVAILABLE', `cluster ${this.clusterId}: ${reason}`, { clusterId: this.clusterId, reason, credentials: true });
    }
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': this.userAgent };
    for (const [k, v] of Object.entries(opts.headers ?? {})) {
      if (typeof v === 'string' || typeof v === 'number') headers[k.toLowerCase()] = String(v);
      else if (Array.isArray(v)) headers[k.toLowerCase()] = v.join(', ');
    }
    if (opts.auth) headers.authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    const material: TlsMaterial = {
      ...(opts.ca ? { ca: toBuffer(opts.ca) } : {}),
      ...(opts.cert ? { cert: toBuffer(opts.cert) } : {}),
      ...(opts.key ? { key: toBuffer(opts.key) } : {}),
      rejectUnauthorized: opts.rejectUnauthorized !== false,
      ...(opts.servername ? { servername: opts.servername } : {}),
      ...(built.proxyUrl ? { proxyUrl: built.proxyUrl } : {}),
    };
    const auth = headers.authorization ?? '';
    const credential: CredentialKind = auth.startsWith('Bearer ') ? 'token' : auth.startsWith('Basic ') ? 'basic' : material.cert ? 'clientCertificate' : 'none';
    return { dispatcher: this.dispatchers.get(material), headers, credential, ...(material.cert ? { clientCert: material.cert } : {}) };
  }

  private translate(e: unknown, deadline: Deadline, callerSignal: AbortSignal | undefined, report: boolean): unknown {
    if (deadline.timedOut) {
      const reason = `timed out after ${formatDuration(deadline.ms)}`;
      if (report) this.opts.onOutcome?.({ type: 'unreachable', reason });
      return new KubeatlasError('CLUSTER_UNAVAILABLE', `cluster ${this.clusterId}: ${reason}`, { clusterId: this.clusterId, reason });
    }
    if (callerSignal?.aborted) return callerSignal.reason;
    if (this.lifetime.signal.aborted) return this.lifetime.signal.reason;
    if (isKubeatlasError(e)) return e;
    const reason = describeTransportError(e);
    this.log.debug({ reason, err: describeError(e) }, 'request failed');
    if (report) this.opts.onOutcome?.({ type: 'unreachable', reason });
    return new KubeatlasError('CLUSTER_UNAVAILABLE', `cluster ${this.clusterId}: ${reason}`, { clusterId: this.clusterId, reason });
  }

  private build(): void {
    try {
      this.built = buildClusterKubeConfig(this.spec, this.opts);
      this.builtStamp = fileStamp(this.built.tlsFiles);
      this.buildError = undefined;
      this.base = undefined;
    } catch (e) {
      this.built = undefined;
      this.buildError = e instanceof Error ? e.message : String(e);
    }
  }

  /** Builds again when the material was unusable, or when a TLS file changed (rotated certificates). */
  private rebuildIfChanged(): void {
    if (this.buildError !== undefined) {
      this.build();
      return;
    }
    if (this.built && this.built.tlsFiles.length > 0 && fileStamp(this.built.tlsFiles) !== this.builtStamp) {
      this.log.info('TLS files changed; reloading them');
      this.build();
    }
  }

  private baseUrl(): { origin: string; basePath: string } {
    if (!this.base) {
      const u = new URL(this.server);
      this.base = { origin: u.origin, basePath: u.pathname.replace(/\/+$/, '') };
    }
    return this.base;
  }

  private fullPath(path: string, query: Record<string, QueryValue> | undefined): string {
    let qs = '';
    if (query) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined) params.append(k, String(v));
      const s = params.toString();
      if (s) qs = `?${s}`;
    }
    return `${this.baseUrl().basePath}${path.startsWith('/') ? path : `/${path}`}${qs}`;
  }
}

/**
 * dispatcher.request, but settled as soon as `signal` aborts: undici defers an
 * abort that arrives while the socket is still connecting until its connect
 * timeout, which would stretch our deadlines. A response that arrives after
 * the abort is discarded (its body destroyed, freeing the socket).
 */
function dispatchWithSignal(dispatcher: Dispatcher, opts: Dispatcher.RequestOptions, signal: AbortSignal): Promise<Dispatcher.ResponseData> {
  if (signal.aborted) return Promise.reject(signal.reason);
  const pending = dispatcher.request({ ...opts, signal });
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (res) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) res.body.destroy();
        else resolve(res);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** TLS material as https.RequestOptions may carry it (Buffer, string, or a list of them), as one Buffer. */
function toBuffer(v: unknown): Buffer | undefined {
  if (Buffer.isBuffer(v)) return v;
  if (typeof v === 'string') return Buffer.from(v);
  if (Array.isArray(v)) {
    const parts = v.map((x: unknown) => toBuffer(typeof x === 'object' && x !== null && 'pem' in x ? (x as { pem: unknown }).pem : x)).filter((b): b is Buffer => b !== undefined);
    return parts.length > 0 ? Buffer.concat(parts) : undefined;
  }
  return undefined;
}

function fileStamp(files: string[]): string {
  return files
    .map((f) => {
      try {
        const st = statSync(f);
        return `${st.ino}:${st.size}:${st.mtimeMs}`;
      } catch {
        return 'missing';
      }
    })
    .join('|');
}

/** Why credentials could not be obtained, without the plugin's output (it may echo secrets). */
function credentialProblem(e: unknown, built: ClusterKubeConfig): string {
  const code = (e as { code?: unknown }).code;
  if (code === 'EMPTY_TOKEN_FILE') return 'credentials: the token file is empty';
  if (code === 'ENOENT') return built.tokenFile ? 'credentials: the token file is missing' : 'credentials: a credential file is missing';
  if (code === 'EACCES' || code === 'EPERM') return 'credentials: permission denied reading a credential file';
  const user = built.kubeConfig.getCurrentUser();
  if (user?.exec) return `credentials: the exec credential plugin failed${typeof code === 'string' ? ` (${code})` : ''}`;
  const provider = (user?.authProvider as { name?: unknown } | undefined)?.name;
  if (typeof provider === 'string') return `credentials: the ${provider} auth provider failed`;
  if (e instanceof Error && /HTTP protocol is not allowed/.test(e.message)) return 'configuration: an http:// server needs tls.insecureSkipVerify (or use https)';
  return 'credentials: could not be obtained';
}

/** The reason shown for a 401, naming what was rejected. */
export function unauthorizedReason(credential: CredentialKind, clientCert?: Buffer): string {
  switch (credential) {
    case 'token':
      return 'unauthorized: the token was rejected';
    case 'basic':
      return 'unauthorized: the username/password was rejected';
    case 'none':
      return 'unauthorized: the server requires credentials';
    case 'clientCertificate': {
      if (clientCert) {
        try {
          const cert = new X509Certificate(clientCert);
          const now = Date.now();
          if (Date.parse(cert.validTo) < now) return `unauthorized: the client certificate expired on ${new Date(cert.validTo).toISOString()}`;
          if (Date.parse(cert.validFrom) > now) return 'unauthorized: the client certificate is not yet valid';
        } catch {
          // unparsable: fall through to the generic reason
        }
      }
      return 'unauthorized: the client certificate was rejected';
    }
  }
}

/**
 * `base` (lower-case names) overridden by the caller's `extra`, matched
 * case-insensitively: a caller's `Accept` replaces the default `accept`
 * instead of being sent beside it (two Accept headers reach the server
 * joined, default first, and the server answers the default).
 */
function withHeaders(base: Record<string, string>, extra: Record<string, string> | undefined): Record<string, string> {
  const out = { ...base };
  for (const [k, v] of Object.entries(extra ?? {})) out[k.toLowerCase()] = v;
  return out;
}

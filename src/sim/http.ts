import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { createGzip, gzipSync } from 'node:zlib';
import type { Status } from '../kube/types.js';
import { SimApiError } from './errors.js';

/**
 * Response writing with the real apiserver's headers and framing: Audit-Id,
 * Cache-Control, the priority-and-fairness ids, Content-Length on bodies
 * under Go's 2 KiB buffer and chunked encoding above it, gzip for large
 * responses when the client accepts it (APIResponseCompression).
 */

/** Go's http server buffers 2048 bytes before switching to chunked. */
const GO_BUFFER = 2048;
/** The apiserver compresses responses above 128 KiB when Accept-Encoding allows gzip. */
const GZIP_THRESHOLD = 128 * 1024;

export interface ResponseContext {
  /** X-Kubernetes-Pf-* values; omitted for requests rejected before priority-and-fairness (401). */
  flowSchemaUid?: string;
  priorityLevelUid?: string;
}

export function baseHeaders(res: ServerResponse, ctx: ResponseContext, contentType?: string, cacheControl = 'no-cache, private'): void {
  res.setHeader('Audit-Id', randomUUID());
  res.setHeader('Cache-Control', cacheControl);
  if (contentType) res.setHeader('Content-Type', contentType);
  if (ctx.flowSchemaUid) res.setHeader('X-Kubernetes-Pf-Flowschema-Uid', ctx.flowSchemaUid);
  if (ctx.priorityLevelUid) res.setHeader('X-Kubernetes-Pf-Prioritylevel-Uid', ctx.priorityLevelUid);
}

function acceptsGzip(req: IncomingMessage): boolean {
  const ae = req.headers['accept-encoding'];
  return typeof ae === 'string' && /\bgzip\b/i.test(ae);
}

/** Sends a complete body with the real server's framing. */
export function sendBody(req: IncomingMessage, res: ServerResponse, code: number, body: string | Buffer, ctx: ResponseContext, contentType: string, extraHeaders: Record<string, string> = {}, cacheControl?: string): void {
  if (res.headersSent || res.destroyed) return;
  baseHeaders(res, ctx, contentType, cacheControl);
  for (const [k, v] of Object.entries(extraHeaders)) res.setHeader(k, v);
  const buf = typeof body === 'string' ? Buffer.from(body) : body;
  res.statusCode = code;
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  if (buf.length > GZIP_THRESHOLD && acceptsGzip(req)) {
    res.setHeader('Content-Encoding', 'gzip');
    res.setHeader('Vary', 'Accept-Encoding');
    res.write(gzipSync(buf, { level: 1 }));
    res.end();
    return;
  }
  if (buf.length < GO_BUFFER) {
    res.setHeader('Content-Length', String(buf.length));
    res.end(buf);
  } else {
    res.write(buf);
    res.end();
  }
}

export function sendJson(req: IncomingMessage, res: ServerResponse, code: number, json: string, ctx: ResponseContext, contentType = 'application/json', extraHeaders: Record<string, string> = {}): void {
  sendBody(req, res, code, json, ctx, contentType, extraHeaders);
}

export function sendStatus(req: IncomingMessage, res: ServerResponse, status: Status, ctx: ResponseContext, extraHeaders: Record<string, string> = {}, pretty = false): void {
  const json = pretty ? JSON.stringify(status, null, 2) : JSON.stringify(status) + '\n';
  // A Success Status (DELETE) carries no code.
  sendJson(req, res, status.code ?? 200, json, ctx, 'application/json', extraHeaders);
}

export function sendError(req: IncomingMessage, res: ServerResponse, err: SimApiError, ctx: ResponseContext): void {
  // The apiserver's 406 answers are pretty-printed (they bypass the negotiated encoder).
  sendStatus(req, res, err.status, ctx, { ...err.headers }, err.code === 406);
}

/** "404 page not found" as Go's mux answers an unknown path. */
export function sendNotFoundPage(req: IncomingMessage, res: ServerResponse, ctx: ResponseContext): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  sendBody(req, res, 404, '404 page not found\n', ctx, 'text/plain; charset=utf-8');
}

/**
 * A streaming body writer with backpressure, for large LIST responses: the
 * pieces are concatenated into ~256 KiB writes and compressed when the
 * client accepts gzip and the body turns out large.
 */
export class StreamingBody {
  private pending: string[] = [];
  private pendingBytes = 0;
  private started = false;
  private sink: NodeJS.WritableStream | undefined;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly code: number,
    private readonly ctx: ResponseContext,
    private readonly contentType: string,
  ) {}

  /** Appends a piece; resolves when the socket can take more. */
  async push(piece: string): Promise<void> {
    this.pending.push(piece);
    this.pendingBytes += piece.length;
    if (this.pendingBytes >= 256 * 1024) await this.flush(false);
  }

  private start(finalSmall: boolean): void {
    if (this.started) return;
    this.started = true;
    baseHeaders(this.res, this.ctx, this.contentType);
    this.res.statusCode = this.code;
    if (!finalSmall && acceptsGzip(this.req)) {
      this.res.setHeader('Content-Encoding', 'gzip');
      this.res.setHeader('Vary', 'Accept-Encoding');
      const gz = createGzip({ level: 1 });
      gz.pipe(this.res);
      this.sink = gz;
    } else this.sink = this.res;
  }

  private async flush(final: boolean): Promise<void> {
    const data = this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    if (this.res.destroyed) return;
    if (!this.started && final) {
      // The whole body fits in one piece: let sendBody pick Content-Length / chunked / gzip.
      this.started = true;
      sendBody(this.req, this.res, this.code, data, this.ctx, this.contentType);
      return;
    }
    this.start(false);
    const ok = this.sink!.write(data);
    if (!ok && !this.res.destroyed) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.sink!.removeListener('drain', done);
          this.res.removeListener('close', done);
          resolve();
        };
        this.sink!.once('drain', done);
        this.res.once('close', done);
      });
    }
  }

  async end(): Promise<void> {
    await this.flush(true);
    if (this.sink && !this.res.destroyed) this.sink.end();
  }
}

/** Media type negotiation result for a resource request. */
export interface Negotiated {
  /** "json" | "yaml" */
  format: 'json' | 'yaml';
  /** Transform: full objects, a meta.k8s.io Table, or metadata only. */
  as: 'object' | 'Table' | 'PartialObjectMetadata' | 'PartialObjectMetadataList';
}

interface MediaRange {
  type: string;
  params: Record<string, string>;
}

export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [];
  return header
    .split(',')
    .map((part) => {
      const [type, ...ps] = part.split(';').map((s) => s.trim());
      const params: Record<string, string> = {};
      for (const p of ps) {
        const i = p.indexOf('=');
        if (i > 0) params[p.slice(0, i).trim()] = p.slice(i + 1).trim();
      }
      return { type: type.toLowerCase(), params };
    })
    .filter((m) => m.type);
}

/**
 * Picks the response representation for a resource request (undefined:
 * nothing acceptable → 406). Accept order wins; q-values are not used by
 * Kubernetes clients.
 */
export function negotiate(header: string | undefined, list: boolean): Negotiated | undefined {
  const ranges = parseAccept(header);
  if (!ranges.length) return { format: 'json', as: 'object' };
  for (const r of ranges) {
    const isJson = r.type === 'application/json' || r.type === '*/*' || r.type === 'application/*';
    const isYaml = r.type === 'application/yaml';
    if (!isJson && !isYaml) continue;
    const as = r.params.as;
    if (as) {
      if (r.params.g !== 'meta.k8s.io' || (r.params.v !== 'v1' && r.params.v !== 'v1beta1')) continue;
      if (as === 'Table') return { format: isYaml ? 'yaml' : 'json', as: 'Table' };
      if (as === 'PartialObjectMetadata' && !list) return { format: isYaml ? 'yaml' : 'json', as: 'PartialObjectMetadata' };
      if (as === 'PartialObjectMetadataList' && list) return { format: isYaml ? 'yaml' : 'json', as: 'PartialObjectMetadataList' };
      continue;
    }
    return { format: isYaml ? 'yaml' : 'json', as: 'object' };
  }
  return undefined;
}

export function notAcceptable(): SimApiError {
  return new SimApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: '406: Not Acceptable\n\nAvailable representations: application/json, application/yaml, application/vnd.kubernetes.protobuf',
    reason: 'NotAcceptable',
    details: {},
    code: 406,
  });
}

/** Reads a request body with a size cap (3 MiB like the apiserver's limit). */
export async function readBody(req: IncomingMessage, limit = 3 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new SimApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Request entity too large: limit is 3145728', reason: 'RequestEntityTooLarge', code: 413 });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

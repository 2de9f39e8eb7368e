import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { SimCertificateAuthority, SimRequestRecord } from './types.js';
import type { SimStoreInternals } from './store.js';
import { authenticate, authorize, type SimAllowRule, type SimUser } from './auth.js';
import { parseRequestInfo, isWatchParam, type ResourceRequest } from './requestInfo.js';
import { DiscoveryDocuments, serveNonResource } from './discovery.js';
import { apiErrors, failureStatus, isSimApiError } from './errors.js';
import { negotiate, notAcceptable, sendError, sendNotFoundPage, sendStatus, type Negotiated, type ResponseContext } from './http.js';
import { handleVirtual } from './virtualResources.js';
import type { Endpoint, HandlerContext, ServerSettings } from './context.js';
import { handleList } from './listing.js';
import { handleWatch, watchErrorAndEnd, type WatchSession } from './watch.js';
import { handleCreate, handleDelete, handleDeleteCollection, handleGet, handlePatch, handleUpdate } from './resourceHandlers.js';
import { FaultInjector } from './faults.js';
import { tooOldResourceVersionStatus } from './errors.js';
import { buildEndpoints } from './endpoints.js';
import { logger } from '../util/logger.js';

const log = logger('sim-server');

export interface SimServerConfig {
  name: string;
  host: string;
  port: number;
  store: SimStoreInternals;
  ca: SimCertificateAuthority;
  gitVersion: string;
  tokens: ReadonlyMap<string, SimUser>;
  allow: readonly SimAllowRule[];
  settings: ServerSettings;
  /** Bounded size of the request log. */
  requestLogSize?: number;
}

/**
 * The HTTPS front of one simulated cluster: authentication, authorization,
 * fault injection, routing to discovery or resource handlers, the request
 * log, and stop/start on the same port (an apiserver restart).
 */
export class SimApiServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly watches = new Set<WatchSession>();
  private readonly log: SimRequestRecord[] = [];
  private readonly rctx: ResponseContext = { flowSchemaUid: randomUUID(), priorityLevelUid: randomUUID() };
  private readonly serving: { certPem: string; keyPem: string };
  private docs: DiscoveryDocuments | undefined;
  private endpoints: Map<string, Map<string, Endpoint>> = new Map();
  private boundPort = 0;
  readonly faults: FaultInjector;

  constructor(private readonly cfg: SimServerConfig) {
    this.serving = cfg.ca.issue({ commonName: 'kube-apiserver', hosts: ['127.0.0.1', 'localhost', cfg.host].filter((h, i, a) => a.indexOf(h) === i) });
    this.faults = new FaultInjector({
      dropWatches: () => {
        for (const w of [...this.watches]) w.destroy();
      },
      corruptWatches: (kind) => {
        for (const w of [...this.watches]) w.corrupt(kind);
      },
      compact: () => cfg.store.compact(),
    });
    this.endpoints = buildEndpoints(cfg.store.kinds());
  }

  get port(): number {
    return this.boundPort;
  }

  get listening(): boolean {
    return !!this.server?.listening;
  }

  requests(): readonly SimRequestRecord[] {
    return [...this.log];
  }

  async listen(): Promise<number> {
    if (this.server?.listening) return this.boundPort;
    const server = createServer({
      cert: this.serving.certPem,
      key: this.serving.keyPem,
      ca: this.cfg.ca.certPem,
      requestCert: true,
      rejectUnauthorized: false,
    });
    server.requestTimeout = 0;
    server.headersTimeout = 60_000;
    server.keepAliveTimeout = 90_000;
    // Track raw connections, not only finished handshakes: stop() must also cut one mid-handshake.
    server.on('connection', (sock: Socket) => {
      this.sockets.add(sock);
      sock.on('close', () => this.sockets.delete(sock));
    });
    server.on('tlsClientError', () => {
      /* handshake failures (bad client certificates) are the client's problem */
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      void this.handle(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.boundPort || this.cfg.port, this.cfg.host, () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
    const addr = server.address();
    this.boundPort = typeof addr === 'object' && addr ? addr.port : this.cfg.port;
    this.server = server;
    this.docs ??= new DiscoveryDocuments({ gitVersion: this.cfg.gitVersion, serverAddress: `${this.cfg.host}:${this.boundPort}` });
    return this.boundPort;
  }

  /** Stops listening and drops every connection (watches end without a terminating chunk). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const w of [...this.watches]) w.destroy();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    // Held requests belong to destroyed connections; injected faults stay for after a restart.
    this.faults.releaseHung();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private record(req: IncomingMessage, url: URL, status: number, user: string, watch: boolean): void {
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    this.log.push({ at: Date.now(), method: req.method ?? 'GET', path: url.pathname, query, status, user, watch });
    const max = this.cfg.requestLogSize ?? 10_000;
    if (this.log.length > max) this.log.splice(0, this.log.length - max);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'https://sim.invalid');
    } catch {
      res.statusCode = 400;
      res.end();
      return;
    }
    const method = req.method ?? 'GET';
    const auth = authenticate(req, this.cfg.tokens);
    let userName = 'system:anonymous';
    let isWatch = false;
    res.on('close', () => this.record(req, url, res.statusCode, userName, isWatch));
    try {
      if (!auth.ok) {
        sendStatus(req, res, failureStatus(401, 'Unauthorized', 'Unauthorized'), {});
        return;
      }
      userName = auth.user.name;
      const info = parseRequestInfo(method, url.pathname, url.searchParams);
      isWatch = info.kind === 'resource' && info.verb === 'watch';
      const denied = authorize(auth.user, info, method, this.cfg.allow);
      if (denied) {
        sendStatus(req, res, denied, this.rctx);
        return;
      }
      const fault = this.faults.onRequest(url.pathname, isWatch);
      if (fault?.type === 'hang') {
        await new Promise<void>((resolve) => {
          void fault.released.then(resolve);
          res.once('close', resolve);
        });
        if (res.destroyed || res.writableEnded) return;
      } else if (fault?.type === 'fail') {
        sendStatus(req, res, fault.status, this.rctx, fault.headers);
        return;
      } else if (fault?.type === 'expire') {
        const rv = Number(url.searchParams.get('resourceVersion') || 0);
        watchErrorAndEnd({ res, rctx: this.rctx }, tooOldResourceVersionStatus(rv, this.cfg.store.resourceVersion));
        return;
      }
      if (info.kind === 'nonresource') {
        if (!serveNonResource(req, res, url, this.docs!, this.rctx)) sendNotFoundPage(req, res, this.rctx);
        return;
      }
      await this.handleResource(req, res, url, info, auth.user);
    } catch (e) {
      if (isSimApiError(e)) {
        if (!res.headersSent) sendError(req, res, e, this.rctx);
        else res.destroy();
        return;
      }
      log.error({ err: e, path: url.pathname }, 'request failed');
      if (!res.headersSent) sendError(req, res, apiErrors.internal(`simulated apiserver error: ${(e as Error).message ?? String(e)}`), this.rctx);
      else res.destroy();
    }
  }

  private handlerContext(req: IncomingMessage, res: ServerResponse, url: URL, info: ResourceRequest, endpoint: Endpoint, user: SimUser, negotiated: Negotiated): HandlerContext {
    return {
      req,
      res,
      url,
      query: url.searchParams,
      info,
      endpoint,
      store: this.cfg.store,
      user,
      rctx: this.rctx,
      negotiated,
      settings: this.cfg.settings,
      track: (closer) => {
        this.watches.add(closer as WatchSession);
        return () => this.watches.delete(closer as WatchSession);
      },
    };
  }

  private async handleResource(req: IncomingMessage, res: ServerResponse, url: URL, info: ResourceRequest, user: SimUser): Promise<void> {
    const gv = this.endpoints.get(info.group ? `${info.group}/${info.version}` : info.version);
    if (!gv) {
      sendNotFoundPage(req, res, this.rctx);
      return;
    }
    let ep = gv.get(info.resource);
    // pods/binding is the "bindings" resource addressed as a pod subresource.
    if (ep && info.resource === 'pods' && info.subresource === 'binding') ep = gv.get('bindings');
    if (!ep) throw apiErrors.resourceNotFound();
    const kind = ep.kind;
    // A namespaced collection has no cluster-level routes except list/watch; a cluster-scoped one has no namespaced routes.
    if (kind.namespaced && info.namespace === undefined && info.name !== undefined) throw apiErrors.resourceNotFound();
    if (!kind.namespaced && info.namespace !== undefined && !(kind.plural === 'namespaces' && kind.group === '')) throw apiErrors.resourceNotFound();
    if (kind.namespaced && info.namespace === undefined && (info.verb === 'create' || info.verb === 'deletecollection')) throw apiErrors.methodNotAllowed();
    if (ep.virtual) {
      const negotiatedVirtual = negotiate(req.headers.accept, info.name === undefined);
      if (!negotiatedVirtual) throw notAcceptable();
      if (!kind.verbs.includes(info.verb)) throw apiErrors.methodNotAllowed();
      return handleVirtual(this.handlerContext(req, res, url, info, ep, user, negotiatedVirtual), this.cfg.allow);
    }
    if (info.subresource !== undefined && !(kind.subresources ?? []).includes(info.subresource) && !(kind.plural === 'namespaces' && info.subresource === 'finalize')) {
      throw apiErrors.resourceNotFound();
    }
    if (info.subresource !== undefined && (info.verb === 'create' || info.verb === 'delete')) throw apiErrors.methodNotAllowed();
    if (info.name === undefined && (info.verb === 'update' || info.verb === 'patch')) throw apiErrors.methodNotAllowed();
    const verbOk = info.verb === 'watch' ? kind.verbs.includes('watch') : kind.verbs.includes(info.verb);
    if (!verbOk) throw apiErrors.methodNotAllowed();
    const negotiated = negotiate(req.headers.accept, info.name === undefined);
    if (!negotiated) throw notAcceptable();
    const h = this.handlerContext(req, res, url, info, ep, user, negotiated);
    switch (info.verb) {
      case 'get':
        if (isWatchParam(url.searchParams.get('watch'))) {
          // watch=1 on a named path: watch of one object by name (kubectl get NAME -w uses a fieldSelector instead).
          url.searchParams.set('fieldSelector', `metadata.name=${info.name}`);
          h.info = { ...info, name: undefined, verb: 'watch' };
          return handleWatch(h);
        }
        return handleGet(h);
      case 'list':
        return handleList(h);
      case 'watch':
        return handleWatch(h);
      case 'create':
        return handleCreate(h);
      case 'update':
        return handleUpdate(h);
      case 'patch':
        return handlePatch(h);
      case 'delete':
        return handleDelete(h);
      case 'deletecollection':
        return handleDeleteCollection(h);
      default:
        throw apiErrors.methodNotAllowed();
    }
  }
}

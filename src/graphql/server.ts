import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { KubeatlasError } from '../util/errors.js';
import { logger } from '../util/logger.js';
import { buildSchema } from './schema.js';
import { maskError } from './errors.js';
import { authScopesFor } from './auth.js';
import { useOperationMetrics, useQuerySizeLimits } from './plugins.js';
import { responseBackpressure } from './responseBackpressure.js';
import { sharedJsonOf, useSharedSubscriptionExecution } from './sharedSubscriptionExecution.js';
import { useBatchedSse } from './sseTransport.js';
import { useWsTransport } from './wsTransport.js';
import type { ConnectionState, Context } from './context.js';
import type { GraphqlServices } from './services.js';

const log = logger('server');

/** Bytes an SSE response may hold in Node's buffer before the next event waits for the client. */
const SSE_MAX_BUFFERED_BYTES = 256 * 1024;

export interface ServerOptions {
  host: string;
  port: number;
  services: GraphqlServices;
  /** /readyz: ready when every configured cluster finished its initial sync or is marked UNREACHABLE/DEGRADED. */
  readiness: () => { ready: boolean; waitingFor: string[] };
  /** /metrics body in Prometheus text format. */
  metrics: () => Promise<{ contentType: string; body: string }>;
}

export interface RunningServer {
  /** http://host:port/graphql */
  readonly url: string;
  readonly port: number;
  readonly yoga: YogaServerInstance<Record<string, unknown>, Context>;
  /** Stops accepting, closes every HTTP and WebSocket connection (subscriptions end), within a bounded time. */
  close(): Promise<void>;
}

interface InitialContext {
  request?: Request;
  /** The Node response, when yoga handles a Node request (HTTP). */
  res?: ServerResponse;
  connectionState?: ConnectionState;
  authorization?: string | null;
}

/**
 * Serves GraphQL at /graphql over HTTP (queries, mutations, subscriptions as
 * SSE; GraphiQL for browsers) and graphql-ws over WebSocket on the same path,
 * plus /healthz, /readyz and /metrics in plain HTTP.
 */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const { services } = opts;
  const yoga = createYoga<Record<string, unknown>, Context>({
    schema: buildSchema(),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: { title: 'kubeatlas', defaultQuery: '{\n  clusters {\n    clusterId\n    status\n    version\n    server\n  }\n}\n' },
    maskedErrors: { maskError: (error, message) => maskError(error, message) },
    logging: false,
    plugins: [
      useQuerySizeLimits(services.limits),
      useOperationMetrics(),
      // Every operation of this server sees the same services; what else a result may depend on is the caller's scope.
      useSharedSubscriptionExecution<Context>({ contextKey: (ctx) => (ctx.auth.admin ? 'admin' : 'user') }),
      useBatchedSse(),
    ],
    context: (initial: InitialContext): Context => {
      const authorization = initial.request ? initial.request.headers.get('authorization') : initial.authorization;
      return {
        services,
        auth: authScopesFor(services, { authorization }),
        connection: initial.connectionState ?? {
          activeSubscriptions: 0,
          backpressure: initial.res ? responseBackpressure(initial.res, { maxBufferedBytes: SSE_MAX_BUFFERED_BYTES, stallTimeoutMs: services.limits.slowSubscriberTimeoutMs }) : undefined,
        },
        signal: initial.request?.signal,
      };
    },
  });

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') return plain(res, 200, 'ok');
    if (path === '/readyz') {
      const r = opts.readiness();
      return r.ready ? plain(res, 200, 'ok') : plain(res, 503, `not ready: waiting for ${r.waitingFor.join(', ')}`);
    }
    if (path === '/metrics') {
      opts
        .metrics()
        .then((m) => {
          res.writeHead(200, { 'content-type': m.contentType });
          res.end(m.body);
        })
        .catch((e: unknown) => {
          log.error({ err: e }, 'metrics failed');
          plain(res, 500, 'metrics unavailable');
        });
      return;
    }
    void yoga.handle(req as IncomingMessage, res as ServerResponse);
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });

  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
  const wsState = new WeakMap<object, ConnectionState>();
  const wsDisposable = useWsTransport(
    {
      execute: (args) => (args.rootValue as { execute: (a: ExecutionArgs) => unknown }).execute(args) as never,
      subscribe: (args) => (args.rootValue as { subscribe: (a: ExecutionArgs) => unknown }).subscribe(args) as never,
      onSubscribe: async (ctx, _id, payload) => {
        let state = wsState.get(ctx.extra.socket);
        if (!state) {
          state = { activeSubscriptions: 0 };
          wsState.set(ctx.extra.socket, state);
        }
        const params = ctx.connectionParams ?? {};
        const authorization = typeof params.authorization === 'string' ? params.authorization : typeof params.Authorization === 'string' ? params.Authorization : null;
        const enveloped = yoga.getEnveloped({ connectionState: state, authorization, params: payload } as InitialContext & Record<string, unknown>);
        let document;
        try {
          document = enveloped.parse(payload.query);
        } catch (e) {
          const err = e instanceof GraphQLError ? e : new GraphQLError(String(e));
          return [maskError(err, 'Unexpected error.') as GraphQLError];
        }
        const errors = enveloped.validate(enveloped.schema, document);
        if (errors.length) return errors.map((e: GraphQLError) => maskError(e, 'Unexpected error.') as GraphQLError);
        return {
          schema: enveloped.schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables ?? undefined,
          contextValue: await enveloped.contextFactory(),
          rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe },
        };
      },
    },
    wss,
    { serializedResult: sharedJsonOf },
  );

  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (e.code === 'EADDRINUSE')
        reject(new KubeatlasError('CONFIG_INVALID', `port ${opts.port} on ${opts.host} is already in use: stop the other process or choose another port with --port`, { port: opts.port }));
      else if (e.code === 'EACCES') reject(new KubeatlasError('CONFIG_INVALID', `not allowed to listen on ${opts.host}:${opts.port}`, { port: opts.port }));
      else reject(e);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(opts.port, opts.host);
  });
  // The WebSocketServer re-emits the HTTP server's errors; after start-up they are only logged.
  wss.on('error', (e) => log.error({ err: e }, 'websocket server error'));
  server.on('error', (e) => log.error({ err: e }, 'http server error'));

  const port = (server.address() as AddressInfo).port;
  const displayHost = opts.host === '0.0.0.0' || opts.host === '::' ? 'localhost' : opts.host;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${displayHost}:${port}/graphql`,
    port,
    yoga,
    close: () => (closed ??= closeAll(server, wss, wsDisposable, sockets)),
  };
}

async function closeAll(server: Server, wss: WebSocketServer, ws: { dispose: () => void | Promise<void> }, sockets: Set<Socket>): Promise<void> {
  const done = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const client of wss.clients) client.close(1001, 'server shutting down');
  await Promise.race([Promise.resolve(ws.dispose()), delay(1000)]);
  wss.close();
  server.closeIdleConnections();
  // SSE streams and lingering sockets: give them a moment, then cut.
  await Promise.race([done, delay(1500)]);
  for (const s of sockets) s.destroy();
  for (const client of wss.clients) client.terminate();
  await Promise.race([done, delay(1000)]);
}

function plain(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(body);
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import { logger } from '../util/logger.js';

const log = logger('server');

/** What graphql-ws hands the server options as `ctx.extra`: the socket and the upgrade request (as graphql-ws/use/ws does). */
export interface WsExtra extends Record<PropertyKey, unknown> {
  readonly socket: WebSocket;
  readonly request: IncomingMessage;
}

export interface WsTransportOptions {
  /** Ping interval; a client that does not answer within it is terminated (graphql-ws's default 12 s). */
  keepAliveMs?: number;
  /**
   * Bytes a connection may hold in its send buffer (ws + socket) before a
   * send waits until its message reached the kernel (default 256 KiB). Below
   * it, a send resolves at once, so one subscription can have several
   * events in flight and they share socket writes.
   */
  maxBufferedBytes?: number;
  /**
   * The already serialized JSON of an execution result, when it has one
   * (results shared between identical subscriptions); such a result is put
   * in its `next` message as that text instead of being serialized again.
   */
  serializedResult?: (result: unknown) => string | undefined;
}

/** Stands in for a pre-serialized payload while graphql-ws stringifies a message (see `withSerializedPayloads`). */
const PAYLOAD_PLACEHOLDER = '\u0000kubeatlas:serialized-payload\u0000';
const QUOTED_PLACEHOLDER = JSON.stringify(PAYLOAD_PLACEHOLDER);

/**
 * graphql-ws over a `ws` server — what `useServer` from graphql-ws/use/ws
 * does (same subprotocol check, keep-alive, close handling, error
 * logging), with the socket writes of one connection coalesced:
 *
 * - The first message sent on a connection in a turn of the event loop
 *   corks the underlying TCP socket; it is uncorked with `setImmediate`, so
 *   every frame sent in that turn (many events, many subscriptions) leaves in
 *   one `writev` instead of one write per message. Each event is still its
 *   own WebSocket message.
 * - `useServer`'s `send` resolves only when the message was written to the
 *   kernel, so each subscription had one event in flight at a time. Here a
 *   send resolves at once while the connection's buffered bytes are below
 *   `maxBufferedBytes`, and waits for its write otherwise: a client that
 *   stops reading stops its subscriptions from taking events, their bounded
 *   queues overflow and the event bus cuts them off (LIMIT_EXCEEDED), so
 *   memory stays bounded by this limit plus the queues.
 */
export function useWsTransport(
  options: ServerOptions<Record<string, unknown> | undefined, WsExtra>,
  wss: WebSocketServer,
  transport: WsTransportOptions = {},
): { dispose(): Promise<void> } {
  const keepAliveMs = transport.keepAliveMs ?? 12_000;
  const maxBufferedBytes = transport.maxBufferedBytes ?? 256 * 1024;
  const payloads = withSerializedPayloads(options, transport.serializedResult);
  const server = makeServer<Record<string, unknown> | undefined, WsExtra>(payloads.options);
  wss.options.handleProtocols = handleProtocols;
  // As useServer: the server's errors (the HTTP server's, re-emitted) close every client; the
  // HTTP server's owner reports them (e.g. EADDRINUSE at start-up).
  wss.once('error', () => {
    for (const client of wss.clients) client.close(CloseCode.InternalServerError, 'Internal server error');
  });
  wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    socket.once('error', (err) => {
      log.error({ err }, 'websocket connection error');
      socket.close(CloseCode.InternalServerError, 'Internal server error');
    });
    const writes = new CorkedWrites(request.socket);
    let pongWait: NodeJS.Timeout | null = null;
    const pingInterval =
      keepAliveMs > 0 && Number.isFinite(keepAliveMs)
        ? setInterval(() => {
            if (socket.readyState !== socket.OPEN) return;
            pongWait = setTimeout(() => socket.terminate(), keepAliveMs);
            socket.once('pong', () => {
              if (pongWait) clearTimeout(pongWait);
              pongWait = null;
            });
            socket.ping();
          }, keepAliveMs)
        : null;
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (text) => {
          const data = payloads.complete(text);
          if (socket.readyState !== socket.OPEN) return;
          // ws's bufferedAmount counts its own queue and the socket's.
          const mustWait = socket.bufferedAmount >= maxBufferedBytes;
          writes.corkForThisTurn();
          if (!mustWait) {
            socket.send(data, ignoreSendError);
            return;
          }
          return new Promise<void>((resolve, reject) => socket.send(data, (err) => (err ? reject(err) : resolve())));
        },
        close: (code, reason) => socket.close(code, reason),
        onMessage: (cb) =>
          socket.on('message', (event) => {
            cb(String(event)).catch((err: unknown) => {
              log.error({ err }, 'graphql-ws message handling failed');
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            });
          }),
      },
      { socket, request },
    );
    socket.once('close', (code, reason) => {
      if (pongWait) clearTimeout(pongWait);
      if (pingInterval) clearInterval(pingInterval);
      writes.release();
      void closed(code, String(reason));
    });
  });
  return {
    dispose: async () => {
      for (const client of wss.clients) client.close(1001, 'Going away');
      wss.removeAllListeners('connection');
    },
  };
}

/**
 * graphql-ws serializes every `next` message whole (`JSON.stringify` of
 * `{id, type, payload}`), so a result shared by 200 subscriptions would be
 * serialized 200 times. With `serializedResult`, `onNext` hands graphql-ws
 * the result itself as the payload, the message replacer swaps it for a
 * placeholder string (remembering its JSON), and `complete()` — called by
 * `send` with the text graphql-ws produced in the same synchronous step —
 * puts the JSON in the placeholder's place. The message is byte-for-byte
 * what graphql-ws would have sent (the payload is the last member).
 */
function withSerializedPayloads(
  options: ServerOptions<Record<string, unknown> | undefined, WsExtra>,
  serializedResult: ((result: unknown) => string | undefined) | undefined,
): { options: ServerOptions<Record<string, unknown> | undefined, WsExtra>; complete(data: string): string } {
  if (!serializedResult || options.onNext || options.jsonMessageReplacer) return { options, complete: (data) => data };
  let pending: string | undefined;
  return {
    options: {
      ...options,
      onNext: (_ctx, _id, _payload, _args, result) => (serializedResult(result) !== undefined ? (result as never) : undefined),
      jsonMessageReplacer(key, value: unknown) {
        if (key !== 'payload' || typeof value !== 'object' || value === null) return value;
        const json = serializedResult(value);
        if (json === undefined) return value;
        pending = json;
        return PAYLOAD_PLACEHOLDER;
      },
    },
    complete(data) {
      if (pending === undefined) return data;
      const json = pending;
      pending = undefined;
      const at = data.lastIndexOf(QUOTED_PLACEHOLDER);
      return at < 0 ? data : data.slice(0, at) + json + data.slice(at + QUOTED_PLACEHOLDER.length);
    },
  };
}

function ignoreSendError(): void {
  // A failed write closes the socket; the 'close' handler ends its subscriptions.
}

/** Corks a socket for the rest of the current event-loop turn (idempotent within a turn). */
class CorkedWrites {
  private corked = false;

  constructor(private readonly socket: Socket) {}

  corkForThisTurn(): void {
    if (this.corked || this.socket.destroyed) return;
    this.corked = true;
    this.socket.cork();
    setImmediate(this.uncork);
  }

  release(): void {
    this.uncork();
  }

  private readonly uncork = (): void => {
    if (!this.corked) return;
    this.corked = false;
    if (!this.socket.destroyed) this.socket.uncork();
  };
}

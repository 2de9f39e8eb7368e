import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';

/**
 * A subscriber that stops reading: it opens a subscription to every pod
 * event (SSE over a raw socket, or graphql-ws), and once the server serves
 * it, pauses its socket for good, as a hung client or a stopped process
 * would. kubeatlas must cut it off (its queue overflows, or the SSE stall
 * timeout fires) without slowing anyone else down; `close()` destroys the
 * socket at the end of the case.
 */
export interface StalledSubscriber {
  /** Resolves once the subscription is being served (then the socket is paused). */
  readonly ready: Promise<void>;
  close(): void;
}

/** Every pod event with the whole object (a few KB each): enough to fill the socket buffers within a case. */
const ALL_PODS = `subscription { resourceEvents(filter: { kinds: ["Pod"] }) { type clusterId resource { resourceVersion object } } }`;

/**
 * With `{ reads: true }` the same subscriber keeps reading (and discards what
 * it gets): the control that tells the cost of its selection from the cost of
 * its stalling.
 */
export function openStalledSubscriber(url: string, transport: 'sse' | 'ws', options: { reads?: boolean } = {}): StalledSubscriber {
  const reads = options.reads === true;
  return transport === 'sse' ? stalledSse(url, reads) : stalledWs(url, reads);
}

function stalledSse(url: string, reads: boolean): StalledSubscriber {
  const u = new URL(url);
  const body = JSON.stringify({ query: ALL_PODS });
  const socket: Socket = connect({ host: u.hostname, port: Number(u.port) });
  socket.on('error', () => {});
  const ready = new Promise<void>((resolve, reject) => {
    socket.once('connect', () => {
      socket.write(
        `POST ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    });
    socket.once('data', (chunk: Buffer) => {
      if (!reads) socket.pause();
      if (!chunk.toString('latin1').startsWith('HTTP/1.1 200')) reject(new Error(`stalled SSE subscriber refused: ${chunk.toString('latin1', 0, 80)}`));
      else resolve();
    });
    socket.once('close', () => reject(new Error('stalled SSE subscriber: connection closed before the subscription started')));
  });
  ready.catch(() => {});
  return { ready, close: () => socket.destroy() };
}

function stalledWs(url: string, reads: boolean): StalledSubscriber {
  const ws = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  ws.on('error', () => {});
  const ready = new Promise<void>((resolve, reject) => {
    ws.once('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: {} })));
    let acked = false;
    ws.on('message', (data) => {
      if (acked) return;
      const m = JSON.parse(String(data)) as { type: string };
      if (m.type === 'connection_ack') {
        acked = true;
        ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: ALL_PODS } }));
        // ws keeps the socket private; pausing it is what a client that stopped reading looks like to the server
        if (!reads) (ws as unknown as { _socket: Socket })._socket.pause();
        resolve();
      }
    });
    ws.once('close', () => reject(new Error('stalled WebSocket subscriber: closed before the subscription started')));
  });
  ready.catch(() => {});
  return { ready, close: () => ws.terminate() };
}

import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';

export interface Received<T> {
  events: T[];
  errors: unknown[];
  done: boolean;
}

/**
 * Subscribes over SSE (what `curl -N -H 'accept: text/event-stream'` does) and
 * collects the `next` payloads' data. `close()` aborts the HTTP request.
 */
export function sseSubscribe<T>(url: string, query: string, variables: Record<string, unknown> = {}): Received<T> & { ready: Promise<void>; close(): void } {
  const ac = new AbortController();
  const state: Received<T> = { events: [], errors: [], done: false };
  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => (resolveReady = r));
  void (async () => {
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify({ query, variables }), signal: ac.signal });
      resolveReady();
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame.split('\n').find((l) => l.startsWith('data:'));
          if (!data) continue;
          const payload = JSON.parse(data.slice(5)) as { data?: Record<string, T>; errors?: unknown[] };
          if (payload.errors) state.errors.push(...payload.errors);
          if (payload.data) state.events.push(Object.values(payload.data)[0]);
        }
      }
    } catch (e) {
      if (!ac.signal.aborted) state.errors.push(e);
    } finally {
      state.done = true;
      resolveReady();
    }
  })();
  return Object.assign(state, { ready, close: () => ac.abort() });
}

/** A graphql-ws client over a real WebSocket to the server's /graphql. */
export function wsClient(url: string, connectionParams?: Record<string, unknown>): Client {
  return createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, lazy: true });
}

/** Subscribes with graphql-ws and collects payloads. */
export function wsSubscribe<T>(client: Client, query: string, variables: Record<string, unknown> = {}): Received<T> & { close(): void } {
  const state: Received<T> = { events: [], errors: [], done: false };
  const dispose = client.subscribe<Record<string, T>>(
    { query, variables },
    {
      next: (v) => {
        if (v.errors) state.errors.push(...v.errors);
        if (v.data) state.events.push(Object.values(v.data)[0]);
      },
      error: (e) => {
        state.errors.push(e);
        state.done = true;
      },
      complete: () => {
        state.done = true;
      },
    },
  );
  return Object.assign(state, { close: dispose });
}

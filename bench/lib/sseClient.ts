import { request, type Dispatcher } from 'undici';

/**
 * A GraphQL-over-SSE subscriber (what `curl -N -H 'accept: text/event-stream'`
 * or a browser's EventSource-style client does): POSTs the operation, reads
 * the stream, and hands each `next` payload to `onData` with the time the
 * chunk holding it arrived (Date.now(), the same wall clock the simulator
 * stamps changes with).
 */
export interface SseSubscription {
  /** Resolves when the response headers arrived (the subscription is being served). */
  readonly ready: Promise<void>;
  /** Resolves when the stream ended (closed by either side or failed). */
  readonly done: Promise<void>;
  close(): void;
}

export function sseSubscribe(opts: {
  url: string;
  query: string;
  variables: Record<string, unknown>;
  dispatcher: Dispatcher;
  onData: (data: Record<string, unknown>, receivedAt: number) => void;
  onError: (message: string) => void;
}): SseSubscription {
  const ac = new AbortController();
  let markReady!: () => void;
  const ready = new Promise<void>((r) => (markReady = r));
  const done = (async () => {
    try {
      const res = await request(opts.url, {
        method: 'POST',
        dispatcher: opts.dispatcher,
        signal: ac.signal,
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ query: opts.query, variables: opts.variables }),
        headersTimeout: 30_000,
        bodyTimeout: 0, // a quiet subscription is fine; close() ends it
      });
      markReady();
      if (res.statusCode !== 200) {
        opts.onError(`HTTP ${res.statusCode}: ${(await res.body.text()).slice(0, 200)}`);
        return;
      }
      res.body.setEncoding('utf8');
      let buffer = '';
      for await (const chunk of res.body as AsyncIterable<string>) {
        const receivedAt = Date.now();
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let data: string | undefined;
          let event = 'message';
          for (const line of frame.split('\n')) {
            if (line.startsWith('data:')) data = line.slice(5).trimStart();
            else if (line.startsWith('event:')) event = line.slice(6).trim();
          }
          if (event === 'complete' || data === undefined || data === '') continue;
          const payload = JSON.parse(data) as { data?: Record<string, unknown>; errors?: Array<{ message?: string; extensions?: { code?: string } }> };
          if (payload.errors?.length) opts.onError(`${payload.errors[0].extensions?.code ?? 'ERROR'}: ${payload.errors[0].message ?? ''}`);
          if (payload.data) opts.onData(payload.data, receivedAt);
        }
      }
    } catch (e) {
      if (!ac.signal.aborted) opts.onError(e instanceof Error ? e.message : String(e));
    } finally {
      markReady();
    }
  })();
  return { ready, done, close: () => ac.abort() };
}

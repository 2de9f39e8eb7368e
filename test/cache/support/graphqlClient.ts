/** GraphQL over HTTP as a client would use it: POST for queries, SSE (graphql-yoga's "distinct connections" mode) for subscriptions. */

export interface GqlResult<T> {
  data?: T;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

export async function gql<T>(url: string, query: string, variables: Record<string, unknown> = {}): Promise<GqlResult<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(10_000),
  });
  return (await res.json()) as GqlResult<T>;
}

export interface SseSubscription<T> {
  /** Payloads received, in order. */
  events: T[];
  errors: unknown[];
  /** The stream ended (server closed it or the request failed). */
  done: boolean;
  /** Resolves once the response headers arrived (the server registered the subscription). */
  ready: Promise<void>;
  close(): void;
}

/** Subscribes over SSE (what `curl -N -H 'accept: text/event-stream'` does) and collects each `next` payload's field value. */
export function sseSubscribe<T>(url: string, query: string, variables: Record<string, unknown> = {}): SseSubscription<T> {
  const ac = new AbortController();
  let markReady!: () => void;
  const sub: SseSubscription<T> = { events: [], errors: [], done: false, ready: new Promise<void>((r) => (markReady = r)), close: () => ac.abort() };
  void (async () => {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ query, variables }),
        signal: ac.signal,
      });
      markReady();
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
          const lines = frame.split('\n');
          const data = lines.find((l) => l.startsWith('data:'));
          const event = lines.find((l) => l.startsWith('event:'));
          if (!data || (event !== undefined && event.trim() !== 'event: next')) continue;
          if (data.slice(5).trim() === '') continue;
          const payload = JSON.parse(data.slice(5)) as { data?: Record<string, T>; errors?: unknown[] };
          if (payload.errors) sub.errors.push(...payload.errors);
          if (payload.data) sub.events.push(Object.values(payload.data)[0]);
        }
      }
    } catch (e) {
      if (!ac.signal.aborted) sub.errors.push(e);
    } finally {
      sub.done = true;
      markReady();
    }
  })();
  return sub;
}

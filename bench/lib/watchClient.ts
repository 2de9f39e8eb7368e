import type { Dispatcher } from 'undici';

/**
 * A plain Kubernetes watch of every pod of one apiserver (what `kubectl get
 * pods -A -w` or an informer reads): `GET /api/v1/pods?watch=1` from a
 * resourceVersion, newline-delimited events, handed to `onEvent` with the
 * time the chunk holding them arrived. Bookmarks are skipped; an ERROR event
 * or a transport failure goes to `onError`. The watch lasts at most
 * `timeoutSeconds` (server side) and ends on `close()`.
 */
export function watchPods(opts: {
  dispatcher: Dispatcher;
  token: string;
  resourceVersion: number;
  timeoutSeconds: number;
  onEvent: (resourceVersion: string | undefined, stamp: string | undefined, receivedAt: number) => void;
  onError: (message: string) => void;
  stampAnnotation: string;
}): { ready: Promise<void>; close(): void } {
  const ac = new AbortController();
  let markReady!: () => void;
  const ready = new Promise<void>((r) => (markReady = r));
  void (async () => {
    try {
      const q = new URLSearchParams({ watch: '1', resourceVersion: String(opts.resourceVersion), allowWatchBookmarks: 'true', timeoutSeconds: String(opts.timeoutSeconds) });
      const res = await opts.dispatcher.request({
        path: `/api/v1/pods?${q}`,
        method: 'GET',
        signal: ac.signal,
        headers: { authorization: `Bearer ${opts.token}`, accept: 'application/json' },
        headersTimeout: 30_000,
        bodyTimeout: 0, // a quiet watch is fine; the server ends it at timeoutSeconds
      });
      markReady();
      if (res.statusCode !== 200) {
        opts.onError(`watch answered HTTP ${res.statusCode}`);
        await res.body.dump();
        return;
      }
      res.body.setEncoding('utf8');
      let buffer = '';
      for await (const chunk of res.body as AsyncIterable<string>) {
        const receivedAt = Date.now();
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, end);
          buffer = buffer.slice(end + 1);
          if (!line.trim()) continue;
          const ev = JSON.parse(line) as { type: string; object?: { metadata?: { resourceVersion?: string; annotations?: Record<string, string> }; message?: string } };
          if (ev.type === 'BOOKMARK') continue;
          if (ev.type === 'ERROR') {
            opts.onError(`watch ERROR event: ${ev.object?.message ?? ''}`);
            continue;
          }
          opts.onEvent(ev.object?.metadata?.resourceVersion, ev.object?.metadata?.annotations?.[opts.stampAnnotation], receivedAt);
        }
      }
    } catch (e) {
      if (!ac.signal.aborted) opts.onError(e instanceof Error ? e.message : String(e));
    } finally {
      markReady();
    }
  })();
  return { ready, close: () => ac.abort() };
}

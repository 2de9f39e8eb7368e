import { Readable } from 'node:stream';
import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Yoga's result processor type (not exported by name). */
type ResultProcessor = Parameters<Parameters<NonNullable<Plugin['onResultProcess']>>[0]['setResultProcessor']>[0];

/** Yoga's keep-alive comment interval for SSE. */
const PING_INTERVAL_MS = 12_000;
/** Bytes the body stream holds before it waits for the response to take them. */
const BODY_HIGH_WATER_MARK = 64 * 1024;

const SSE_HEADERS: Record<string, string> = {
  'Content-Type': 'text/event-stream',
  Connection: 'keep-alive',
  'Cache-Control': 'no-cache',
  'Content-Encoding': 'none',
};

/**
 * Subscriptions over SSE with one socket write per connection per event-loop
 * turn, whatever the number of events ready.
 *
 * graphql-yoga's own SSE result processor enqueues two web-stream chunks per
 * event (`event: next` and `data: …`), which @whatwg-node/server writes to the
 * Node response one by one: a write (and, once corked writes are flushed, a
 * `writev`) per event. This plugin replaces that processor — through yoga's
 * `onResultProcess` hook, only for subscription results sent as
 * `text/event-stream` — with a Node `Readable` body that frames every event
 * exactly as yoga does (`event: next\ndata: <json>\n\n`, then
 * `event: complete\ndata:\n\n`, a `:\n\n` comment first and every 12 s) but
 * collects the frames produced in one turn of the event loop and pushes them
 * as one chunk (`setImmediate`). Each event is still its own SSE message.
 *
 * Backpressure is unchanged: the body asks the iterator for the next event
 * only while its own buffer is below 64 KiB (and the subscription layer's
 * response guard waits for the client before taking an event); an error of
 * the stream destroys the response, as yoga's processor does; the client
 * going away returns the iterator (the subscription is released). A result
 * carrying a cached serialization (`stringify`, see
 * sharedSubscriptionExecution.ts) is not serialized again.
 */
export function useBatchedSse(options: { pingIntervalMs?: number } = {}): Plugin {
  const pingIntervalMs = options.pingIntervalMs ?? PING_INTERVAL_MS;
  const subscriptionRequests = new WeakSet<Request>();
  const processor: ResultProcessor = (result, fetchAPI) => {
    const iterator = (result as AsyncIterable<ExecutionResult>)[Symbol.asyncIterator]();
    return new fetchAPI.Response(new SseBody(iterator, pingIntervalMs) as unknown as BodyInit, { status: 200, headers: SSE_HEADERS });
  };
  return {
    onSubscribe({ args }) {
      const request = (args.contextValue as { request?: Request }).request;
      if (request) subscriptionRequests.add(request);
    },
    onResultProcess({ request, result, resultProcessor, setResultProcessor }) {
      // Yoga chose SSE for a subscription exactly when the request accepts text/event-stream.
      if (resultProcessor === undefined || !subscriptionRequests.has(request) || !isAsyncIterable(result) || !acceptsEventStream(request)) return;
      setResultProcessor(processor, 'text/event-stream');
    },
  };
}

/** Yoga's reading of the Accept header (utf-8 only), for text/event-stream. */
export function acceptsEventStream(request: Request): boolean {
  const accepts = (request.headers.get('accept') || '*/*').replace(/\s/g, '').toLowerCase().split(',');
  return accepts.some((accept) => {
    const [mediaType, ...params] = accept.split(';');
    const charset = params.find((p) => p.includes('charset=')) ?? 'charset=utf-8';
    if (charset !== 'charset=utf-8') return false;
    const [pre, suf] = mediaType.split('/');
    return (pre === '*' || pre === 'text') && (suf === '*' || suf === 'event-stream');
  });
}

/**
 * The response body: pulls results from the subscription, frames them, and
 * pushes one chunk per event-loop turn.
 */
export class SseBody extends Readable {
  private frames: string[] = [];
  private flushScheduled = false;
  private pumping = false;
  private ended = false;
  /** Resolves the pump when the consumer wants more after push() returned false. */
  private wake: (() => void) | undefined;
  private paused = false;
  private readonly ping: NodeJS.Timeout;

  constructor(
    private readonly results: AsyncIterator<ExecutionResult>,
    pingIntervalMs: number,
  ) {
    super({ highWaterMark: BODY_HIGH_WATER_MARK });
    // Always start with a comment: some clients wait for the first body byte.
    this.push(':\n\n');
    this.ping = setInterval(() => {
      if (!this.ended && !this.destroyed && this.frames.length === 0 && this.readableLength === 0) this.push(':\n\n');
    }, pingIntervalMs);
    this.ping.unref();
  }

  override _read(): void {
    if (this.paused) {
      this.paused = false;
      const wake = this.wake;
      this.wake = undefined;
      wake?.();
    }
    if (!this.pumping && !this.ended) void this.pump();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearInterval(this.ping);
    this.frames = [];
    const wasEnded = this.ended;
    this.ended = true;
    this.wake?.();
    if (wasEnded || !this.results.return) return callback(error);
    Promise.resolve()
      .then(() => this.results.return?.())
      .then(
        () => callback(error),
        () => callback(error),
      );
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (!this.ended && !this.destroyed) {
        if (this.paused) await new Promise<void>((r) => (this.wake = r));
        if (this.ended || this.destroyed) return;
        const r = await this.results.next();
        if (this.ended || this.destroyed) return;
        if (r.value != null) this.append(`event: next\ndata: ${stringifyResult(r.value)}\n\n`);
        if (r.done) {
          this.append('event: complete\ndata:\n\n');
          this.finish();
          return;
        }
      }
    } catch (e) {
      if (this.ended || this.destroyed) return;
      this.flush();
      this.ended = true;
      clearInterval(this.ping);
      this.failAfterDrain(e instanceof Error ? e : new Error(String(e)));
    } finally {
      this.pumping = false;
    }
  }

  /** Destroys the body with `error` once the frames already pushed were taken by the consumer. */
  private failAfterDrain(error: Error): void {
    if (this.readableLength === 0) {
      this.destroy(error);
      return;
    }
    const check = (): void => {
      if (this.readableLength > 0) return;
      this.off('data', check);
      queueMicrotask(() => this.destroy(error));
    };
    this.on('data', check);
  }

  private append(frame: string): void {
    this.frames.push(frame);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushNow);
    }
  }

  private readonly flushNow = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  private flush(): void {
    if (this.frames.length === 0 || this.destroyed) return;
    const chunk = this.frames.length === 1 ? this.frames[0] : this.frames.join('');
    this.frames = [];
    if (!this.push(chunk)) this.paused = true;
  }

  private finish(): void {
    this.flush();
    this.ended = true;
    clearInterval(this.ping);
    this.push(null);
  }
}

/**
 * JSON of one result as yoga's SSE processor writes it: a cached
 * serialization when the result has one and no errors; otherwise errors
 * without their internal `http` / `unexpected` extensions and no
 * `extensions.http`.
 */
export function stringifyResult(result: ExecutionResult & { stringify?: (r: ExecutionResult) => string }): string {
  const httpExtensions = result.extensions !== undefined && 'http' in result.extensions;
  if (!result.errors?.length && !httpExtensions) return result.stringify ? result.stringify(result) : JSON.stringify(result);
  const sanitized: Record<string, unknown> = { ...result };
  if (result.errors) sanitized.errors = result.errors.map(errorJson);
  if (result.extensions) {
    const { http: _http, ...extensions } = result.extensions;
    sanitized.extensions = Object.keys(extensions).length ? extensions : undefined;
  }
  return JSON.stringify(sanitized);
}

function errorJson(error: unknown): unknown {
  const json = typeof (error as { toJSON?: unknown }).toJSON === 'function' ? (error as { toJSON(): Record<string, unknown> }).toJSON() : error;
  if (typeof json !== 'object' || json === null || !('extensions' in json)) return json;
  const { http: _http, unexpected: _unexpected, ...extensions } = ((json as { extensions?: Record<string, unknown> }).extensions ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = { ...(json as Record<string, unknown>) };
  if (Object.keys(extensions).length) out.extensions = extensions;
  else delete out.extensions;
  return out;
}

function isAsyncIterable(x: unknown): x is AsyncIterable<unknown> {
  return typeof x === 'object' && x !== null && typeof (x as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function';
}

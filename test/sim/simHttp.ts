import { Agent, request } from 'undici';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { SimCluster } from '../../src/sim/index.js';

/** A real HTTPS client (undici) for a simulated cluster, as tests use it. */

export interface SimResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  json<T = any>(): T; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface ClientOptions {
  token?: string | null;
  cert?: { certPem: string; keyPem: string };
}

export class SimHttp {
  private readonly agent: Agent;
  constructor(
    private readonly cluster: Pick<SimCluster, 'url' | 'ca' | 'adminToken'>,
    private readonly opts: ClientOptions = {},
  ) {
    this.agent = new Agent({
      connect: { ca: cluster.ca.certPem, ...(opts.cert ? { cert: opts.cert.certPem, key: opts.cert.keyPem } : {}) },
      headersTimeout: 20_000,
      bodyTimeout: 20_000,
    });
  }

  private authHeaders(): Record<string, string> {
    const t = this.opts.token === undefined ? this.cluster.adminToken : this.opts.token;
    return t ? { authorization: `Bearer ${t}` } : {};
  }

  async req(method: string, path: string, init: { headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<SimResponse> {
    const res = await request(this.cluster.url + path, {
      method: method as 'GET',
      dispatcher: this.agent,
      headers: { 'user-agent': 'kubeatlas-fixtures/1.0', accept: 'application/json', ...this.authHeaders(), ...(init.headers ?? {}) },
      body: init.body,
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.body.text();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v ?? '');
    return { status: res.statusCode, headers, text, json: () => JSON.parse(text) };
  }

  get(path: string, headers?: Record<string, string>): Promise<SimResponse> {
    return this.req('GET', path, { headers });
  }

  post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<SimResponse> {
    return this.req('POST', path, { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
  }

  put(path: string, body: unknown): Promise<SimResponse> {
    return this.req('PUT', path, { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  }

  patch(path: string, body: unknown, contentType: string): Promise<SimResponse> {
    return this.req('PATCH', path, { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': contentType } });
  }

  delete(path: string, body?: unknown): Promise<SimResponse> {
    return this.req('DELETE', path, body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  }

  /** Opens a watch; events are parsed by newline framing as they arrive. */
  async watch(path: string, headers: Record<string, string> = {}): Promise<WatchStream> {
    const ac = new AbortController();
    const res = await request(this.cluster.url + path, {
      method: 'GET',
      dispatcher: this.agent,
      headers: { 'user-agent': 'kubeatlas-fixtures/1.0', accept: 'application/json', ...this.authHeaders(), ...headers },
      signal: ac.signal,
    });
    return new WatchStream(res.statusCode, res.body as AsyncIterable<Buffer> & NodeJS.ReadableStream, ac);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

export interface WatchEventLine {
  type: string;
  object: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  at: number;
}

/** Collects the events of one watch stream. */
export class WatchStream {
  readonly events: WatchEventLine[] = [];
  readonly badLines: string[] = [];
  ended = false;
  endedAt = 0;
  error: unknown;
  private waiters: Array<() => void> = [];
  private readonly startedAt = Date.now();

  constructor(
    readonly status: number,
    body: AsyncIterable<Buffer>,
    private readonly ac: AbortController,
  ) {
    void this.pump(body);
  }

  private async pump(body: AsyncIterable<Buffer>): Promise<void> {
    let buf = '';
    try {
      for await (const chunk of body) {
        buf += chunk.toString('utf8');
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (!line.trim()) continue;
          try {
            const ev = JSON.parse(line);
            this.events.push({ ...ev, at: Date.now() - this.startedAt });
          } catch {
            this.badLines.push(line);
          }
          this.notify();
        }
      }
    } catch (e) {
      this.error = e;
    }
    this.ended = true;
    this.endedAt = Date.now() - this.startedAt;
    this.notify();
  }

  private notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Waits until `pred` holds (checked on every event), failing after `timeoutMs`. */
  async until(pred: (s: WatchStream) => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${this.events.length} events: ${this.events.map((e) => `${e.type}:${e.object?.metadata?.name ?? ''}@${e.object?.metadata?.resourceVersion ?? ''}`).join(' ')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(200, Math.max(1, deadline - Date.now())));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  untilEnded(timeoutMs = 10_000): Promise<void> {
    return this.until((s) => s.ended, timeoutMs, 'end of stream');
  }

  close(): void {
    this.ac.abort();
  }
}

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'real-apiserver');

/** A captured real-apiserver response body (test/fixtures/real-apiserver/<rel>). */
export function fixtureText(rel: string): string {
  return readFileSync(join(FIXTURES, rel), 'utf8');
}

export function fixtureJson<T = any>(rel: string): T { // eslint-disable-line @typescript-eslint/no-explicit-any
  return JSON.parse(fixtureText(rel)) as T;
}

/** Waits for a condition by polling (bounded). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

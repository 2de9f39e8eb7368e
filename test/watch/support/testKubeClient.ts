import { Agent, request } from 'undici';
import type { Readable } from 'node:stream';
import type { KubeClient, KubeRequest, KubeResponse, KubeStreamRequest, KubeStreamResponse, QueryValue } from '../../../src/clusters/kubeClient.js';
import { throwIfNotOk } from '../../../src/clusters/kubeClient.js';
import { KubeatlasError } from '../../../src/util/errors.js';

/**
 * A minimal KubeClient over undici for tests: bearer token + CA, deadlines,
 * Retry-After retries. Stand-in until src/clusters/connection.ts lands; it
 * implements the same contract (src/clusters/kubeClient.ts).
 */
export function testKubeClient(options: { clusterId: string; server: string; caPem: string; token?: string; timeoutMs?: number }): KubeClient & { close(): Promise<void> } {
  const agent = new Agent({ connect: { ca: options.caPem }, keepAliveTimeout: 4000 });
  const defaultTimeout = options.timeoutMs ?? 15_000;
  const url = (path: string, query?: Record<string, QueryValue>) => {
    const u = new URL(path, options.server);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u;
  };
  const headers = (extra?: Record<string, string>) => ({
    accept: 'application/json',
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    ...extra,
  });
  const unavailable = (err: unknown) =>
    new KubeatlasError('CLUSTER_UNAVAILABLE', `cluster ${options.clusterId}: ${(err as { code?: string }).code ?? (err as Error).name ?? 'transport error'}`, { clusterId: options.clusterId }, { cause: err });

  return {
    clusterId: options.clusterId,
    server: options.server,
    async request(req: KubeRequest): Promise<KubeResponse> {
      const deadline = AbortSignal.timeout(req.timeoutMs ?? defaultTimeout);
      const signal = req.signal ? AbortSignal.any([req.signal, deadline]) : deadline;
      const maxRetries = req.maxRetries ?? 3;
      for (let attempt = 0; ; attempt++) {
        let res: KubeResponse;
        try {
          const r = await request(url(req.path, req.query), { method: req.method ?? 'GET', headers: headers(req.headers), body: req.body, signal, dispatcher: agent });
          res = { status: r.statusCode, headers: r.headers, body: Buffer.from(await r.body.arrayBuffer()) };
        } catch (err) {
          if (req.signal?.aborted) throw req.signal.reason;
          throw unavailable(err);
        }
        const ra = res.headers['retry-after'];
        if ((res.status === 429 || res.status >= 500) && typeof ra === 'string' && attempt < maxRetries) {
          await new Promise((r) => setTimeout(r, Number(ra) * 1000));
          continue;
        }
        return res;
      }
    },
    async stream(req: KubeStreamRequest): Promise<KubeStreamResponse> {
      let r;
      try {
        r = await request(url(req.path, req.query), { method: 'GET', headers: headers(req.headers), signal: req.signal, dispatcher: agent, headersTimeout: req.connectTimeoutMs ?? defaultTimeout, bodyTimeout: 0 });
      } catch (err) {
        if (req.signal?.aborted) throw req.signal.reason;
        throw unavailable(err);
      }
      if (r.statusCode < 200 || r.statusCode >= 300) {
        const body = Buffer.from(await r.body.arrayBuffer());
        throwIfNotOk(options.clusterId, { status: r.statusCode, headers: r.headers, body });
      }
      return { status: r.statusCode, headers: r.headers, body: r.body as unknown as Readable };
    },
    close: () => agent.close(),
  };
}

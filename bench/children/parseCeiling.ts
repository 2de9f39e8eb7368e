/**
 * Bench child: the physical ceiling of a sync — how fast this machine can
 * merely JSON.parse the objects a sync transfers. Downloads the pods of one
 * simulated cluster as the apiserver serves them (paged LIST, 500 per page,
 * the bytes a reflector reads), then times JSON.parse over all pages
 * (strings already decoded: parse only), best of `runs`.
 */
import { Agent, request } from 'undici';
import { serveRpc } from '../lib/rpcServer.js';

async function measure(params: { url: string; token: string; caPem: string; runs: number; timeoutMs: number }): Promise<{ objects: number; bytes: number; bestMs: number; runsMs: number[] }> {
  const agent = new Agent({ connect: { ca: params.caPem }, headersTimeout: params.timeoutMs, bodyTimeout: params.timeoutMs });
  const pages: string[] = [];
  let bytes = 0;
  let objects = 0;
  let cont: string | undefined;
  const deadline = Date.now() + params.timeoutMs;
  try {
    do {
      if (Date.now() > deadline) throw new Error(`download did not finish within ${params.timeoutMs} ms`);
      const q = new URLSearchParams({ limit: '500' });
      if (cont) q.set('continue', cont);
      const res = await request(`${params.url}/api/v1/pods?${q}`, { dispatcher: agent, headers: { authorization: `Bearer ${params.token}`, accept: 'application/json' } });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`LIST pods answered ${res.statusCode}`);
      pages.push(text);
      bytes += Buffer.byteLength(text);
      const parsed = JSON.parse(text) as { items: unknown[]; metadata?: { continue?: string } };
      objects += parsed.items.length;
      cont = parsed.metadata?.continue || undefined;
    } while (cont);
  } finally {
    await agent.close();
  }
  const runsMs: number[] = [];
  let sink = 0;
  for (let r = 0; r < params.runs; r++) {
    const t0 = performance.now();
    for (const p of pages) sink += (JSON.parse(p) as { items: unknown[] }).items.length;
    runsMs.push(performance.now() - t0);
  }
  if (sink !== objects * params.runs) throw new Error('parsed a different number of objects than downloaded');
  return { objects, bytes, bestMs: Math.min(...runsMs), runsMs };
}

serveRpc({ measure });

/**
 * Bench child: the peer a Node user would pick for a live copy of a
 * cluster's pods — @kubernetes/client-node's `makeInformer` over
 * `CoreV1Api.listPodForAllNamespaces` (one LIST, then a WATCH from its
 * resourceVersion), in a process of its own so its RSS is its own.
 *
 * - memory: process.memoryUsage() after full GCs;
 * - sync: starts the informer and measures until its initial list is in its
 *   cache (the moment the informer knows the list's resourceVersion, which it
 *   sets right after adding every listed item: client-go's HasSynced); the
 *   informer keeps watching afterwards, as it would in an application;
 * - usage (CPU time, CPU wait, RSS), close.
 */
import { CoreV1Api, KubeConfig, makeInformer, type Informer, type V1Pod } from '@kubernetes/client-node';
import { serveRpc, settledMemory } from '../lib/rpcServer.js';
import { processUsage } from '../lib/usage.js';

let informer: Informer<V1Pod> | undefined;

async function sync(params: { url: string; token: string; caPem: string; timeoutMs: number }): Promise<{ ms: number; objects: number; error?: string }> {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'peer', server: params.url, caData: Buffer.from(params.caPem).toString('base64'), skipTLSVerify: false }],
    users: [{ name: 'peer', token: params.token }],
    contexts: [{ name: 'peer', cluster: 'peer', user: 'peer' }],
    currentContext: 'peer',
  });
  const api = kc.makeApiClient(CoreV1Api);
  let failure: string | undefined;
  // Synced = the last listed pod is in the informer's cache: its 'add' callbacks run right after each
  // item is stored, in list order, before the WATCH starts (client-go's HasSynced).
  let listed = -1;
  let added = 0;
  let syncedAt: number | undefined;
  const t0 = performance.now();
  const inf = makeInformer(kc, '/api/v1/pods', async () => {
    const list = await api.listPodForAllNamespaces();
    listed = list.items.length;
    if (listed === 0) syncedAt = performance.now();
    return list;
  });
  informer = inf;
  inf.on('add', () => {
    if (++added === listed) syncedAt = performance.now();
  });
  inf.on('error', (e: unknown) => {
    failure = e instanceof Error ? e.message : String(e);
  });
  const started = inf.start().catch((e: unknown) => void (failure = e instanceof Error ? e.message : String(e)));
  const deadline = t0 + params.timeoutMs;
  while (syncedAt === undefined && !failure && performance.now() < deadline) await new Promise((r) => setTimeout(r, 1));
  await Promise.race([started, new Promise((r) => setTimeout(r, 5_000))]);
  if (syncedAt === undefined) return { ms: performance.now() - t0, objects: inf.list().length, error: failure ?? `not synced within ${params.timeoutMs} ms` };
  return { ms: syncedAt - t0, objects: inf.list().length };
}


async function close(): Promise<void> {
  await informer?.stop();
  informer = undefined;
}

serveRpc({ memory: settledMemory, sync, usage: processUsage, close }, close);

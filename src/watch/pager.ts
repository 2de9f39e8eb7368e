import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeClient, QueryValue } from '../clusters/kubeClient.js';
import { KubeApiError, throwIfNotOk } from '../clusters/kubeClient.js';
import type { KubeList, KubeObject } from '../kube/types.js';
import { KubeatlasError } from '../util/errors.js';

/** One page of a LIST, handed to the consumer and then dropped. */
export interface ListPage {
  items: KubeObject[];
  /** The collection's resourceVersion (the same on every page of one consistent list). */
  resourceVersion: string;
  remainingItemCount: number | undefined;
}

/** Which snapshot a list asks for (see k8s-wire-notes.md, "resourceVersion"). */
export type ListFrom =
  /** No resourceVersion: a consistent (quorum) read, served page by page. */
  | { kind: 'consistent' }
  /** `resourceVersion=N&resourceVersionMatch=NotOlderThan`: any state at least as new as N (the watch cache serves it). */
  | { kind: 'notOlderThan'; resourceVersion: string };

export interface PagedListRequest {
  client: KubeClient;
  /** Collection path, e.g. /apis/apps/v1/deployments. */
  path: string;
  from: ListFrom;
  /** Items per page (`limit`); 0 = no limit. */
  pageSize: number;
  signal: AbortSignal;
  /** Deadline of each page request. */
  timeoutMs: number;
  budget?: 'default' | 'initialList';
  /** Called for each page, in order; synchronous. */
  onPage(page: ListPage): void;
  /**
   * Called when the list starts over from the beginning (its continue token
   * expired): everything `onPage` received so far belongs to an abandoned
   * snapshot and must not count as "seen".
   */
  onRestart(): void;
  /** Retries of one page answered 429/503/504 with Retry-After (default 5). */
  maxPageRetries?: number;
  /** Paged restarts after an expired continue token before the one unpaged attempt (default 1). */
  maxRestarts?: number;
  /** Upper bound of one Retry-After wait in ms (default 30 s). */
  maxRetryAfterMs?: number;
}

/**
 * Lists a collection page by page (client-go tools/pager), streaming each
 * page to `onPage`. Resolves with the collection resourceVersion of the
 * snapshot that was delivered completely.
 *
 * - Pages after the first carry only `limit` and `continue` (the server
 *   rejects a resourceVersion together with a continue token).
 * - A 410 Expired on a continue page (the token outlived compaction) restarts
 *   the whole list as a fresh consistent read; `onRestart` is called first.
 *   The first `maxRestarts` restarts are paged (a big collection is then
 *   never held in memory at once); if the token expires again, the list is
 *   read unpaged, as client-go's pager does at once, which cannot expire.
 * - 429/503/504 with Retry-After (504 is the watch cache's "Too large resource
 *   version") waits the advertised time and asks for the same page again.
 * - Any other non-2xx rejects with the KubeApiError (a 410 on the first page
 *   included: the caller decides how to relist), a transport failure with the
 *   client's CLUSTER_UNAVAILABLE error, a malformed body with UPSTREAM_ERROR.
 */
export async function listPaged(req: PagedListRequest): Promise<string> {
  const maxPageRetries = req.maxPageRetries ?? 5;
  const maxRestarts = req.maxRestarts ?? 1;
  const maxRetryAfterMs = req.maxRetryAfterMs ?? 30_000;
  let from = req.from;
  let restarts = 0;
  let continueToken: string | undefined;
  let listRv: string | undefined;
  let pageRetries = 0;
  let pageSize = req.pageSize;
  for (;;) {
    const query: Record<string, QueryValue> = {};
    if (pageSize > 0) query.limit = pageSize;
    if (continueToken !== undefined) {
      query.continue = continueToken;
    } else if (from.kind === 'notOlderThan') {
      query.resourceVersion = from.resourceVersion;
      query.resourceVersionMatch = 'NotOlderThan';
    }
    const res = await req.client.request({
      method: 'GET',
      path: req.path,
      query,
      signal: req.signal,
      timeoutMs: req.timeoutMs,
      budget: req.budget,
      maxRetries: 0,
    });
    try {
      throwIfNotOk(req.client.clusterId, res);
    } catch (err) {
      if (!(err instanceof KubeApiError)) throw err;
      if (err.httpStatus === 410 && continueToken !== undefined && restarts <= maxRestarts) {
        if (restarts++ === maxRestarts) pageSize = 0;
        continueToken = undefined;
        listRv = undefined;
        pageRetries = 0;
        from = { kind: 'consistent' };
        req.onRestart();
        continue;
      }
      const retryAfter = retryAfterSeconds(err);
      if (retryAfter !== undefined && [429, 503, 504].includes(err.httpStatus) && pageRetries < maxPageRetries) {
        pageRetries++;
        await sleep(Math.min(retryAfter * 1000, maxRetryAfterMs), undefined, { signal: req.signal });
        continue;
      }
      throw err;
    }
    pageRetries = 0;
    const list = parseList(req.client.clusterId, req.path, res.body);
    const rv = list.metadata.resourceVersion as string;
    listRv ??= rv;
    req.onPage({ items: list.items, resourceVersion: listRv, remainingItemCount: list.metadata.remainingItemCount });
    const next = list.metadata.continue;
    if (!next) return listRv;
    continueToken = next;
  }
}

/** Retry-After from the header, else from the Status's details.retryAfterSeconds. */
export function retryAfterSeconds(err: KubeApiError): number | undefined {
  if (err.retryAfterSeconds !== undefined) return err.retryAfterSeconds;
  const fromStatus = err.status.details?.retryAfterSeconds;
  return typeof fromStatus === 'number' && fromStatus >= 0 ? fromStatus : undefined;
}

function parseList(clusterId: string, path: string, body: Buffer): KubeList {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new KubeatlasError('UPSTREAM_ERROR', `cluster ${clusterId}: LIST ${path} answered a body that is not JSON (${body.length} bytes)`, { clusterId, path });
  }
  const list = parsed as Partial<KubeList>;
  if (typeof list !== 'object' || list === null || !Array.isArray(list.items) || typeof list.metadata !== 'object' || list.metadata === null) {
    throw new KubeatlasError('UPSTREAM_ERROR', `cluster ${clusterId}: LIST ${path} answered something that is not a list`, { clusterId, path });
  }
  if (typeof list.metadata.resourceVersion !== 'string' || list.metadata.resourceVersion === '') {
    throw new KubeatlasError('UPSTREAM_ERROR', `cluster ${clusterId}: LIST ${path} answered a list without metadata.resourceVersion`, { clusterId, path });
  }
  return list as KubeList;
}

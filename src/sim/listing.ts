import { stringify as yamlStringify } from 'yaml';
import type { KubeObject } from '../kube/types.js';
import type { Endpoint, HandlerContext } from './context.js';
import { apiErrors, SimApiError, failureStatus } from './errors.js';
import { StreamingBody, sendBody } from './http.js';
import { parseSelection, type Selection } from './selection.js';
import { decodeContinue, encodeContinue, encodeContinueFromStart } from './continueToken.js';
import { fullJson, parseStored, typePrefix, type StoredObject } from './storedObject.js';
import { isCustomResourceKind } from './simKinds.js';
import { parseIncludeObject, tableJson } from './table.js';
import type { SimStoreInternals } from './store.js';

/**
 * LIST with the semantics of a v1.28 apiserver (watch cache in front of
 * etcd): consistent paged reads, continue tokens pinned to the first page's
 * resourceVersion, cache reads for resourceVersion=0 / NotOlderThan that
 * ignore limit, and the 410/422/500/504 answers of the edge cases.
 */

/** Validates ListOptions for a list (not a watch); 422 with every problem found. */
export function validateListOptions(q: URLSearchParams): void {
  const causes: Array<{ field: string; message: string; reason: string }> = [];
  const match = q.get('resourceVersionMatch') ?? '';
  const rv = q.get('resourceVersion') ?? '';
  if (match) {
    if (!rv) causes.push({ field: 'resourceVersionMatch', reason: 'FieldValueForbidden', message: 'Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided' });
    if (q.get('continue')) causes.push({ field: 'resourceVersionMatch', reason: 'FieldValueForbidden', message: 'Forbidden: resourceVersionMatch is forbidden when continue is provided' });
    if (match === 'Exact' && rv === '0') causes.push({ field: 'resourceVersionMatch', reason: 'FieldValueForbidden', message: 'Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"' });
    if (match !== 'Exact' && match !== 'NotOlderThan') {
      causes.push({ field: 'resourceVersionMatch', reason: 'FieldValueNotSupported', message: `Unsupported value: "${match}": supported values: "Exact", "NotOlderThan", ""` });
    }
  }
  if (q.has('sendInitialEvents')) causes.push({ field: 'sendInitialEvents', reason: 'FieldValueForbidden', message: 'Forbidden: sendInitialEvents is forbidden for list' });
  if (causes.length) throw invalidListOptions(causes);
}

export function invalidListOptions(causes: Array<{ field: string; message: string; reason: string }>): SimApiError {
  const parts = causes.map((c) => `${c.field}: ${c.message}`);
  const summary = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  return new SimApiError(
    failureStatus(422, `ListOptions.meta.k8s.io "" is invalid: ${summary}`, 'Invalid', {
      group: 'meta.k8s.io',
      kind: 'ListOptions',
      causes: causes.map((c) => ({ reason: c.reason, message: c.message, field: c.field })),
    }),
  );
}

/** Parses a resourceVersion parameter as the storage layer does. */
export function parseRv(v: string): number {
  if (!/^\d+$/.test(v)) throw apiErrors.badRequest(`invalid resource version: ${v}`);
  return Number(v);
}

/** Waits until the store reaches `rv` (the watch cache catching up); false after `ms`. */
export async function waitForRv(store: SimStoreInternals, rv: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (store.resourceVersion < rv) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, Math.min(50, Math.max(1, deadline - Date.now()))));
  }
  return true;
}

interface ListPlan {
  items: readonly StoredObject[];
  listRv: number;
  paged: boolean;
  /** Relative start key (inclusive), from a continue token. */
  start?: string;
}

async function planList(h: HandlerContext, limit: number): Promise<ListPlan> {
  const { store, query: q, endpoint } = h;
  const kind = endpoint.kind;
  const rvParam = q.get('resourceVersion') ?? '';
  const match = q.get('resourceVersionMatch') ?? '';
  const cont = q.get('continue') ?? '';
  if (cont) {
    if (rvParam !== '' && rvParam !== '0') throw apiErrors.badRequest('specifying resource version is not allowed when using continue');
    const tok = decodeContinue(cont);
    if (tok.rv === -1) return { items: store.currentSnapshot(kind), listRv: store.resourceVersion, paged: true, start: tok.start };
    const expired = (): SimApiError => apiErrors.expiredContinue(encodeContinueFromStart(-1, tok.start));
    if (tok.rv < store.compactedRv || tok.rv > store.resourceVersion) throw expired();
    const items = store.snapshotAt(kind, tok.rv);
    if (!items) throw expired();
    return { items, listRv: tok.rv, paged: true, start: tok.start };
  }
  if (rvParam === '') return { items: store.currentSnapshot(kind), listRv: store.resourceVersion, paged: limit > 0 };
  if (rvParam === '0') return { items: store.currentSnapshot(kind), listRv: store.resourceVersion, paged: false };
  const n = parseRv(rvParam);
  const exactAt = (): ListPlan => {
    if (n > store.resourceVersion) throw apiErrors.futureRevision();
    if (n < store.compactedRv) throw apiErrors.expiredList();
    const items = store.snapshotAt(kind, n);
    if (!items) throw apiErrors.expiredList();
    return { items, listRv: n, paged: limit > 0 };
  };
  if (match === 'Exact') return exactAt();
  if (limit > 0 && match === '') return exactAt();
  if (limit > 0) {
    // NotOlderThan with a limit goes to etcd at the latest revision.
    if (n > store.resourceVersion) throw apiErrors.tooLargeResourceVersion(n, store.resourceVersion);
    return { items: store.currentSnapshot(kind), listRv: store.resourceVersion, paged: true };
  }
  // Served from the watch cache, which may first have to catch up.
  if (!(await waitForRv(store, n, h.settings.tooLargeRvWaitMs))) throw apiErrors.tooLargeResourceVersion(n, store.resourceVersion);
  return { items: store.currentSnapshot(kind), listRv: store.resourceVersion, paged: false };
}

/** Index range of a namespace's objects in a sorted snapshot. */
export function namespaceRange(items: readonly StoredObject[], namespace: string | undefined): [number, number] {
  if (namespace === undefined) return [0, items.length];
  const prefix = `${namespace}/`;
  const lower = (key: string): number => {
    let lo = 0;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (items[mid].key < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  // "/" + 1 = "0": the first key after every "ns/..." key.
  return [lower(prefix), lower(`${namespace}0`)];
}

function lowerBound(items: readonly StoredObject[], key: string, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (items[mid].key < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface Page {
  items: StoredObject[];
  listRv: number;
  continueToken?: string;
  remainingItemCount?: number;
}

/** Selects one page of `plan` for the request's namespace and selectors. */
function selectPage(h: HandlerContext, plan: ListPlan, sel: Selection, limit: number, namespace: string | undefined): Page {
  const [lo, hi] = namespaceRange(plan.items, namespace);
  const rel = (key: string): string => (namespace === undefined ? key : key.slice(namespace.length + 1));
  let i = plan.start !== undefined ? lowerBound(plan.items, namespace === undefined ? plan.start : `${namespace}/${plan.start}`, lo, hi) : lo;
  const out: StoredObject[] = [];
  const max = plan.paged && limit > 0 ? limit : Infinity;
  for (; i < hi && out.length < max; i++) {
    const so = plan.items[i];
    if (sel.matches(so)) out.push(so);
  }
  const page: Page = { items: out, listRv: plan.listRv };
  if (plan.paged && limit > 0 && i < hi && out.length) {
    page.continueToken = encodeContinue(plan.listRv, rel(out[out.length - 1].key));
    if (sel.empty) page.remainingItemCount = hi - i;
    h.store.pinSnapshot(h.endpoint.kind, plan.listRv, plan.items);
  }
  return page;
}

function listMetaJson(page: Pick<Page, 'listRv' | 'continueToken' | 'remainingItemCount'>): string {
  const m: Record<string, unknown> = { resourceVersion: String(page.listRv) };
  if (page.continueToken) m.continue = page.continueToken;
  if (page.remainingItemCount !== undefined) m.remainingItemCount = page.remainingItemCount;
  return JSON.stringify(m);
}

/** The object as this endpoint serves it (converted when the endpoint is not the storage version). */
export function objectForEndpoint(ep: Endpoint, so: StoredObject): KubeObject {
  const obj = parseStored(ep.kind, so);
  return ep.toVersion ? ep.toVersion(obj) : obj;
}

export function objectJsonForEndpoint(ep: Endpoint, so: StoredObject): string {
  return ep.storageVersion ? fullJson(ep.kind, so) : JSON.stringify(objectForEndpoint(ep, so));
}

export async function handleList(h: HandlerContext): Promise<void> {
  validateListOptions(h.query);
  const ep = h.endpoint;
  const kind = ep.kind;
  const sel = parseSelection(kind, h.query);
  const limitParam = h.query.get('limit');
  const limit = limitParam && /^\d+$/.test(limitParam) ? Number(limitParam) : 0;
  const plan = await planList(h, limit);
  const namespace = kind.namespaced ? h.info.namespace : undefined;
  const page = selectPage(h, plan, sel, limit, namespace);
  await writeList(h, page);
}

/** Writes a page in the negotiated representation. */
export async function writeList(h: HandlerContext, page: Page): Promise<void> {
  const ep = h.endpoint;
  const kind = ep.kind;
  const neg = h.negotiated;
  if (neg.as === 'Table') {
    const objs = page.items.map((so) => objectForEndpoint(ep, so));
    const body = tableJson(kind, objs, { resourceVersion: String(page.listRv), continue: page.continueToken, remainingItemCount: page.remainingItemCount }, parseIncludeObject(h.query.get('includeObject')));
    return finish(h, body);
  }
  if (neg.as === 'PartialObjectMetadataList' || neg.as === 'PartialObjectMetadata') {
    const items = page.items.map((so) => ({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: parseStored(kind, so).metadata }));
    const body = `{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1","metadata":${listMetaJson(page)},"items":${JSON.stringify(items)}}`;
    return finish(h, body);
  }
  const head = `{"kind":${JSON.stringify(kind.listKind)},"apiVersion":${JSON.stringify(ep.apiVersion)},"metadata":${listMetaJson(page)},"items":[`;
  if (neg.format === 'yaml') {
    const items = page.items.map((so) => objectJsonForEndpoint(ep, so));
    return finish(h, `${head}${items.join(',')}]}`);
  }
  // Fast path: stored JSON concatenated, streamed in batches with backpressure.
  const withType = isCustomResourceKind(kind) || !ep.storageVersion;
  const prefix = typePrefix(kind);
  const body = new StreamingBody(h.req, h.res, 200, h.rctx, 'application/json');
  await body.push(head);
  const BATCH = 512;
  for (let i = 0; i < page.items.length; i += BATCH) {
    const end = Math.min(page.items.length, i + BATCH);
    const parts = new Array<string>(end - i);
    for (let j = i; j < end; j++) {
      const so = page.items[j];
      parts[j - i] = !withType ? so.json : ep.storageVersion ? fullJson(kind, so, prefix) : objectJsonForEndpoint(ep, so);
    }
    await body.push((i === 0 ? '' : ',') + parts.join(','));
    if (h.res.destroyed) return;
  }
  await body.push(']}\n');
  await body.end();
}

function finish(h: HandlerContext, json: string): void {
  if (h.negotiated.format === 'yaml') {
    sendBody(h.req, h.res, 200, yamlStringify(JSON.parse(json), { sortMapEntries: true }), h.rctx, 'application/yaml');
    return;
  }
  sendBody(h.req, h.res, 200, json + '\n', h.rctx, 'application/json');
}

import type { ServerResponse } from 'node:http';
import type { Status } from '../kube/types.js';
import type { Endpoint, HandlerContext } from './context.js';
import { apiErrors, tooOldResourceVersionStatus } from './errors.js';
import { baseHeaders } from './http.js';
import type { StoreEvent } from './history.js';
import { invalidListOptions, namespaceRange, parseRv, waitForRv } from './listing.js';
import { parseSelection, type Selection } from './selection.js';
import { fullJson, parseStored, type StoredObject } from './storedObject.js';
import { bookmarkLine } from './bookmark.js';
import { parseIncludeObject, tableJson } from './table.js';
import { logger } from '../util/logger.js';

const log = logger('sim-watch');

/**
 * WATCH with the semantics of the v1.28 watch cache: resume from a
 * resourceVersion by replaying the bounded history, synthetic ADDED events
 * for resourceVersion ""/"0", WatchList (sendInitialEvents) with the
 * initial-events-end bookmark, periodic bookmarks (suppressed until the
 * cache moves past the start RV), selector transitions as ADDED/DELETED,
 * timeoutSeconds, HTTP 200 + ERROR 410 for a too-old RV, and closing
 * watchers whose socket stays full (slow clients).
 */

/** Serialized event lines, computed once per event for the plain JSON form. */
const lineCache = new WeakMap<StoreEvent, string>();

function eventLine(type: string, objectJson: string): string {
  return `{"type":"${type}","object":${objectJson}}\n`;
}

function storedEventLine(ev: StoreEvent): string {
  let l = lineCache.get(ev);
  if (l === undefined) {
    l = eventLine(ev.type, fullJson(ev.kind, ev.obj));
    lineCache.set(ev, l);
  }
  return l;
}

/** The previous state re-stamped with the event's resourceVersion (an object leaving a selector). */
function prevWithRv(ev: StoreEvent): StoredObject {
  const prev = ev.prev!;
  const i = prev.json.indexOf(`"resourceVersion":"${prev.rv}"`);
  const json = i < 0 ? prev.json : prev.json.slice(0, i) + `"resourceVersion":"${ev.rv}"` + prev.json.slice(i + `"resourceVersion":"${prev.rv}"`.length);
  return { ...prev, rv: ev.rv, json };
}

export function validateWatchOptions(q: URLSearchParams, watchListEnabled: boolean): void {
  const causes: Array<{ field: string; message: string; reason: string }> = [];
  const match = q.get('resourceVersionMatch') ?? '';
  const sie = q.get('sendInitialEvents');
  if (sie !== null) {
    if (match !== 'NotOlderThan') causes.push({ field: 'resourceVersionMatch', reason: 'FieldValueForbidden', message: 'Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan' });
    if (!watchListEnabled) causes.push({ field: 'sendInitialEvents', reason: 'FieldValueForbidden', message: 'Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled' });
  }
  if (match) {
    if (sie === null) causes.push({ field: 'resourceVersionMatch', reason: 'FieldValueForbidden', message: 'Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided' });
    if (match !== 'NotOlderThan') causes.push({ field: 'resourceVersionMatch', reason: 'FieldValueNotSupported', message: `Unsupported value: "${match}": supported values: "NotOlderThan"` });
    if (q.get('continue')) causes.push({ field: 'resourceVersionMatch', reason: 'FieldValueForbidden', message: 'Forbidden: resourceVersionMatch is forbidden when continue is provided' });
  }
  if (causes.length) throw invalidListOptions(causes);
}

/** Starts a 200 watch response (chunked JSON stream). */
function startStream(res: ServerResponse, h: Pick<HandlerContext, 'rctx'>): void {
  baseHeaders(res, h.rctx, 'application/json');
  res.statusCode = 200;
  res.setHeader('Transfer-Encoding', 'chunked');
  res.flushHeaders();
}

/** 200 + one ERROR event carrying `status`, then the stream ends (the real server's answer for a watch it cannot serve). */
export function watchErrorAndEnd(h: Pick<HandlerContext, 'res' | 'rctx'>, status: Status): void {
  if (h.res.headersSent || h.res.destroyed) return;
  startStream(h.res, h);
  h.res.end(eventLine('ERROR', JSON.stringify(status)));
}

/** An open watch stream; the server keeps them to fault-inject and to close on stop. */
export class WatchSession {
  private closed = false;
  private blockedSince: number | undefined;
  private timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => void) | undefined;
  private lastRv: number;
  private firstTableEvent = true;
  private initialPhase = true;
  private readonly queued: StoreEvent[] = [];
  private untrack: (() => void) | undefined;

  constructor(
    private readonly h: HandlerContext,
    private readonly sel: Selection,
    private readonly namespace: string | undefined,
    private readonly startRv: number,
    private readonly bookmarks: boolean,
  ) {
    this.lastRv = startRv;
  }

  get res(): ServerResponse {
    return this.h.res;
  }

  /** Subscribes first (so nothing is missed) and queues live events until the initial phase is written. */
  subscribe(): void {
    this.unsubscribe = this.h.store.subscribe(this.h.endpoint.kind, (ev) => {
      if (this.closed) return;
      if (this.initialPhase) this.queued.push(ev);
      else this.deliver(ev);
    });
    this.untrack = this.h.track(this);
    this.h.res.on('close', () => this.close());
    this.h.res.on('drain', () => {
      this.blockedSince = undefined;
    });
  }

  start(timeoutMs: number): void {
    startStream(this.h.res, this.h);
    this.timers.push(setTimeout(() => this.end(), timeoutMs));
    if (this.bookmarks) {
      const interval = this.h.settings.bookmarkIntervalMs;
      this.timers.push(setInterval(() => this.bookmark(), interval));
      if (timeoutMs > 2000) {
        this.timers.push(setTimeout(() => this.bookmark(), timeoutMs - 2000));
        this.timers.push(setTimeout(() => this.bookmark(), timeoutMs - 1000));
      }
    }
    for (const t of this.timers) t.unref();
    // Watchdog for clients that stop reading.
    const wd = setInterval(() => this.checkSlow(), Math.max(100, Math.min(1000, this.h.settings.slowWatchTimeoutMs / 4)));
    wd.unref();
    this.timers.push(wd);
  }

  /** Writes the initial burst (synthetic ADDED / replay), batched into large chunks like Go's buffered writer. */
  async writeInitial(lines: Iterable<string>): Promise<void> {
    let buf: string[] = [];
    let size = 0;
    for (const l of lines) {
      buf.push(l);
      size += l.length;
      if (size >= 64 * 1024) {
        if (!(await this.writeBurst(buf.join('')))) return;
        buf = [];
        size = 0;
      }
    }
    if (buf.length) await this.writeBurst(buf.join(''));
  }

  private async writeBurst(data: string): Promise<boolean> {
    if (this.closed) return false;
    const ok = this.h.res.write(data);
    if (!ok) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.h.res.removeListener('drain', done);
          this.h.res.removeListener('close', done);
          resolve();
        };
        this.h.res.once('drain', done);
        this.h.res.once('close', done);
      });
    }
    return !this.closed;
  }

  /** Ends the initial phase: flushes events queued meanwhile, then streams live. */
  goLive(): void {
    this.initialPhase = false;
    const q = this.queued.splice(0);
    for (const ev of q) this.deliver(ev);
  }

  /** Lines for an initial object (synthetic ADDED). */
  addedLine(so: StoredObject): string {
    return this.formatLine('ADDED', so);
  }

  /** Replayed history event lines (resume from an RV). */
  replayLine(ev: StoreEvent): string | undefined {
    return this.transform(ev);
  }

  markSent(rv: number): void {
    if (rv > this.lastRv) this.lastRv = rv;
  }

  private transform(ev: StoreEvent): string | undefined {
    if (ev.rv <= this.lastRv) return undefined;
    if (this.namespace !== undefined && ev.obj.namespace !== this.namespace) return undefined;
    const sel = this.sel;
    const ep = this.h.endpoint;
    const plain = ep.storageVersion && this.h.negotiated.as === 'object';
    if (sel.empty) {
      this.lastRv = ev.rv;
      return plain ? storedEventLine(ev) : this.formatLine(ev.type, ev.obj);
    }
    const curPasses = ev.type !== 'DELETED' && sel.matches(ev.obj);
    const prevPasses = ev.prev ? sel.matches(ev.prev) : false;
    this.lastRv = ev.rv;
    if (ev.type === 'DELETED') return prevPasses || sel.matches(ev.obj) ? (plain ? storedEventLine(ev) : this.formatLine('DELETED', ev.obj)) : undefined;
    if (curPasses && prevPasses) return plain ? storedEventLine(ev) : this.formatLine('MODIFIED', ev.obj);
    if (curPasses) return ev.type === 'ADDED' && plain ? storedEventLine(ev) : this.formatLine('ADDED', ev.obj);
    if (prevPasses) return this.formatLine('DELETED', prevWithRv(ev));
    return undefined;
  }

  private formatLine(type: string, so: StoredObject): string {
    const ep: Endpoint = this.h.endpoint;
    const neg = this.h.negotiated;
    if (neg.as === 'Table') {
      const obj = parseStored(ep.kind, so);
      const json = tableJson(ep.kind, [ep.toVersion ? ep.toVersion(obj) : obj], { resourceVersion: String(so.rv) }, parseIncludeObject(this.h.query.get('includeObject')), this.firstTableEvent);
      this.firstTableEvent = false;
      return eventLine(type, json);
    }
    if (neg.as === 'PartialObjectMetadata' || neg.as === 'PartialObjectMetadataList') {
      const md = parseStored(ep.kind, so).metadata;
      return eventLine(type, JSON.stringify({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: md }));
    }
    if (!ep.storageVersion && ep.toVersion) return eventLine(type, JSON.stringify(ep.toVersion(parseStored(ep.kind, so))));
    return eventLine(type, fullJson(ep.kind, so));
  }

  private deliver(ev: StoreEvent): void {
    const line = this.transform(ev);
    if (line !== undefined) this.write(line);
  }

  private corked = false;

  /**
   * Writes one event. Events written in the same tick (a burst) are coalesced
   * into one socket write; a lone event is flushed on its own, as the real
   * server does.
   */
  write(line: string): void {
    if (this.closed) return;
    if (!this.corked) {
      this.corked = true;
      this.h.res.cork();
      process.nextTick(() => {
        this.corked = false;
        if (!this.h.res.destroyed) this.h.res.uncork();
      });
    }
    const ok = this.h.res.write(line);
    if (!ok && this.blockedSince === undefined) this.blockedSince = Date.now();
    this.checkSlow();
  }

  private checkSlow(): void {
    if (this.closed) return;
    const s = this.h.settings;
    const buffered = this.h.res.writableLength;
    if (buffered > s.slowWatchMaxBufferedBytes || (this.blockedSince !== undefined && Date.now() - this.blockedSince > s.slowWatchTimeoutMs)) {
      log.info({ buffered }, 'closing slow watch');
      this.destroy();
    }
  }

  /** Sends a bookmark at the current cache RV, once the cache has moved past the watch's start RV. */
  bookmark(initialEventsEnd = false): void {
    if (this.closed) return;
    if (initialEventsEnd) {
      // Marks the end of the snapshot taken at startRv; events queued since follow it.
      this.write(bookmarkLine(this.h.endpoint.kind, this.h.endpoint.apiVersion, this.startRv, true));
      return;
    }
    const rv = this.h.store.resourceVersion;
    if (this.initialPhase || rv <= this.startRv) return;
    this.lastRv = Math.max(this.lastRv, rv);
    this.write(bookmarkLine(this.h.endpoint.kind, this.h.endpoint.apiVersion, rv));
  }

  /** Ends the stream normally (terminating chunk). */
  end(): void {
    if (this.closed) return;
    this.cleanup();
    this.h.res.end();
  }

  /** Drops the connection abruptly (no terminating chunk). */
  destroy(): void {
    if (this.closed) return;
    this.cleanup();
    this.h.res.destroy();
    this.h.req.socket.destroy();
  }

  close(): void {
    if (this.closed) return;
    this.cleanup();
    if (!this.h.res.writableEnded) this.h.res.destroy();
  }

  /** Writes a broken line (fault injection), then keeps streaming. */
  corrupt(kind: 'garbage' | 'truncated'): void {
    if (this.closed) return;
    this.h.res.write(kind === 'garbage' ? 'this is not json {]\n' : '{"type":"MODIFIED","object":{"kind":"Po\n');
  }

  private cleanup(): void {
    this.closed = true;
    this.unsubscribe?.();
    this.untrack?.();
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
  }
}

function parseTimeoutMs(q: URLSearchParams): number {
  const t = q.get('timeoutSeconds');
  if (t !== null && /^\d+$/.test(t)) return Number(t) * 1000;
  // Without timeoutSeconds the apiserver picks 30–60 minutes.
  return (1800 + Math.random() * 1800) * 1000;
}

export async function handleWatch(h: HandlerContext): Promise<void> {
  const q = h.query;
  validateWatchOptions(q, h.settings.watchList);
  const kind = h.endpoint.kind;
  const sel = parseSelection(kind, q);
  const namespace = kind.namespaced ? h.info.namespace : undefined;
  const store = h.store;
  const rvParam = q.get('resourceVersion') ?? '';
  const sendInitial = q.get('sendInitialEvents') === 'true';
  const bookmarks = q.get('allowWatchBookmarks') === 'true' || q.get('allowWatchBookmarks') === '1';
  const timeoutMs = parseTimeoutMs(q);

  if (sendInitial) {
    if (rvParam !== '' && rvParam !== '0') {
      const n = parseRv(rvParam);
      if (!(await waitForRv(store, n, h.settings.tooLargeRvWaitMs))) {
        watchErrorAndEnd(h, apiErrors.tooLargeResourceVersion(n, store.resourceVersion).status);
        return;
      }
    }
    const startRv = store.resourceVersion;
    const items = store.currentSnapshot(kind);
    const session = new WatchSession(h, sel, namespace, startRv, bookmarks);
    session.subscribe();
    session.start(timeoutMs);
    await session.writeInitial(initialLines(session, items, sel, namespace));
    if (bookmarks) session.bookmark(true);
    session.goLive();
    return;
  }

  if (rvParam === '' || rvParam === '0') {
    const startRv = store.resourceVersion;
    const items = store.currentSnapshot(kind);
    const session = new WatchSession(h, sel, namespace, startRv, bookmarks);
    session.subscribe();
    session.start(timeoutMs);
    await session.writeInitial(initialLines(session, items, sel, namespace));
    session.goLive();
    return;
  }

  const n = parseRv(rvParam);
  const history = store.history(kind);
  if (n < history.startRv) {
    watchErrorAndEnd(h, tooOldResourceVersionStatus(n, history.startRv));
    return;
  }
  const replay = n < store.resourceVersion ? history.since(n) : [];
  const session = new WatchSession(h, sel, namespace, n, bookmarks);
  session.subscribe();
  session.start(timeoutMs);
  await session.writeInitial(replayLines(session, replay));
  session.goLive();
}

function* initialLines(session: WatchSession, items: readonly StoredObject[], sel: Selection, namespace: string | undefined): Generator<string> {
  const [lo, hi] = namespaceRange(items, namespace);
  for (let i = lo; i < hi; i++) {
    const so = items[i];
    if (!sel.matches(so)) continue;
    yield session.addedLine(so);
  }
}

function* replayLines(session: WatchSession, events: readonly StoreEvent[]): Generator<string> {
  for (const ev of events) {
    const l = session.replayLine(ev);
    if (l !== undefined) yield l;
  }
}

import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeClient, QueryValue } from '../clusters/kubeClient.js';
import { KubeApiError } from '../clusters/kubeClient.js';
import type { KindInfo } from '../kube/kinds.js';
import { apiVersionOf, collectionPath, kindKey } from '../kube/kinds.js';
import type { KubeObject } from '../kube/types.js';
import { INITIAL_EVENTS_END_ANNOTATION } from '../kube/types.js';
import { describeError, KubeatlasError } from '../util/errors.js';
import { logger, type Logger } from '../util/logger.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { LineSplitter, WatchLineTooLargeError } from './lineSplitter.js';
import { UNLIMITED_LIST_GATE, type ListGate } from './listGate.js';
import { listPaged, retryAfterSeconds, type ListFrom } from './pager.js';
import { ReflectorMetrics } from './reflectorMetrics.js';
import type { ReflectorSink } from './sink.js';
import { decodeWatchLine, WatchDecodeError } from './watchDecoder.js';
import {
  ShortWatchError,
  SinkFailedError,
  WatchInactiveError,
  WatchListUnsupportedError,
  WatchStatusError,
  WatchStreamBrokenError,
} from './watchErrors.js';
import { watchListSupportOf, type WatchListSupport } from './watchListSupport.js';
import { nextTurn, turnBudgetSpent } from '../util/turnBudget.js';

export type ReflectorPhase = 'pending' | 'listing' | 'watching' | 'backoff' | 'failed' | 'stopped';

/** A point-in-time view of one reflector, for sync reports, GraphQL and tests. */
export interface ReflectorStatus {
  readonly clusterId: string;
  readonly kind: KindInfo;
  readonly phase: ReflectorPhase;
  /** The first complete state transfer is done (stays true through later relists). */
  readonly synced: boolean;
  /** The newest resourceVersion the sink holds (resume point). */
  readonly resourceVersion: string | undefined;
  /** Objects in the collection as of the last event applied. */
  readonly objects: number;
  /** Epoch ms of the last watch event, bookmark or completed list. */
  readonly lastEventAt: number | undefined;
  /** Watches re-opened from a resourceVersion without a relist. */
  readonly restarts: number;
  /** State transfers after the first one. */
  readonly relists: number;
  /** 410 Gone/Expired answers seen. */
  readonly expired: number;
  readonly lastError: string | undefined;
  /** Set while the kind cannot be read at all (401, 403, 404): the reason, for the cluster's failingKinds. */
  readonly failing: string | undefined;
  /** Duration of the first complete state transfer, from start(). */
  readonly initialSyncMs: number | undefined;
  /** How the last state transfer was made. */
  readonly via: 'watchList' | 'list' | undefined;
}

export interface ReflectorOptions {
  client: KubeClient;
  kind: KindInfo;
  sink: ReflectorSink;
  /** Resume point from a snapshot the sink already holds: the first transfer is a NotOlderThan relist from it. */
  resumeResourceVersion?: string;
  /**
   * With `resumeResourceVersion`: the sink already holds the complete collection
   * at that resourceVersion (a warm-restart snapshot, or a copy followed from
   * another replica), `objects` objects. The reflector then counts as synced at
   * once and starts with a WATCH from that resourceVersion instead of a state
   * transfer; a 410 makes it relist (the sink emits only the difference).
   */
  resumeComplete?: { objects: number };
  /** Shared per cluster; by default the memo of `client`. */
  watchList?: WatchListSupport;
  /** Caps concurrent state transfers per cluster. */
  listGate?: ListGate;
  /** Wait before the first list (stagger); default 0. */
  startDelayMs?: number;
  /** LIST page size (default 500). */
  pageSize?: number;
  /** Watch timeoutSeconds is drawn uniformly from [min, max) (default [300, 600)). */
  watchTimeoutSeconds?: { min: number; max: number };
  /** A watch with no byte for this long is presumed dead (default 120 s; bookmarks arrive every ~60 s). */
  inactivityTimeoutMs?: number;
  /** Largest accepted watch line (default 4 MiB). */
  maxLineBytes?: number;
  /** Deadline of each LIST page (default 60 s). */
  listTimeoutMs?: number;
  /** Deadline for a watch's response headers (default 30 s). */
  connectTimeoutMs?: number;
  /** A watch shorter than this with zero events counts as an error (default 1 s). */
  shortWatchMs?: number;
  /** Error backoff (default 800 ms ×2 up to 30 s, jitter 1.0, reset after 2 min). */
  backoff?: BackoffOptions;
  /** Wait between attempts while the kind is forbidden, unauthorized or not served (default 60 s). */
  slowRetryMs?: number;
  /** Called (synchronously) when phase, synced, failing or lastError change. */
  onStatusChange?: (status: ReflectorStatus) => void;
  random?: () => number;
}

type Step = { do: 'sync'; from: ListFrom } | { do: 'watch' };

const CONSISTENT: ListFrom = { kind: 'consistent' };

/**
 * Keeps one (cluster, kind) collection mirrored into a ReflectorSink, the
 * way client-go's tools/cache reflector does:
 *
 * 1. State transfer: a WatchList stream (`sendInitialEvents=true`) up to its
 *    `k8s.io/initial-events-end` bookmark where the cluster serves it, else a
 *    paged LIST. The first transfer is a consistent read (no resourceVersion:
 *    pages from etcd, so `limit` is honoured and memory stays bounded;
 *    `resourceVersion=0` would be cheaper but the watch cache ignores `limit`
 *    and returns everything at once). Later transfers ask for
 *    `resourceVersion=<last>&resourceVersionMatch=NotOlderThan` (served from
 *    the watch cache, never 410 on a real server); if that fails with 410,
 *    a consistent read. Items go to the sink as beginReplace / replaceItem /
 *    endReplace(rv), page by page, so the sink emits exactly the difference.
 * 2. Watch from the transfer's resourceVersion with bookmarks and a random
 *    timeoutSeconds; every event and bookmark advances the resume point; a
 *    normal end re-watches from it at once.
 * 3. Recovery:
 *    - 410 (HTTP or ERROR event) → relist (NotOlderThan, then consistent);
 *    - 504 "Too large resource version" → wait Retry-After, same step;
 *    - refused, reset, 429, 5xx, an inactive or very short watch → backoff,
 *      then re-watch from the last resourceVersion (no relist);
 *    - a garbage, truncated or oversized line → drop the connection, backoff,
 *      re-watch from the last good resourceVersion; if the next watch fails
 *      the same way without progress, relist;
 *    - 401/403/404 → `failing` is set with the reason, retried every
 *      `slowRetryMs`;
 *    - a WatchList answered 422/400, or streamed without the initial-events-end
 *      bookmark (the server ignored it) → remembered for the cluster, paged
 *      LIST from then on.
 *
 * Nothing is lost or doubled: the watch always resumes from the newest
 * resourceVersion applied to the sink, and a relist replaces the collection
 * as a whole. `stop()` aborts every request and returns within a bounded time.
 */
export class Reflector {
  readonly clusterId: string;
  readonly kind: KindInfo;
  private readonly client: KubeClient;
  private readonly sink: ReflectorSink;
  private readonly path: string;
  private readonly log: Logger;
  private readonly watchList: WatchListSupport;
  private readonly gate: ListGate;
  private readonly backoff: Backoff;
  private readonly metrics: ReflectorMetrics;
  private readonly random: () => number;
  private readonly opts: Required<
    Pick<ReflectorOptions, 'startDelayMs' | 'pageSize' | 'watchTimeoutSeconds' | 'inactivityTimeoutMs' | 'maxLineBytes' | 'listTimeoutMs' | 'connectTimeoutMs' | 'shortWatchMs' | 'slowRetryMs'>
  >;
  private readonly onStatusChange: ((s: ReflectorStatus) => void) | undefined;
  private readonly controller = new AbortController();

  private loop: Promise<void> | undefined;
  private startedAt = 0;
  private phase: ReflectorPhase = 'pending';
  private synced = false;
  private rv: string | undefined;
  private objects = 0;
  private lastEventAt: number | undefined;
  private restarts = 0;
  private relists = 0;
  private expired = 0;
  private lastError: string | undefined;
  private failing: string | undefined;
  private initialSyncMs: number | undefined;
  private via: 'watchList' | 'list' | undefined;
  private transfers = 0;
  private watchesSinceTransfer = 0;
  private step: Step;
  private replaceOpen = false;
  private decodeFailureRv: string | undefined;
  private consecutiveTooLarge = 0;
  private lastWatchExpiredWithoutEvents = false;
  /** The next transfer uses a paged LIST even where WatchList is served (a WatchList transfer hit an unreadable event). */
  private listNextTransfer = false;
  private syncWaiters: Array<(synced: boolean) => void> = [];

  constructor(options: ReflectorOptions) {
    this.client = options.client;
    this.clusterId = options.client.clusterId;
    this.kind = options.kind;
    this.sink = options.sink;
    this.path = collectionPath(options.kind);
    this.log = logger('reflector', { clusterId: this.clusterId, kind: kindKey(options.kind) });
    this.watchList = options.watchList ?? watchListSupportOf(options.client);
    this.gate = options.listGate ?? UNLIMITED_LIST_GATE;
    this.random = options.random ?? Math.random;
    this.backoff = new Backoff({ random: this.random, ...options.backoff });
    this.onStatusChange = options.onStatusChange;
    this.opts = {
      startDelayMs: options.startDelayMs ?? 0,
      pageSize: options.pageSize ?? 500,
      watchTimeoutSeconds: options.watchTimeoutSeconds ?? { min: 300, max: 600 },
      inactivityTimeoutMs: options.inactivityTimeoutMs ?? 120_000,
      maxLineBytes: options.maxLineBytes ?? 4 * 1024 * 1024,
      listTimeoutMs: options.listTimeoutMs ?? 60_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 30_000,
      shortWatchMs: options.shortWatchMs ?? 1000,
      slowRetryMs: options.slowRetryMs ?? 60_000,
    };
    this.rv = options.resumeResourceVersion || undefined;
    this.step = { do: 'sync', from: this.rv ? { kind: 'notOlderThan', resourceVersion: this.rv } : CONSISTENT };
    if (this.rv && options.resumeComplete) {
      this.step = { do: 'watch' };
      this.synced = true;
      this.initialSyncMs = 0;
      this.objects = options.resumeComplete.objects;
      this.transfers = 1; // a later transfer is a relist
    }
    this.metrics = new ReflectorMetrics(this.clusterId, kindKey(options.kind), {
      lastEventAt: () => this.lastEventAt,
      objects: () => this.objects,
      synced: () => this.synced,
    });
  }

  /** Starts the list+watch loop (idempotent). */
  start(): void {
    if (this.loop || this.controller.signal.aborted) return;
    this.startedAt = Date.now();
    this.loop = this.run();
  }

  /**
   * Aborts every request and waits for the loop to finish, at most
   * `timeoutMs` (default 5 s). Removes this reflector's metric series.
   */
  async stop(timeoutMs = 5000): Promise<void> {
    if (!this.controller.signal.aborted) this.controller.abort(new KubeatlasError('INTERNAL', 'reflector stopped'));
    if (this.loop) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.loop, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
    }
    this.metrics.dispose();
    this.setPhase('stopped');
    this.resolveSyncWaiters(false);
  }

  /** Resolves true once the first state transfer completed, false if stopped before. */
  whenSynced(): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (this.controller.signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  status(): ReflectorStatus {
    return {
      clusterId: this.clusterId,
      kind: this.kind,
      phase: this.phase,
      synced: this.synced,
      resourceVersion: this.rv,
      objects: this.objects,
      lastEventAt: this.lastEventAt,
      restarts: this.restarts,
      relists: this.relists,
      expired: this.expired,
      lastError: this.lastError,
      failing: this.failing,
      initialSyncMs: this.initialSyncMs,
      via: this.via,
    };
  }

  // ---------------------------------------------------------------- loop

  private get signal(): AbortSignal {
    return this.controller.signal;
  }

  private async run(): Promise<void> {
    try {
      if (this.opts.startDelayMs > 0) await sleep(this.opts.startDelayMs, undefined, { signal: this.signal });
      while (!this.signal.aborted) {
        try {
          if (this.step.do === 'sync') await this.transfer(this.step.from);
          else await this.watch();
        } catch (err) {
          if (this.signal.aborted) break;
          await this.recover(err);
        }
      }
    } catch (err) {
      if (!this.signal.aborted) this.log.error({ err: describeError(err) }, 'reflector loop failed');
    } finally {
      if (this.replaceOpen) this.abortReplace();
      this.setPhase('stopped');
      this.resolveSyncWaiters(false);
    }
  }

  /** Decides what to do after a failed step, waits accordingly, and sets the next step. */
  private async recover(err: unknown): Promise<void> {
    const step = this.step;
    const httpStatus = err instanceof KubeApiError ? err.httpStatus : err instanceof WatchStatusError ? err.status.code : undefined;
    if (err instanceof WatchListUnsupportedError) {
      // Not an error of the collection: the cluster just lacks the feature.
      this.log.info({ reason: err.message }, 'cluster does not serve WatchList; using paged LIST');
      return; // same step, now by LIST, at once
    }
    this.noteError(err);
    if (httpStatus !== 504) this.consecutiveTooLarge = 0;

    if (httpStatus === 410) {
      this.expired++;
      this.metrics.expired();
      if (step.do === 'sync') {
        // A NotOlderThan transfer was refused as too old: fall back to a consistent read.
        this.step = { do: 'sync', from: CONSISTENT };
        if (step.from.kind === 'notOlderThan') return;
        await this.waitBackoff();
        return;
      }
      // The watch's resourceVersion left the server's history: relist from it.
      const repeat = this.lastWatchExpiredWithoutEvents;
      this.lastWatchExpiredWithoutEvents = true;
      this.step = { do: 'sync', from: this.rv ? { kind: 'notOlderThan', resourceVersion: this.rv } : CONSISTENT };
      if (repeat) await this.waitBackoff();
      return;
    }
    this.lastWatchExpiredWithoutEvents = false;

    if (httpStatus === 504) {
      const ra = err instanceof KubeApiError ? retryAfterSeconds(err) : err instanceof WatchStatusError ? err.status.details?.retryAfterSeconds : undefined;
      this.consecutiveTooLarge++;
      if (step.do === 'sync' && step.from.kind === 'notOlderThan' && this.consecutiveTooLarge > 3) this.step = { do: 'sync', from: CONSISTENT };
      if (ra !== undefined) {
        await this.wait('backoff', Math.min(ra * 1000, 30_000));
        return;
      }
      await this.waitBackoff();
      return;
    }

    if (httpStatus === 401 || httpStatus === 403 || httpStatus === 404) {
      const reason = httpStatus === 404 ? 'not served by the API server (404)' : httpStatus === 401 ? 'unauthorized (401)' : 'forbidden (403)';
      if (this.failing !== reason) this.log.warn({ httpStatus }, `kind cannot be read: ${reason}; retrying every ${this.opts.slowRetryMs} ms`);
      this.failing = reason;
      this.emitStatus();
      await this.wait('failed', this.opts.slowRetryMs);
      return;
    }

    if (err instanceof WatchDecodeError || err instanceof WatchLineTooLargeError) {
      // A WatchList transfer cannot get past an event it cannot read; a paged LIST (no line limit) can.
      if (step.do === 'sync') this.listNextTransfer = true;
      if (step.do === 'watch' && this.decodeFailureRv !== undefined && this.decodeFailureRv === this.rv) {
        // The same position failed twice: the event cannot be read; a relist goes past it
        // (by LIST: a WatchList would stream the same object as one line again).
        this.decodeFailureRv = undefined;
        this.listNextTransfer = true;
        this.step = { do: 'sync', from: this.rv ? { kind: 'notOlderThan', resourceVersion: this.rv } : CONSISTENT };
      } else if (step.do === 'watch') {
        this.decodeFailureRv = this.rv;
      }
      await this.waitBackoff();
      return;
    }

    if (err instanceof SinkFailedError) {
      this.step = { do: 'sync', from: this.rv ? { kind: 'notOlderThan', resourceVersion: this.rv } : CONSISTENT };
      await this.waitBackoff();
      return;
    }

    if (err instanceof WatchStreamBrokenError && err.healthy) return; // resume at once from the last resourceVersion

    // Refused, reset, deadline, 429, 5xx, inactive or very short watch, incomplete WatchList: back off, same step
    // (at least as long as a Retry-After asks).
    const retryAfter = err instanceof KubeApiError ? retryAfterSeconds(err) : undefined;
    const delay = this.backoff.next();
    await this.wait('backoff', retryAfter !== undefined ? Math.max(delay, Math.min(retryAfter * 1000, 30_000)) : delay);
  }

  private noteError(err: unknown): void {
    const text = describeError(err);
    const changed = text !== this.lastError;
    this.lastError = text;
    const expected = err instanceof WatchStreamBrokenError || (err instanceof WatchStatusError && err.status.code === 410);
    if (changed && !expected) this.log.warn({ err: text, step: this.step.do }, 'list/watch failed');
    else this.log.debug({ err: text, step: this.step.do }, 'list/watch failed');
    this.emitStatus();
  }

  private async waitBackoff(): Promise<void> {
    await this.wait('backoff', this.backoff.next());
  }

  private async wait(phase: ReflectorPhase, ms: number): Promise<void> {
    this.setPhase(phase);
    await sleep(ms, undefined, { signal: this.signal });
  }

  // ------------------------------------------------------------ transfers

  /** One full state transfer into the sink, by WatchList or paged LIST. */
  private async transfer(from: ListFrom): Promise<void> {
    this.setPhase('listing');
    const release = await this.gate.acquire(this.signal);
    try {
      if (this.watchList.enabled && !this.listNextTransfer) {
        await this.watchStream(from, release);
      } else {
        await this.listTransfer(from);
        this.listNextTransfer = false;
        release();
        this.step = { do: 'watch' };
      }
    } finally {
      release();
      if (this.replaceOpen) this.abortReplace();
    }
  }

  private async listTransfer(from: ListFrom): Promise<void> {
    let count = 0;
    this.beginReplace();
    const rv = await listPaged({
      client: this.client,
      path: this.path,
      from,
      pageSize: this.opts.pageSize,
      signal: this.signal,
      timeoutMs: this.opts.listTimeoutMs,
      budget: this.synced ? 'default' : 'initialList',
      onPage: (page) => {
        this.metrics.received(page.items.length);
        this.sinkCall(() => {
          for (const item of page.items) this.sink.replaceItem(this.withTypeMeta(item));
        });
        count += page.items.length;
        this.touch();
      },
      onRestart: () => {
        this.log.info('continue token expired; restarting the list');
        this.expired++;
        this.metrics.expired();
        this.abortReplace();
        this.beginReplace();
        count = 0;
      },
    });
    this.endReplace(rv, count, 'list');
  }

  private beginReplace(): void {
    this.sinkCall(() => this.sink.beginReplace());
    this.replaceOpen = true;
  }

  private abortReplace(): void {
    this.replaceOpen = false;
    try {
      this.sink.abortReplace();
    } catch (err) {
      this.log.error({ err: describeError(err) }, 'sink.abortReplace failed');
    }
  }

  private endReplace(rv: string, count: number, via: 'watchList' | 'list'): void {
    this.sinkCall(() => {
      this.sink.endReplace(rv);
      this.sink.setResourceVersion(rv);
    });
    this.replaceOpen = false;
    this.rv = rv;
    this.objects = count;
    this.via = via;
    this.failing = undefined;
    this.decodeFailureRv = undefined;
    this.consecutiveTooLarge = 0;
    this.watchesSinceTransfer = 0;
    this.touch();
    if (this.transfers++ > 0) {
      this.relists++;
      this.metrics.relisted();
    }
    if (!this.synced) {
      this.synced = true;
      this.initialSyncMs = Date.now() - this.startedAt;
      this.metrics.initialSyncTook(this.initialSyncMs / 1000);
      this.log.debug({ objects: count, ms: this.initialSyncMs, via }, 'initial sync done');
      this.resolveSyncWaiters(true);
    }
    this.emitStatus();
  }

  // --------------------------------------------------------------- watches

  private async watch(): Promise<void> {
    if (this.watchesSinceTransfer++ > 0) {
      this.restarts++;
      this.metrics.watchRestarted();
    }
    await this.watchStream(undefined, undefined);
  }

  /**
   * Runs one watch stream. With `transferFrom` it is a WatchList: ADDED
   * events up to the initial-events-end bookmark are a state transfer
   * (replaceItem), `releaseGate` is called at that bookmark, and the stream
   * then continues as a plain watch. Returns on a normal end (the next step
   * is a watch from the newest resourceVersion); throws otherwise.
   */
  private async watchStream(transferFrom: ListFrom | undefined, releaseGate: (() => void) | undefined): Promise<void> {
    const timeoutSeconds = this.drawTimeoutSeconds();
    const query: Record<string, QueryValue> = { watch: 1, allowWatchBookmarks: true, timeoutSeconds };
    let initial = transferFrom !== undefined;
    if (transferFrom) {
      query.sendInitialEvents = true;
      query.resourceVersionMatch = 'NotOlderThan';
      if (transferFrom.kind === 'notOlderThan') query.resourceVersion = transferFrom.resourceVersion;
    } else {
      query.resourceVersion = this.rv;
    }

    const ctl = new AbortController();
    const onStop = () => ctl.abort(this.signal.reason);
    this.signal.addEventListener('abort', onStop, { once: true });
    let inactive = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        inactive = true;
        ctl.abort(new WatchInactiveError(this.opts.inactivityTimeoutMs));
      }, this.opts.inactivityTimeoutMs);
    };
    const opened = Date.now();
    let events = 0;
    let count = 0;
    const splitter = new LineSplitter(this.opts.maxLineBytes);
    try {
      let res;
      try {
        res = await this.client.stream({ path: this.path, query, signal: ctl.signal, connectTimeoutMs: this.opts.connectTimeoutMs });
      } catch (err) {
        if (initial && err instanceof KubeApiError && (err.httpStatus === 422 || err.httpStatus === 400)) {
          // Remembered at once, before the list gate admits the next transfer of this cluster.
          const reason = `${err.httpStatus} ${err.status.reason ?? ''}`.trim();
          this.watchList.markUnsupported(reason);
          throw new WatchListUnsupportedError(reason);
        }
        throw err;
      }
      if (initial) this.beginReplace();
      this.failing = undefined;
      this.setPhase(initial ? 'listing' : 'watching');
      arm();
      try {
        for await (const chunk of res.body as AsyncIterable<Buffer | string>) {
          arm();
          const lines = splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
          for (const line of lines) {
            const ev = decodeWatchLine(line);
            events++;
            if (ev.type === 'ERROR') throw new WatchStatusError(ev.status, this.clusterId);
            this.metrics.received();
            this.touch();
            if (initial) {
              if (ev.type === 'BOOKMARK') {
                if (ev.object.metadata.annotations?.[INITIAL_EVENTS_END_ANNOTATION] !== 'true') {
                  const reason = 'the server ignored sendInitialEvents (bookmark without initial-events-end)';
                  this.watchList.markUnsupported(reason);
                  throw new WatchListUnsupportedError(reason);
                }
                this.endReplace(ev.resourceVersion, count, 'watchList');
                this.watchesSinceTransfer = 1;
                initial = false;
                this.step = { do: 'watch' };
                releaseGate?.();
                this.setPhase('watching');
              } else if (ev.type === 'DELETED') {
                this.sinkCall(() => this.sink.apply('DELETED', ev.object));
              } else {
                this.sinkCall(() => this.sink.replaceItem(this.withTypeMeta(ev.object)));
                count++;
              }
              continue;
            }
            if (ev.type === 'BOOKMARK') {
              this.sinkCall(() => this.sink.setResourceVersion(ev.resourceVersion));
            } else {
              const type = ev.type;
              this.sinkCall(() => {
                this.sink.apply(type, this.withTypeMeta(ev.object));
                this.sink.setResourceVersion(ev.resourceVersion);
              });
              if (ev.type === 'ADDED') this.objects++;
              else if (ev.type === 'DELETED') this.objects = Math.max(0, this.objects - 1);
            }
            this.rv = ev.resourceVersion;
            this.lastWatchExpiredWithoutEvents = false;
          }
          // A burst on many watches at once must not hold the event loop: deliveries and other I/O go between chunks.
          if (turnBudgetSpent()) await nextTurn();
        }
        // The apiserver ends every event with a newline: an unterminated tail is a truncated event.
        if (splitter.end()) throw new WatchDecodeError('watch stream ended inside an event');
      } catch (err) {
        if (this.signal.aborted) throw err;
        if (inactive) throw new WatchInactiveError(this.opts.inactivityTimeoutMs);
        if (isProcessingError(err)) throw err;
        throw new WatchStreamBrokenError(err, events > 0 || Date.now() - opened >= this.opts.shortWatchMs);
      }
      if (inactive) throw new WatchInactiveError(this.opts.inactivityTimeoutMs);
      if (initial) {
        // A server that serves WatchList sends initial-events-end right after the initial
        // events; one that ended the stream (timeoutSeconds) without it ignored the request.
        const reason = 'the WatchList stream ended without the initial-events-end bookmark';
        this.watchList.markUnsupported(reason);
        throw new WatchListUnsupportedError(reason);
      }
      const took = Date.now() - opened;
      if (events === 0 && took < this.opts.shortWatchMs) throw new ShortWatchError(took);
      // Normal end (timeoutSeconds): the loop re-watches from this.rv.
    } finally {
      clearTimeout(timer);
      this.signal.removeEventListener('abort', onStop);
      ctl.abort();
    }
  }

  private drawTimeoutSeconds(): number {
    const { min, max } = this.opts.watchTimeoutSeconds;
    return max > min ? Math.floor(min + this.random() * (max - min)) : min;
  }

  // --------------------------------------------------------------- helpers

  /** List items carry no apiVersion/kind on the wire; watch objects do. Give every object both. */
  private withTypeMeta(obj: KubeObject): KubeObject {
    if (obj.apiVersion === undefined) obj.apiVersion = apiVersionOf(this.kind);
    if (obj.kind === undefined) obj.kind = this.kind.kind;
    return obj;
  }

  private sinkCall(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      throw new SinkFailedError(err);
    }
  }

  private touch(): void {
    this.lastEventAt = Date.now();
  }

  private setPhase(phase: ReflectorPhase): void {
    if (this.phase === phase || this.phase === 'stopped') return;
    this.phase = phase;
    this.emitStatus();
  }

  private emitStatus(): void {
    if (!this.onStatusChange) return;
    try {
      this.onStatusChange(this.status());
    } catch (err) {
      this.log.error({ err: describeError(err) }, 'onStatusChange listener failed');
    }
  }

  private resolveSyncWaiters(synced: boolean): void {
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    for (const w of waiters) w(synced);
  }
}

/** Errors raised by decoding or applying events (as opposed to the connection failing under them). */
function isProcessingError(err: unknown): boolean {
  return (
    err instanceof WatchStatusError ||
    err instanceof WatchDecodeError ||
    err instanceof WatchLineTooLargeError ||
    err instanceof WatchListUnsupportedError ||
    err instanceof SinkFailedError
  );
}

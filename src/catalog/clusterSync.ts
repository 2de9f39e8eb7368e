import { setTimeout as sleep } from 'node:timers/promises';
import { KubeApiError } from '../clusters/kubeClient.js';
import type { KindInfo } from '../kube/kinds.js';
import { apiVersionOf, BUILTIN_KINDS, kindKey, resolveKindName } from '../kube/kinds.js';
import type { ResourceWriter } from '../store/types.js';
import { describeError } from '../util/errors.js';
import { logger, type Logger } from '../util/logger.js';
import { Backoff } from '../watch/backoff.js';
import { discoverKinds, type DiscoveredKinds } from '../watch/kindDiscovery.js';
import { selectKinds, type SkippedKind } from '../watch/kindSelection.js';
import { createListGate, type ListGate } from '../watch/listGate.js';
import { Reflector, type ReflectorOptions, type ReflectorStatus } from '../watch/reflector.js';
import type { ReflectorSink } from '../watch/sink.js';
import type { SyncReport, SyncTarget } from './syncTarget.js';

/** Reflector settings ClusterSync passes through (timeouts, backoff, page size...). */
export type ReflectorTuning = Omit<ReflectorOptions, 'client' | 'kind' | 'sink' | 'listGate' | 'startDelayMs' | 'onStatusChange' | 'resumeResourceVersion' | 'resumeComplete'>;

/** A collection the store already holds completely (warm-restart snapshot, followed replica copy): where its reflector resumes by WATCH. */
export interface ResumePoint {
  resourceVersion: string;
  /** Objects the store holds for the collection. */
  objects: number;
}

export interface ClusterSyncOptions {
  /** Concurrent state transfers (LIST / WatchList) per cluster (default 3). */
  maxConcurrentLists?: number;
  /** Each reflector's first list starts after a random delay in [0, staggerMs) (default 1000). */
  staggerMs?: number;
  /** Minimum gap between two reports to the handle (default 500 ms). */
  reportThrottleMs?: number;
  /** How often object counts and staleness are re-checked and reported when changed (default 1000 ms). */
  reportIntervalMs?: number;
  /** Progress log line period during the initial sync (default 10 s). */
  progressLogIntervalMs?: number;
  /** A synced kind out of the watching phase this long makes the cluster stale (default 30 s). */
  staleAfterMs?: number;
  /** Deadline of each discovery request (default 30 s). */
  discoveryTimeoutMs?: number;
  /** Re-run discovery this often to pick up new or removed kinds (default 5 min; 0 = never). */
  rediscoverIntervalMs?: number;
  reflector?: ReflectorTuning;
  /**
   * Asked once per reflector start: when it returns a point, the store holds
   * the complete collection at that resourceVersion and the reflector starts
   * synced, with a WATCH from it (no LIST; a 410 relists). Otherwise the
   * reflector's first transfer is a relist from `store.resourceVersionOf`
   * (NotOlderThan) or a consistent LIST.
   */
  resumePoint?: (clusterId: string, kind: KindInfo) => ResumePoint | undefined;
  /**
   * Kinds (as last watched, e.g. from a warm restart's snapshot) that may
   * have a resume point: those the cluster's `kinds` selects without
   * discovery (built-ins) start watching at once, while discovery runs, so
   * a warm restart does not wait for discovery. Discovery then reconciles
   * as usual (a kind no longer selected is dropped; one served under
   * another version is restarted with it).
   */
  resumeKinds?: (clusterId: string) => readonly KindInfo[];
  random?: () => number;
}

export type ClusterSyncPhase = 'discovering' | 'syncing' | 'synced' | 'stopped';

export interface ClusterSyncStatus {
  readonly clusterId: string;
  readonly phase: ClusterSyncPhase;
  readonly report: SyncReport;
  readonly reflectors: readonly ReflectorStatus[];
  /** The last discovery failure, while discovery has not succeeded. */
  readonly discoveryError: string | undefined;
  /** Duration of the initial sync (all kinds), once done. */
  readonly initialSyncMs: number | undefined;
}

interface Watched {
  reflector: Reflector;
  sink: ReflectorSink;
  /** Since when this synced reflector has been out of the watching phase. */
  notWatchingSince: number | undefined;
}

/**
 * Keeps one cluster's resources in the store: discovers its kinds, runs one
 * Reflector per selected kind (writing to `store.sinkFor(clusterId, kind)`),
 * caps concurrent initial lists (default 3) with a staggered start, and
 * reports progress to the cluster's handle on every change (throttled).
 *
 * Discovery that fails for transport reasons is retried with backoff; when
 * discovery is refused (401/403) the built-in set is watched as is. Kinds the
 * server lacks or forbids are reported in `failingKinds`, never fatal.
 * Discovery runs again every `rediscoverIntervalMs`: a kind that appears (a
 * CRD installed) gets a reflector; a kind that is no longer selected has its
 * reflector stopped and its objects dropped from the store (DELETED each).
 * Nothing is reported before the first discovery ends (an empty report would
 * read as "all synced"). `stop()` (or the handle's signal) stops every
 * reflector within a bounded time; the store's objects are left for the
 * caller to remove.
 */
export class ClusterSync {
  readonly clusterId: string;
  private readonly target: SyncTarget;
  private readonly store: Pick<ResourceWriter, 'sinkFor' | 'resourceVersionOf'>;
  private readonly log: Logger;
  private readonly gate: ListGate;
  private readonly random: () => number;
  private readonly opts: Required<Omit<ClusterSyncOptions, 'reflector' | 'random' | 'resumePoint' | 'resumeKinds'>>;
  private readonly resumePoint: ClusterSyncOptions['resumePoint'];
  private readonly resumeKinds: ClusterSyncOptions['resumeKinds'];
  private readonly tuning: ReflectorTuning;
  private readonly controller = new AbortController();
  private readonly watched = new Map<string, Watched>();
  /** Kinds no longer selected whose reflector is stopping and whose objects are being dropped. */
  private readonly dropping = new Map<string, Promise<void>>();
  private skipped: SkippedKind[] = [];
  private phase: ClusterSyncPhase = 'discovering';
  private discoveryError: string | undefined;
  private startedAt = 0;
  private initialSyncMs: number | undefined;
  private loop: Promise<void> | undefined;
  private lastReportJson = '';
  private lastReportAt = 0;
  private reportTimer: NodeJS.Timeout | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private progressTimer: NodeJS.Timeout | undefined;
  private syncWaiters: Array<(ok: boolean) => void> = [];
  private readonly onTargetAbort = () => void this.stop();

  constructor(target: SyncTarget, store: Pick<ResourceWriter, 'sinkFor' | 'resourceVersionOf'>, options: ClusterSyncOptions = {}) {
    this.target = target;
    this.clusterId = target.id;
    this.store = store;
    this.log = logger('clusterSync', { clusterId: target.id });
    this.gate = createListGate(options.maxConcurrentLists ?? 3);
    this.random = options.random ?? Math.random;
    this.tuning = options.reflector ?? {};
    this.resumePoint = options.resumePoint;
    this.resumeKinds = options.resumeKinds;
    this.opts = {
      maxConcurrentLists: options.maxConcurrentLists ?? 3,
      staggerMs: options.staggerMs ?? 1000,
      reportThrottleMs: options.reportThrottleMs ?? 500,
      reportIntervalMs: options.reportIntervalMs ?? 1000,
      progressLogIntervalMs: options.progressLogIntervalMs ?? 10_000,
      staleAfterMs: options.staleAfterMs ?? 30_000,
      discoveryTimeoutMs: options.discoveryTimeoutMs ?? 30_000,
      rediscoverIntervalMs: options.rediscoverIntervalMs ?? 300_000,
    };
  }

  /** Starts discovery and the reflectors (idempotent). */
  start(): void {
    if (this.loop || this.controller.signal.aborted) return;
    if (this.target.signal.aborted) return;
    this.target.signal.addEventListener('abort', this.onTargetAbort, { once: true });
    this.startedAt = Date.now();
    this.tickTimer = setInterval(() => this.tick(), this.opts.reportIntervalMs);
    this.tickTimer.unref();
    this.progressTimer = setInterval(() => this.logProgress(), this.opts.progressLogIntervalMs);
    this.progressTimer.unref();
    this.loop = this.run().catch((err) => {
      if (!this.controller.signal.aborted) this.log.error({ err: describeError(err) }, 'cluster sync failed');
    });
  }

  /** Stops discovery and every reflector; returns within about `timeoutMs` (default 5 s). */
  async stop(timeoutMs = 5000): Promise<void> {
    if (!this.controller.signal.aborted) this.controller.abort();
    this.target.signal.removeEventListener('abort', this.onTargetAbort);
    clearInterval(this.tickTimer);
    clearInterval(this.progressTimer);
    clearTimeout(this.reportTimer);
    const deadline = Date.now() + timeoutMs;
    await Promise.all([...this.watched.values()].map((w) => w.reflector.stop(Math.max(100, deadline - Date.now()))));
    if (this.loop) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.loop, new Promise<void>((r) => (timer = setTimeout(r, Math.max(100, deadline - Date.now()))))]);
      clearTimeout(timer);
    }
    this.phase = 'stopped';
    this.resolveWaiters(false);
  }

  /** Resolves true once every watched kind completed its first state transfer; false if stopped first. */
  whenSynced(): Promise<boolean> {
    if (this.phase === 'synced') return Promise.resolve(true);
    if (this.phase === 'stopped') return Promise.resolve(false);
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  status(): ClusterSyncStatus {
    return {
      clusterId: this.clusterId,
      phase: this.phase,
      report: this.buildReport(),
      reflectors: [...this.watched.values()].map((w) => w.reflector.status()),
      discoveryError: this.discoveryError,
      initialSyncMs: this.initialSyncMs,
    };
  }

  // ------------------------------------------------------------------ run

  private get signal(): AbortSignal {
    return this.controller.signal;
  }

  private async run(): Promise<void> {
    this.resumeEarly();
    const discovered = await this.discoverWithRetry();
    if (this.signal.aborted) return;
    this.apply(discovered);
    if (this.opts.rediscoverIntervalMs <= 0) return;
    while (!this.signal.aborted) {
      await sleep(this.opts.rediscoverIntervalMs, undefined, { signal: this.signal, ref: false }).catch(() => undefined);
      if (this.signal.aborted) return;
      try {
        const again = await discoverKinds(this.target.client, this.discoveryOptions());
        this.apply(again);
      } catch (err) {
        if (!this.signal.aborted) this.log.debug({ err: describeError(err) }, 'rediscovery failed; keeping the current kinds');
      }
    }
  }

  private discoveryOptions() {
    return { signal: this.signal, timeoutMs: this.opts.discoveryTimeoutMs, groups: neededGroups(this.target.spec.kinds) };
  }

  /** Discovery until it succeeds; undefined when the server refuses it (the built-in set is then used). */
  private async discoverWithRetry(): Promise<DiscoveredKinds | undefined> {
    const backoff = new Backoff({ random: this.random, ...this.tuning.backoff });
    for (;;) {
      try {
        const d = await discoverKinds(this.target.client, this.discoveryOptions());
        this.discoveryError = undefined;
        return d;
      } catch (err) {
        if (this.signal.aborted) return undefined;
        const text = describeError(err);
        if (err instanceof KubeApiError && (err.httpStatus === 401 || err.httpStatus === 403)) {
          this.log.warn({ err: text }, 'discovery refused; watching the built-in kinds without discovery');
          this.discoveryError = text;
          return undefined;
        }
        if (text !== this.discoveryError) this.log.warn({ err: text }, 'discovery failed; retrying');
        this.discoveryError = text;
        this.scheduleReport();
        await sleep(backoff.next(), undefined, { signal: this.signal }).catch(() => undefined);
        if (this.signal.aborted) return undefined;
      }
    }
  }

  /**
   * Starts, before discovery, the reflectors of kinds that resume by WATCH
   * (see ClusterSyncOptions.resumeKinds): selected by the cluster's `kinds`
   * without discovery, and with a resume point. The others wait for
   * discovery.
   */
  private resumeEarly(): void {
    if (!this.resumeKinds || !this.resumePoint) return;
    const selected = new Set(selectKinds(this.target.spec.kinds, undefined).kinds.map(kindKey));
    for (const kind of this.resumeKinds(this.clusterId)) {
      const key = kindKey(kind);
      if (!selected.has(key) || this.watched.has(key)) continue;
      const point = this.resumePoint(this.clusterId, kind);
      if (point) this.startReflector(kind, point);
    }
    if (this.watched.size > 0) this.log.info({ kinds: this.watched.size }, 'resuming watches before discovery');
  }

  /** Starts reflectors for newly selected kinds, stops (and empties) those no longer selected. */
  private apply(discovered: DiscoveredKinds | undefined): void {
    const selection = selectKinds(this.target.spec.kinds, discovered);
    this.skipped = selection.skipped;
    if (selection.skipped.length) this.log.info({ skipped: selection.skipped }, 'kinds not watched');
    const selectedKeys = new Set(selection.kinds.map(kindKey));
    for (const [key, w] of [...this.watched]) {
      if (selectedKeys.has(key)) continue;
      this.watched.delete(key);
      this.log.info({ kind: key }, 'kind no longer served; dropping its objects');
      const dropped = w.reflector.stop().then(() => {
        try {
          // An empty replace: the sink emits DELETED for every object it holds of the kind.
          w.sink.beginReplace();
          w.sink.endReplace(w.reflector.status().resourceVersion ?? '');
        } catch (err) {
          this.log.error({ kind: key, err: describeError(err) }, 'could not drop the objects of a removed kind');
        }
      });
      const tracked = dropped.finally(() => {
        if (this.dropping.get(key) === tracked) this.dropping.delete(key);
      });
      this.dropping.set(key, tracked);
    }
    let added = 0;
    for (const kind of selection.kinds) {
      const key = kindKey(kind);
      const running = this.watched.get(key);
      if (running && apiVersionOf(running.reflector.kind) !== apiVersionOf(kind)) {
        // Started before discovery under the version last watched; the server prefers another now.
        this.watched.delete(key);
        this.log.info({ kind: key, from: apiVersionOf(running.reflector.kind), to: apiVersionOf(kind) }, 'kind served under another version: watching that one');
        const stopped = running.reflector.stop();
        void stopped.then(() => this.watched.get(key) === undefined && !this.signal.aborted && this.startReflector(kind));
        continue;
      }
      if (running) continue;
      this.startReflector(kind);
      added++;
    }
    if (this.phase === 'discovering') this.phase = 'syncing';
    if (added > 0 && this.phase === 'synced') this.phase = 'syncing';
    if (added > 0 || this.watched.size === 0) this.log.info({ kinds: this.watched.size, added }, 'watching kinds');
    this.checkSynced();
    this.scheduleReport();
  }

  private startReflector(kind: KindInfo, resumeAt?: ResumePoint): void {
    const key = kindKey(kind);
    const sink = this.store.sinkFor(this.clusterId, kind, { keepSecretValues: this.target.spec.keepSecretValues ?? false });
    const entry: Watched = { reflector: undefined as unknown as Reflector, sink, notWatchingSince: undefined };
    const point = resumeAt ?? this.resumePoint?.(this.clusterId, kind);
    entry.reflector = new Reflector({
      ...this.tuning,
      client: this.target.client,
      kind,
      sink,
      listGate: this.gate,
      // The stagger spreads initial lists; a reflector resuming by WATCH lists nothing.
      startDelayMs: point ? 0 : Math.floor(this.random() * this.opts.staggerMs),
      resumeResourceVersion: point?.resourceVersion ?? this.store.resourceVersionOf(this.clusterId, key),
      ...(point ? { resumeComplete: { objects: point.objects } } : {}),
      onStatusChange: (s) => this.onReflectorStatus(entry, s),
    });
    this.watched.set(key, entry);
    // A kind that comes back while its old objects are being dropped starts after the drop.
    const dropping = this.dropping.get(key);
    if (dropping) void dropping.then(() => this.watched.get(key) === entry && !this.signal.aborted && entry.reflector.start());
    else entry.reflector.start();
  }

  private onReflectorStatus(entry: Watched, s: ReflectorStatus): void {
    if (s.phase === 'watching' || !s.synced) entry.notWatchingSince = undefined;
    else entry.notWatchingSince ??= Date.now();
    if (s.synced) this.checkSynced();
    this.scheduleReport();
  }

  private checkSynced(): void {
    if (this.phase !== 'syncing') return;
    const all = [...this.watched.values()];
    if (!all.every((w) => w.reflector.status().synced)) return;
    this.phase = 'synced';
    if (this.initialSyncMs === undefined) {
      this.initialSyncMs = Date.now() - this.startedAt;
      const objects = this.objectCount();
      this.log.info(
        { kinds: all.length, objects, durationMs: this.initialSyncMs, objectsPerSecond: Math.round(objects / Math.max(0.001, this.initialSyncMs / 1000)) },
        'initial sync done',
      );
      clearInterval(this.progressTimer);
    }
    this.resolveWaiters(true);
  }

  private logProgress(): void {
    if (this.phase !== 'syncing' && this.phase !== 'discovering') return;
    const r = this.buildReport();
    this.log.info({ kindsSynced: r.kindsSynced, kindsTotal: r.kindsTotal, objects: r.objects, elapsedMs: Date.now() - this.startedAt, discoveryError: this.discoveryError }, 'sync progress');
  }

  // ------------------------------------------------------------- reporting

  private objectCount(): number {
    let n = 0;
    for (const w of this.watched.values()) n += w.reflector.status().objects;
    return n;
  }

  private buildReport(): SyncReport {
    const now = Date.now();
    const statuses = [...this.watched.values()].map((w) => ({ s: w.reflector.status(), since: w.notWatchingSince }));
    const failingKinds = [
      ...this.skipped.map((k) => ({ kind: k.kind, reason: k.reason })),
      ...statuses.filter(({ s }) => s.failing !== undefined).map(({ s }) => ({ kind: kindKey(s.kind), reason: s.failing as string })),
    ];
    return {
      // Skipped kinds count in the total and as failing, so that the registry's
      // "kindsSynced + failing < total → SYNCING" rule sees them as settled.
      kindsTotal: statuses.length + this.skipped.length,
      kindsSynced: statuses.filter(({ s }) => s.synced).length,
      objects: statuses.reduce((n, { s }) => n + s.objects, 0),
      failingKinds,
      stale: statuses.some(({ since }) => since !== undefined && now - since >= this.opts.staleAfterMs),
    };
  }

  /** Reports now if the last report is old enough, else once the throttle window ends. */
  private scheduleReport(): void {
    if (this.reportTimer || this.signal.aborted) return;
    const wait = this.lastReportAt + this.opts.reportThrottleMs - Date.now();
    if (wait <= 0) {
      this.report();
      return;
    }
    this.reportTimer = setTimeout(() => {
      this.reportTimer = undefined;
      this.report();
    }, wait);
    this.reportTimer.unref();
  }

  private tick(): void {
    this.report();
  }

  private report(): void {
    // Nothing is reported before the kinds are known: an empty report would read as "all synced".
    if (this.signal.aborted || this.phase === 'discovering') return;
    const report = this.buildReport();
    const json = JSON.stringify(report);
    if (json === this.lastReportJson) return;
    this.lastReportJson = json;
    this.lastReportAt = Date.now();
    try {
      this.target.reportSync(report);
    } catch (err) {
      this.log.error({ err: describeError(err) }, 'reportSync failed');
    }
  }

  private resolveWaiters(ok: boolean): void {
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    for (const w of waiters) w(ok);
  }
}

/**
 * The named groups discovery must read for a `kinds` setting: the built-in
 * groups, plus every group when "*" or a name that is not a built-in appears.
 */
export function neededGroups(kinds: readonly string[] | undefined): ReadonlySet<string> | 'all' {
  const groups = new Set(BUILTIN_KINDS.map((k) => k.group));
  for (const raw of kinds ?? []) {
    const entry = raw.startsWith('!') ? raw.slice(1) : raw;
    if (raw.startsWith('!')) continue;
    if (entry === '*' || resolveKindName(entry, BUILTIN_KINDS).length === 0) return 'all';
  }
  return groups;
}

import type { ClusterEvent, ClusterHandle, SyncReport } from '../clusters/types.js';
import type { ResourceWriter } from '../store/types.js';
import { describeError } from '../util/errors.js';
import { logger } from '../util/logger.js';
import { ClusterSync, type ClusterSyncOptions } from './clusterSync.js';
import type { SyncTarget } from './syncTarget.js';

/** The registry members the catalog uses (ClusterRegistry satisfies it). */
export interface CatalogRegistry {
  onEvent(listener: (e: ClusterEvent) => void): () => void;
  get(clusterId: string): ClusterHandle | undefined;
  list(): ClusterHandle[];
}

export interface CatalogOptions {
  sync?: ClusterSyncOptions;
  /** Bound on stopping one cluster's sync (default 5 s). */
  stopTimeoutMs?: number;
  /**
   * Replicas sharing one Redis (src/cache): when true, a registered
   * cluster's sync does not start by itself; the replica coordinator calls
   * `resume(id)` while this process should watch the cluster and `pause(id)`
   * while another replica does. Default false: every registered cluster is
   * synced from the moment it is registered.
   */
  manualStart?: boolean;
  /** Called with every SyncReport a cluster's sync makes, right after its handle got it (e.g. to publish it to other replicas). */
  onSyncReport?: (clusterId: string, report: SyncReport) => void;
}

export interface Catalog {
  /** The running sync of a cluster (undefined while paused). */
  sync(clusterId: string): ClusterSync | undefined;
  /** Ids of the clusters being synced. */
  clusterIds(): string[];
  /**
   * Starts the sync of a registered cluster that is not being synced (after
   * `pause`, or with `manualStart`). Its reflectors start from what the
   * store holds (see ClusterSyncOptions.resumePoint). False when the cluster
   * is not registered or the catalog is closing; true when it runs.
   */
  resume(clusterId: string): boolean;
  /**
   * Stops a cluster's sync within about `timeoutMs` and keeps its objects in
   * the store (the cluster stays registered). No-op when it is not running.
   */
  pause(clusterId: string, timeoutMs?: number): Promise<void>;
  /**
   * Stops every cluster's sync within about `timeoutMs` (default 5 s). The
   * store keeps its objects (a shutdown is not a removal). Close the catalog
   * before the registry: a registry that closes first aborts every handle's
   * signal, which the catalog treats as removals.
   */
  close(timeoutMs?: number): Promise<void>;
}

interface Entry {
  handle: ClusterHandle;
  /** Undefined while paused. */
  sync: ClusterSync | undefined;
  onAbort: () => void;
}

/**
 * Wires the registry to the store, the only place reflectors are created:
 * every registered cluster (present at start or ADDED later) gets a
 * ClusterSync writing to `store` (unless `manualStart`); on REMOVED, or when
 * the handle's signal aborts, the sync is stopped and
 * `store.removeCluster(id)` drops the cluster's objects (emitting DELETED for
 * each). A cluster re-added with the same id starts only after the old one's
 * objects are gone.
 */
export function startCatalog(options: { registry: CatalogRegistry; store: ResourceWriter; options?: CatalogOptions }): Catalog {
  const { registry, store } = options;
  const syncOptions = options.options?.sync ?? {};
  const stopTimeoutMs = options.options?.stopTimeoutMs ?? 5000;
  const manualStart = options.options?.manualStart === true;
  const onSyncReport = options.options?.onSyncReport;
  const log = logger('catalog');
  const entries = new Map<string, Entry>();
  /** Teardown in progress per cluster id; a re-add waits for it. */
  const teardowns = new Map<string, Promise<void>>();
  /** Pause in progress per cluster id; a resume waits for it. */
  const pauses = new Map<string, Promise<void>>();
  let closing = false;

  const teardown = (clusterId: string, handle?: ClusterHandle): Promise<void> => {
    const entry = entries.get(clusterId);
    if (!entry || (handle && entry.handle !== handle)) return teardowns.get(clusterId) ?? Promise.resolve();
    entries.delete(clusterId);
    entry.handle.signal.removeEventListener('abort', entry.onAbort);
    const sync = entry.sync;
    entry.sync = undefined;
    const done = (async () => {
      await pauses.get(clusterId);
      await sync?.stop(stopTimeoutMs);
      if (closing) return;
      try {
        store.removeCluster(clusterId);
        log.info({ clusterId }, 'cluster removed from the catalog');
      } catch (err) {
        log.error({ clusterId, err: describeError(err) }, 'could not remove the cluster from the store');
      }
    })().finally(() => {
      if (teardowns.get(clusterId) === done) teardowns.delete(clusterId);
    });
    teardowns.set(clusterId, done);
    return done;
  };

  const targetOf = (handle: ClusterHandle): SyncTarget => {
    if (!onSyncReport) return handle;
    return {
      id: handle.id,
      spec: handle.spec,
      client: handle.client,
      signal: handle.signal,
      reportSync: (report) => {
        handle.reportSync(report);
        try {
          onSyncReport(handle.id, report);
        } catch (err) {
          log.error({ clusterId: handle.id, err: describeError(err) }, 'onSyncReport failed');
        }
      },
    };
  };

  /** Creates and starts (once earlier teardowns and pauses are done) the sync of an entry. */
  const run = (entry: Entry): void => {
    const sync = new ClusterSync(targetOf(entry.handle), store, syncOptions);
    entry.sync = sync;
    const id = entry.handle.id;
    const pending = [teardowns.get(id), pauses.get(id)].filter((p): p is Promise<void> => p !== undefined);
    if (pending.length) {
      void Promise.all(pending).then(() => {
        if (entries.get(id)?.sync === sync) sync.start();
      });
    } else {
      sync.start();
    }
  };

  const begin = (handle: ClusterHandle): void => {
    if (closing || entries.has(handle.id) || handle.signal.aborted) return;
    const onAbort = () => void teardown(handle.id, handle);
    const entry: Entry = { handle, sync: undefined, onAbort };
    entries.set(handle.id, entry);
    handle.signal.addEventListener('abort', onAbort, { once: true });
    if (!manualStart) run(entry);
  };

  const unsubscribe = registry.onEvent((e) => {
    if (e.type === 'ADDED') {
      const handle = registry.get(e.clusterId);
      if (handle) begin(handle);
    } else if (e.type === 'REMOVED') {
      void teardown(e.clusterId);
    }
  });
  for (const handle of registry.list()) begin(handle);

  return {
    sync: (clusterId) => entries.get(clusterId)?.sync,
    clusterIds: () => [...entries.values()].filter((e) => e.sync !== undefined).map((e) => e.handle.id).sort(),
    resume(clusterId: string): boolean {
      const entry = entries.get(clusterId);
      if (closing || !entry || entry.handle.signal.aborted) return false;
      if (!entry.sync) run(entry);
      return true;
    },
    async pause(clusterId: string, timeoutMs = stopTimeoutMs): Promise<void> {
      const entry = entries.get(clusterId);
      const sync = entry?.sync;
      if (!entry || !sync) return pauses.get(clusterId);
      entry.sync = undefined;
      const done = sync.stop(timeoutMs).finally(() => {
        if (pauses.get(clusterId) === done) pauses.delete(clusterId);
      });
      pauses.set(clusterId, done);
      return done;
    },
    async close(timeoutMs = stopTimeoutMs): Promise<void> {
      if (closing) return;
      closing = true;
      unsubscribe();
      const all = [...entries.values()];
      entries.clear();
      for (const e of all) e.handle.signal.removeEventListener('abort', e.onAbort);
      await Promise.all([...all.map((e) => e.sync?.stop(timeoutMs)), ...pauses.values()]);
    },
  };
}

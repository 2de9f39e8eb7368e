import type { ClusterEvent, ClusterHandle } from '../clusters/types.js';
import type { ResourceWriter } from '../store/types.js';
import { describeError } from '../util/errors.js';
import { logger } from '../util/logger.js';
import { ClusterSync, type ClusterSyncOptions } from './clusterSync.js';

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
}

export interface Catalog {
  /** The running sync of a cluster. */
  sync(clusterId: string): ClusterSync | undefined;
  /** Ids of the clusters being synced. */
  clusterIds(): string[];
  /**
   * Stops every cluster's sync within about `timeoutMs` (default 5 s). The
   * store keeps its objects (a shutdown is not a removal). Close the catalog
   * before the registry: a registry that closes first aborts every handle's
   * signal, which the catalog treats as removals.
   */
  close(timeoutMs?: number): Promise<void>;
}

/**
 * Wires the registry to the store, the only place reflectors are created:
 * every registered cluster (present at start or ADDED later) gets a
 * ClusterSync writing to `store`; on REMOVED, or when the handle's signal
 * aborts, the sync is stopped and `store.removeCluster(id)` drops the
 * cluster's objects (emitting DELETED for each). A cluster re-added with the
 * same id starts only after the old one's objects are gone.
 */
export function startCatalog(options: { registry: CatalogRegistry; store: ResourceWriter; options?: CatalogOptions }): Catalog {
  const { registry, store } = options;
  const syncOptions = options.options?.sync ?? {};
  const stopTimeoutMs = options.options?.stopTimeoutMs ?? 5000;
  const log = logger('catalog');
  const syncs = new Map<string, { handle: ClusterHandle; sync: ClusterSync; onAbort: () => void }>();
  /** Teardown in progress per cluster id; a re-add waits for it. */
  const teardowns = new Map<string, Promise<void>>();
  let closing = false;

  const teardown = (clusterId: string, handle?: ClusterHandle): Promise<void> => {
    const entry = syncs.get(clusterId);
    if (!entry || (handle && entry.handle !== handle)) return teardowns.get(clusterId) ?? Promise.resolve();
    syncs.delete(clusterId);
    entry.handle.signal.removeEventListener('abort', entry.onAbort);
    const done = (async () => {
      await entry.sync.stop(stopTimeoutMs);
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

  const begin = (handle: ClusterHandle): void => {
    if (closing || syncs.has(handle.id) || handle.signal.aborted) return;
    const sync = new ClusterSync(handle, store, syncOptions);
    const onAbort = () => void teardown(handle.id, handle);
    syncs.set(handle.id, { handle, sync, onAbort });
    handle.signal.addEventListener('abort', onAbort, { once: true });
    const pending = teardowns.get(handle.id);
    if (pending) {
      void pending.then(() => {
        if (syncs.get(handle.id)?.sync === sync) sync.start();
      });
    } else {
      sync.start();
    }
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
    sync: (clusterId) => syncs.get(clusterId)?.sync,
    clusterIds: () => [...syncs.keys()].sort(),
    async close(timeoutMs = stopTimeoutMs): Promise<void> {
      if (closing) return;
      closing = true;
      unsubscribe();
      const all = [...syncs.values()];
      syncs.clear();
      for (const e of all) e.handle.signal.removeEventListener('abort', e.onAbort);
      await Promise.all(all.map((e) => e.sync.stop(timeoutMs)));
    },
  };
}

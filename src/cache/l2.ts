import { hostname } from 'node:os';
import type { Config } from '../config/configSchema.js';
import type { ClusterPersistence } from '../clusters/persistence.js';
import type { Catalog } from '../catalog/catalog.js';
import type { Logger } from '../util/logger.js';
import { RedisKeys } from './keys.js';
import { RedisLink } from './redisLink.js';
import { ReplicaCoordinator, type CoordinatorRegistry } from './replicaCoordinator.js';
import { SharedClusterList, type SharedListRegistry } from './sharedClusterList.js';
import type { LoaderStore } from './snapshotLoader.js';
import type { WriterStore } from './snapshotWriter.js';
import type { RelationFacts } from '../relations/facts.js';
import type { ResourceRecord } from '../store/types.js';

/** The Redis L2 of one process: connections, the shared cluster list and the replica coordinator. */
export interface L2 {
  readonly replicaId: string;
  readonly link: RedisLink;
  readonly keys: RedisKeys;
  /** The registry's persistence: runtime clusters shared through Redis (local state file as a copy). */
  readonly clusterList: SharedClusterList;
  readonly coordinator: ReplicaCoordinator;
  /** Connects and takes the clusters registered from now on; call before the registry starts. Never throws for an unreachable Redis. */
  start(): Promise<void>;
  /** Keeps the registry in step with the shared cluster list; call once the registry started. */
  attach(registry: SharedListRegistry): void;
  /** Stops following, writes what is pending, releases the leases, closes the connections (bounded). */
  close(): Promise<void>;
}

export interface CreateL2Options {
  config: Config & { redisUrl: string };
  store: WriterStore & LoaderStore;
  /** The relation facts of a current record, stored with it in the snapshot (RelationGraph.factsOf). */
  relationFacts?: (record: ResourceRecord) => RelationFacts | undefined;
  registry: () => CoordinatorRegistry;
  catalog: () => Catalog;
  /** The local state file persistence (read while Redis is down, written as a copy). */
  local: ClusterPersistence;
  secretKey: string | undefined;
  log: Logger;
}

/** Default replica id: "<hostname>-<pid>" (stable across restarts in a container, unique per process on a host). */
export function defaultReplicaId(): string {
  return `${hostname().replace(/[^A-Za-z0-9._:-]/g, '-').slice(0, 100) || 'kubeatlas'}-${process.pid}`;
}

/** Builds the L2 from the config (`redisUrl` and `redis.*`); nothing connects before `start()`. */
export function createL2(options: CreateL2Options): L2 {
  const { config, log } = options;
  const r = config.redis;
  const replicaId = r.replicaId ?? defaultReplicaId();
  const keys = new RedisKeys(r.keyPrefix);
  const link = new RedisLink({
    url: config.redisUrl,
    connectTimeoutMs: r.connectTimeoutMs,
    commandTimeoutMs: r.commandTimeoutMs,
    maxBlockMs: 1000,
    log,
    name: `kubeatlas:${replicaId}`,
  });
  const clusterList = new SharedClusterList({ link, keys, local: options.local, secretKey: options.secretKey, log });
  let registryRef: CoordinatorRegistry | undefined;
  const registry: CoordinatorRegistry = {
    onEvent: (l) => (registryRef ??= options.registry()).onEvent(l),
    list: () => (registryRef ??= options.registry()).list(),
    get: (id) => (registryRef ??= options.registry()).get(id),
  };
  const coordinator = new ReplicaCoordinator({
    link,
    keys,
    replicaId,
    registry,
    catalog: options.catalog,
    store: options.store,
    relationFacts: options.relationFacts,
    leaseTtlMs: r.leaseTtlMs,
    flushIntervalMs: r.flushIntervalMs,
    flushMaxChanges: r.flushMaxChanges,
    maxPendingChanges: r.maxPendingChanges,
    streamMaxLength: r.streamMaxLength,
    pageSize: Math.min(500, config.limits.maxPageSize),
    connectTimeoutMs: r.connectTimeoutMs,
    log,
  });
  let closing: Promise<void> | undefined;
  return {
    replicaId,
    link,
    keys,
    clusterList,
    coordinator,
    start: () => coordinator.start(),
    attach: (reg) => clusterList.attach(reg),
    close: () =>
      (closing ??= (async () => {
        clusterList.detach();
        await coordinator.close();
        await link.close();
      })()),
  };
}

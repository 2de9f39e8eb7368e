import type { Config } from './config/configSchema.js';
import { ClusterRegistry } from './clusters/registry.js';
import type { ClusterEvent, ClusterHandle, ClusterInfo } from './clusters/types.js';
import { StateFilePersistence } from './clusters/stateFilePersistence.js';
import type { ClusterPersistence } from './clusters/persistence.js';
import { startCatalog, type Catalog, type CatalogOptions } from './catalog/catalog.js';
import { ResourceStore, type ResourceStoreOptions } from './store/resourceStore.js';
import { compileFilter } from './store/filter.js';
import { RelationGraph } from './relations/relationGraph.js';
import { EventBus, ClusterEventBus } from './events/index.js';
import { resolveKindName, BUILTIN_KINDS, type KindInfo } from './kube/kinds.js';
import { KubeatlasError } from './util/errors.js';
import { logger } from './util/logger.js';
import { metricsRegistry } from './util/metrics.js';
import { startServer, type RunningServer } from './graphql/server.js';
import { PageCache, readerWithPageCache } from './cache/pageCache.js';
import { registerL1Source } from './cache/l1Metrics.js';
import { createL2, type L2 } from './cache/l2.js';
import type { Logger } from './util/logger.js';
import type { ClusterEventView, ClusterView, GraphqlServices, ResourceEventView } from './graphql/services.js';

/**
 * All wiring of one kubeatlas process, in one place: config -> registry ->
 * catalog (reflectors) -> store -> relations / events -> GraphQL server.
 * Nothing else constructs these singletons.
 */

export interface AppOptions {
  config: Config;
  /** Override persistence (tests); default: the state file of the config. */
  persistence?: ClusterPersistence;
  /** Tuning for reflectors and sync (tests shorten timers). */
  catalog?: CatalogOptions;
  store?: ResourceStoreOptions;
  /** Start the HTTP server (default true). */
  serve?: boolean;
  /** Logger of the cache layer (tests read its lines); default logger('cache'). */
  cacheLogger?: Logger;
}

export interface App {
  readonly config: Config;
  readonly registry: ClusterRegistry;
  readonly store: ResourceStore;
  readonly relations: RelationGraph;
  readonly events: EventBus;
  readonly catalog: Catalog;
  /** L1 of query pages (what GraphQL's resources connections read through). */
  readonly pages: PageCache;
  /** The Redis L2 (snapshots, leases, replica fan-out), when `redisUrl` is set. */
  readonly l2: L2 | undefined;
  /** Present when `serve` was not false. */
  readonly server: RunningServer | undefined;
  /** Stops the server, reflectors, probes and buses, within a bounded time. */
  close(): Promise<void>;
}

export async function startApp(opts: AppOptions): Promise<App> {
  const { config } = opts;
  const log = logger('app');
  const store = new ResourceStore({ maxPageSize: config.limits.maxPageSize, objectCacheBytes: config.cache.l1MaxBytes, ...(opts.store ?? {}) });
  const relations = new RelationGraph(store);
  const events = new EventBus(store, {
    historySize: config.events.historySize,
    historyMaxAgeMs: config.events.historyMaxAgeSeconds * 1000,
    queueSize: config.limits.subscriberQueueSize,
    maxSubscriptions: config.limits.maxSubscriptionsTotal,
  });
  const pages = new PageCache(store, { maxBytes: config.cache.pagesMaxBytes });
  registerL1Source('objects', store, 'objectCacheStats');
  registerL1Source('pages', pages, 'stats');
  const secretKey = process.env.KUBEATLAS_SECRET_KEY || undefined;
  const stateFile = new StateFilePersistence({ path: config.stateFile, secretKey });
  // With Redis: runtime clusters are shared by the replicas, and the replica coordinator decides
  // which clusters this process watches (catalog.resume/pause); see src/cache/replicaCoordinator.ts.
  const redisUrl = config.redisUrl;
  let catalogRef: Catalog | undefined;
  const l2: L2 | undefined = redisUrl
    ? createL2({
        config: { ...config, redisUrl },
        store,
        relationFacts: (record) => relations.factsOf(record),
        registry: (): ClusterRegistry => registry,
        catalog: () => catalogRef!,
        local: opts.persistence ?? stateFile,
        secretKey,
        log: opts.cacheLogger ?? logger('cache'),
      })
    : undefined;
  const persistence: ClusterPersistence = l2 ? l2.clusterList : (opts.persistence ?? stateFile);
  const registry: ClusterRegistry = new ClusterRegistry({ config, persistence });
  const clusterEvents = new ClusterEventBus<ClusterEvent>(registry, { maxSubscriptions: config.limits.maxSubscriptionsTotal });
  const catalogOptions: CatalogOptions = l2
    ? {
        ...opts.catalog,
        manualStart: true,
        sync: { ...opts.catalog?.sync, resumePoint: l2.coordinator.resumePoint, resumeKinds: l2.coordinator.resumeKinds },
        onSyncReport: l2.coordinator.onSyncReport,
      }
    : (opts.catalog ?? {});
  const catalog = startCatalog({ registry, store, options: catalogOptions });
  catalogRef = catalog;
  try {
    await l2?.start();
    await registry.start();
  } catch (e) {
    await catalog.close(1_000).catch(() => undefined);
    await registry.close().catch(() => undefined);
    await l2?.close().catch(() => undefined);
    relations.close();
    events.close();
    throw e;
  }
  l2?.attach(registry);

  const services = graphqlServices({ config, registry, store, pages, relations, events, clusterEvents });
  let server: RunningServer | undefined;
  if (opts.serve !== false) {
    try {
      server = await startServer({
        host: config.host,
        port: config.port,
        services,
        readiness: () => registry.readiness(),
        metrics: async () => ({ contentType: metricsRegistry.contentType, body: await metricsRegistry.metrics() }),
      });
    } catch (e) {
      await shutdown();
      throw e;
    }
  }

  let closing: Promise<void> | undefined;
  async function shutdown(): Promise<void> {
    await server?.close().catch((e: unknown) => log.warn({ err: e }, 'server close failed'));
    clusterEvents.close();
    events.close();
    await catalog.close(3_000).catch((e: unknown) => log.warn({ err: e }, 'catalog close failed'));
    // After the reflectors stopped: the last batch is written, then the leases are released.
    await l2?.close().catch((e: unknown) => log.warn({ err: e }, 'redis cache close failed'));
    await registry.close().catch((e: unknown) => log.warn({ err: e }, 'registry close failed'));
    relations.close();
  }

  return {
    config,
    registry,
    store,
    relations,
    events,
    catalog,
    pages,
    l2,
    server,
    close: () => (closing ??= shutdown()),
  };
}

/** Adapts the modules to the shapes the GraphQL layer serves. */
function graphqlServices(deps: {
  config: Config;
  registry: ClusterRegistry;
  store: ResourceStore;
  pages: PageCache;
  relations: RelationGraph;
  events: EventBus;
  clusterEvents: ClusterEventBus<ClusterEvent>;
}): GraphqlServices {
  const { config, registry, store, pages, relations, events, clusterEvents } = deps;
  const view = (h: ClusterHandle): ClusterView => toClusterView(h.info());
  const knownKinds = (): KindInfo[] => {
    const known = store.knownKinds();
    return known.length ? mergeKinds(known, BUILTIN_KINDS) : [...BUILTIN_KINDS];
  };
  return {
    clusters: {
      list: () => registry.list().map(view),
      get: (id) => {
        const h = registry.get(id);
        return h ? view(h) : undefined;
      },
      add: async (input, { waitForReady }) => view(await registry.add(input, { waitForReady })),
      remove: (id) => registry.remove(id),
    },
    store: readerWithPageCache(store, pages),
    compileFilter: (input) => compileFilter(input, knownKinds()),
    resolveKind: (clusterId, name) => {
      const kinds = resolveKindName(name, clusterId ? mergeKinds(store.knownKinds(clusterId), BUILTIN_KINDS) : knownKinds());
      if (kinds.length === 0) throw new KubeatlasError('BAD_USER_INPUT', `unknown kind "${name}"`, { field: 'kind' });
      return kinds;
    },
    relations: {
      relations: (record, o) => relations.relations(record, o),
      related: (record, o) => relations.related(record, { ...o, maxNodes: config.limits.maxRelatedNodes }),
    },
    events: {
      resourceEvents: (filter, o) => mapStream(events.subscribe(filter, { since: o.since, signal: o.signal }), (e): ResourceEventView => e),
      clusterEvents: (o) =>
        mapStream(
          clusterEvents.subscribe({ signal: o.signal }),
          (e): ClusterEventView => ({ type: e.type, clusterId: e.clusterId, cluster: e.cluster ? toClusterView(e.cluster) : undefined, at: e.at }),
        ),
    },
    limits: {
      maxPageSize: config.limits.maxPageSize,
      defaultPageSize: Math.min(100, config.limits.maxPageSize),
      maxQueryDepth: config.limits.maxQueryDepth,
      maxQueryComplexity: config.limits.maxQueryComplexity,
      maxQueryTokens: 10_000,
      maxQueryBytes: 100_000,
      maxSubscriptionsPerConnection: config.limits.maxSubscriptionsPerConnection,
      slowSubscriberTimeoutMs: config.limits.slowSubscriberTimeoutSeconds * 1000,
    },
    mutationsEnabled: config.enableMutations,
    countOf: (clusterId, kind) => store.kinds(clusterId).find((k) => k.kind.group === '' && k.kind.kind === kind)?.count ?? 0,
  };
}

function toClusterView(i: ClusterInfo): ClusterView {
  return {
    clusterId: i.clusterId,
    name: i.name,
    environment: i.environment,
    region: i.region,
    labels: i.labels,
    authMethod: i.authMethod,
    server: i.server,
    status: i.status,
    version: i.version,
    lastError: i.lastError,
    sync: i.sync,
    source: i.source,
    statusChangedAt: i.statusChangedAt,
  };
}

function mergeKinds(a: readonly KindInfo[], b: readonly KindInfo[]): KindInfo[] {
  const seen = new Set<string>();
  const out: KindInfo[] = [];
  for (const k of [...a, ...b]) {
    const key = `${k.group}/${k.version}/${k.kind}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(k);
    }
  }
  return out;
}

/** Maps each item of a stream, keeping `return()` so the source is released when the client leaves. */
function mapStream<A, B>(src: AsyncIterableIterator<A>, fn: (a: A) => B): AsyncIterableIterator<B> {
  const it: AsyncIterableIterator<B> = {
    next: async () => {
      const r = await src.next();
      return r.done ? { done: true, value: undefined } : { done: false, value: fn(r.value) };
    },
    return: async () => {
      await src.return?.();
      return { done: true, value: undefined };
    },
    throw: async (e?: unknown) => {
      await src.return?.();
      throw e;
    },
    [Symbol.asyncIterator]: () => it,
  };
  return it;
}

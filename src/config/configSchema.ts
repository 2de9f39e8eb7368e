import { z } from 'zod';
import { ClusterSpecSchema } from './clusterSpecSchema.js';

/**
 * The configuration file's schema (and, after merging env and flags, the
 * whole configuration). Every object is strict: an unknown key is an error.
 * Defaults here are the documented ones (config/kubeatlas.example.yaml).
 */

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const DEFAULT_SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

const redisUrl = z
  .string()
  .min(1)
  .refine((s) => {
    try {
      const u = new URL(s);
      return u.protocol === 'redis:' || u.protocol === 'rediss:';
    } catch {
      return false;
    }
  }, 'expected a redis:// or rediss:// URL');

export const DemoSchema = z.strictObject({
  /** auto = run simulated clusters when no cluster is configured and none was persisted. */
  enabled: z.union([z.literal('auto'), z.boolean()], { error: 'expected auto, true or false' }).default('auto'),
  clusters: z.int().min(1).max(50).default(3),
  objectsPerCluster: z.int().min(0).max(200_000).default(2000),
  churnPerSecond: z.number().min(0).max(10_000).default(5),
});

export const LimitsSchema = z.strictObject({
  maxPageSize: z.int().min(1).max(10_000).default(500),
  maxQueryDepth: z.int().min(1).max(100).default(12),
  maxQueryComplexity: z.int().min(1).max(10_000_000).default(20_000),
  maxRelatedNodes: z.int().min(1).max(1_000_000).default(1_000),
  maxSubscriptionsPerConnection: z.int().min(1).max(10_000).default(25),
  maxSubscriptionsTotal: z.int().min(1).max(1_000_000).default(2_000),
  subscriberQueueSize: z.int().min(1).max(1_000_000).default(1_000),
  /** An SSE client that reads nothing for this long while events wait for it is disconnected. */
  slowSubscriberTimeoutSeconds: z.number().min(0.1).max(3600).default(30),
});

export const EventsSchema = z.strictObject({
  historySize: z.int().min(0).max(10_000_000).default(10_000),
  historyMaxAgeSeconds: z.int().min(0).max(7 * 24 * 3600).default(900),
});

export const CacheSchema = z.strictObject({
  /** Parsed objects served as Resource.object (the store's LRU), estimated heap bytes. */
  l1MaxBytes: z.int().min(0).max(64 * 1024 ** 3).default(64 * 1024 * 1024),
  /** Query pages (resources connections) kept while their collections are unchanged, estimated bytes; 0 disables. */
  pagesMaxBytes: z.int().min(0).max(64 * 1024 ** 3).default(16 * 1024 * 1024),
});

/** Replica id: what a lease holder is called in Redis (and in logs). */
const REPLICA_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** L2 (Redis, when `redisUrl` is set): warm-restart snapshots, owner leases, replica fan-out. */
export const RedisSchema = z.strictObject({
  /** Prefix of every key and channel kubeatlas uses; replicas sharing data use the same one. */
  keyPrefix: z.string().regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'expected 1-64 characters of letters, digits, ":", "_", "." or "-"').default('kubeatlas:'),
  /** This process's name among the replicas; default "<hostname>-<pid>". Must be unique per running process. */
  replicaId: z.string().regex(REPLICA_ID, 'expected 1-128 characters of letters, digits, ".", "_", ":" or "-"').optional(),
  /** A cluster's owner lease lasts this long without renewal (renewed every third of it); another replica takes over within it. */
  leaseTtlMs: z.int().min(500).max(600_000).default(15_000),
  /** Snapshot and change-stream writes are batched this long. */
  flushIntervalMs: z.int().min(10).max(60_000).default(250),
  /** A batch is written early once it holds this many changes. */
  flushMaxChanges: z.int().min(1).max(100_000).default(1000),
  /** Changes of one cluster held while Redis is slow or down; beyond, the batch is dropped and its collections rewritten in full later. */
  maxPendingChanges: z.int().min(100).max(10_000_000).default(50_000),
  /** Batches kept per cluster in its change stream (approximate, XADD MAXLEN ~); a replica further behind reloads the snapshot. */
  streamMaxLength: z.int().min(10).max(1_000_000).default(128),
  /** Deadline of the connection to Redis. */
  connectTimeoutMs: z.int().min(100).max(60_000).default(2000),
  /** Deadline of each Redis command. */
  commandTimeoutMs: z.int().min(100).max(600_000).default(10_000),
});

export const InClusterSchema = z.strictObject({
  /** Directory holding the pod's service account files: token, ca.crt, namespace. */
  serviceAccountDir: z.string().min(1).default(DEFAULT_SERVICE_ACCOUNT_DIR),
  /** API server host and port; default from KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT. */
  host: z.string().min(1).optional(),
  port: z.int().min(1).max(65535).optional(),
});

export const ConfigSchema = z.strictObject({
  port: z.int().min(0).max(65535).default(4000),
  host: z.string().min(1).default('127.0.0.1'),
  redisUrl: redisUrl.optional(),
  enableMutations: z.boolean().default(false),
  clusterFilesDir: z.string().min(1).optional(),
  stateFile: z.string().min(1).default('.kubeatlas/clusters.json'),
  logLevel: z.enum(LOG_LEVELS).default('info'),
  demo: DemoSchema.default(DemoSchema.parse({})),
  limits: LimitsSchema.default(LimitsSchema.parse({})),
  events: EventsSchema.default(EventsSchema.parse({})),
  cache: CacheSchema.default(CacheSchema.parse({})),
  redis: RedisSchema.default(RedisSchema.parse({})),
  inCluster: InClusterSchema.default(InClusterSchema.parse({})),
  clusters: z.array(ClusterSpecSchema).max(10_000).default([]),
});

type ParsedConfig = z.infer<typeof ConfigSchema>;

/**
 * The effective configuration. Paths (clusterFilesDir, stateFile, cluster
 * file paths, inCluster.serviceAccountDir) are absolute.
 */
export type Config = Omit<ParsedConfig, 'clusterFilesDir'> & {
  clusterFilesDir: string;
  /** The config file that was read, if any (absolute). */
  configFile?: string;
  /** --help was given: print `HELP_TEXT` and exit 0. */
  help: boolean;
};

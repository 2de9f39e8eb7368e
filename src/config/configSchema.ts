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
});

export const EventsSchema = z.strictObject({
  historySize: z.int().min(0).max(10_000_000).default(10_000),
  historyMaxAgeSeconds: z.int().min(0).max(7 * 24 * 3600).default(900),
});

export const CacheSchema = z.strictObject({
  l1MaxBytes: z.int().min(0).max(64 * 1024 ** 3).default(64 * 1024 * 1024),
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

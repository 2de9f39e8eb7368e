/**
 * Vocabulary of the generated workloads: team namespaces, application
 * components, images. Plain data, no logic.
 */

export const TEAMS = [
  'payments', 'checkout', 'search', 'catalog', 'identity', 'notifications', 'analytics', 'platform', 'orders',
  'inventory', 'shipping', 'billing', 'recommendations', 'media', 'messaging', 'reporting', 'fraud', 'pricing',
  'loyalty', 'support', 'ads', 'growth', 'data', 'ml', 'risk', 'accounts', 'partners', 'content', 'maps', 'reviews',
] as const;

export const ENVIRONMENTS = ['prod', 'staging', 'dev', 'qa', 'sandbox', 'perf'] as const;

/** Deployment components, with the shape of the pods they run. */
export interface ComponentProfile {
  name: string;
  role: 'web' | 'api' | 'worker' | 'gateway';
  tier: 'frontend' | 'backend' | 'edge';
  port: number;
  /** Image repository inside the team's registry path, or a public image. */
  image: (team: string, app: string, version: string) => string;
  language: 'go' | 'java' | 'node' | 'python' | 'nginx' | 'envoy';
}

const registry = (_team: string, app: string, version: string): string => `registry.example.com/${app}:${version}`;

export const COMPONENTS: readonly ComponentProfile[] = [
  { name: 'api', role: 'api', tier: 'backend', port: 8080, image: registry, language: 'go' },
  { name: 'web', role: 'web', tier: 'frontend', port: 3000, image: registry, language: 'node' },
  { name: 'frontend', role: 'web', tier: 'frontend', port: 80, image: (_t, a, v) => `registry.example.com/${a}:${v}-nginx`, language: 'nginx' },
  { name: 'worker', role: 'worker', tier: 'backend', port: 9090, image: registry, language: 'python' },
  { name: 'gateway', role: 'gateway', tier: 'edge', port: 8443, image: () => 'envoyproxy/envoy:v1.29.1', language: 'envoy' },
  { name: 'processor', role: 'worker', tier: 'backend', port: 9090, image: registry, language: 'java' },
  { name: 'consumer', role: 'worker', tier: 'backend', port: 9090, image: registry, language: 'go' },
  { name: 'scheduler', role: 'worker', tier: 'backend', port: 9090, image: registry, language: 'go' },
  { name: 'grpc', role: 'api', tier: 'backend', port: 50051, image: registry, language: 'go' },
  { name: 'admin', role: 'web', tier: 'frontend', port: 8080, image: registry, language: 'java' },
  { name: 'graphql', role: 'api', tier: 'backend', port: 4000, image: registry, language: 'node' },
  { name: 'indexer', role: 'worker', tier: 'backend', port: 9090, image: registry, language: 'java' },
  { name: 'auth', role: 'api', tier: 'backend', port: 8080, image: registry, language: 'go' },
  { name: 'webhook', role: 'api', tier: 'backend', port: 8443, image: registry, language: 'python' },
  { name: 'sync', role: 'worker', tier: 'backend', port: 9090, image: registry, language: 'python' },
];

/** Stateful backends run as StatefulSets with volume claim templates. */
export interface StatefulProfile {
  name: string;
  image: string;
  port: number;
  portName: string;
  dataPath: string;
  storage: string;
  replicas: readonly number[];
}

export const STATEFUL: readonly StatefulProfile[] = [
  { name: 'postgres', image: 'postgres:16.2', port: 5432, portName: 'pg', dataPath: '/var/lib/postgresql/data', storage: '20Gi', replicas: [1, 2, 3] },
  { name: 'redis', image: 'redis:7.2.4', port: 6379, portName: 'redis', dataPath: '/data', storage: '5Gi', replicas: [1, 3] },
  { name: 'kafka', image: 'bitnami/kafka:3.6.1', port: 9092, portName: 'kafka', dataPath: '/bitnami/kafka', storage: '50Gi', replicas: [3, 5] },
  { name: 'elasticsearch', image: 'docker.elastic.co/elasticsearch/elasticsearch:8.12.2', port: 9200, portName: 'http', dataPath: '/usr/share/elasticsearch/data', storage: '100Gi', replicas: [3] },
  { name: 'rabbitmq', image: 'rabbitmq:3.13-management', port: 5672, portName: 'amqp', dataPath: '/var/lib/rabbitmq', storage: '10Gi', replicas: [1, 3] },
  { name: 'mongodb', image: 'mongo:7.0.6', port: 27017, portName: 'mongodb', dataPath: '/data/db', storage: '50Gi', replicas: [1, 3] },
];

export const CRONJOBS = [
  { name: 'report', schedule: '0 * * * *', command: ['python', '-m', 'jobs.report'] },
  { name: 'cleanup', schedule: '*/30 * * * *', command: ['/app/cleanup', '--older-than=72h'] },
  { name: 'backup', schedule: '0 2 * * *', command: ['sh', '-c', 'pg_dump "$DATABASE_URL" | gzip > /backup/db.sql.gz'] },
  { name: 'sync-catalog', schedule: '*/15 * * * *', command: ['/app/sync', '--full=false'] },
  { name: 'rotate-keys', schedule: '0 4 * * 0', command: ['/app/rotate'] },
  { name: 'digest', schedule: '0 8 * * *', command: ['node', 'dist/jobs/digest.js'] },
] as const;

/** Sidecars some pods run next to the main container. */
export const SIDECARS = [
  { name: 'envoy', image: 'envoyproxy/envoy:v1.29.1', port: 15001 },
  { name: 'fluent-bit', image: 'fluent/fluent-bit:2.2.2', port: 2020 },
  { name: 'otel-collector', image: 'otel/opentelemetry-collector:0.96.0', port: 4317 },
] as const;

/** Node-level DaemonSets of a platform (beyond kube-proxy). */
export const PLATFORM_DAEMONSETS = [
  { namespace: 'monitoring', name: 'node-exporter', image: 'prom/node-exporter:v1.7.0', port: 9100, portName: 'metrics' },
  { namespace: 'logging', name: 'fluent-bit', image: 'fluent/fluent-bit:2.2.2', port: 2020, portName: 'http' },
] as const;

export const VERSIONS = ['1.4.2', '1.5.0', '1.5.1', '2.0.3', '2.1.0', '2.1.4', '3.0.0', '3.2.1', '0.9.8', '1.12.0'] as const;

/** Image digests reported by the "container runtime" (stable per image). */
export function imageDigest(image: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < image.length; i++) {
    h1 = Math.imul(h1 ^ image.charCodeAt(i), 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ image.charCodeAt(i), 0x5bd1e995) >>> 0;
  }
  let s = '';
  for (let i = 0; i < 8; i++) {
    h1 = Math.imul(h1 ^ (h2 >>> 7), 0x85ebca6b) >>> 0;
    h2 = Math.imul(h2 ^ (h1 >>> 11), 0xc2b2ae35) >>> 0;
    s += h1.toString(16).padStart(8, '0');
  }
  return `sha256:${s}`;
}

/** How the runtime names an image: "docker.io/library/nginx:1.25.3". */
export function fullImageName(image: string): string {
  const slash = image.indexOf('/');
  const first = slash < 0 ? '' : image.slice(0, slash);
  if (slash < 0) return `docker.io/library/${image}`;
  if (first.includes('.') || first.includes(':')) return image;
  return `docker.io/${image}`;
}

const imageIds = new Map<string, string>();

/** imageID as the kubelet reports it ("docker.io/library/nginx@sha256:..."). */
export function imageId(image: string): string {
  let id = imageIds.get(image);
  if (id === undefined) {
    const full = fullImageName(image);
    const at = full.lastIndexOf(':');
    const repo = at > full.lastIndexOf('/') ? full.slice(0, at) : full;
    id = `${repo}@${imageDigest(image)}`;
    if (imageIds.size > 50_000) imageIds.clear();
    imageIds.set(image, id);
  }
  return id;
}

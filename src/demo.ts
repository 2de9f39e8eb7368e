import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { stringify } from 'yaml';
import { createCertificateAuthority, startSimCluster, type SimCluster } from './sim/index.js';
import { ClusterSpecSchema, type ClusterSpec } from './config/clusterSpecSchema.js';
import { logger } from './util/logger.js';

/**
 * The demo: simulated clusters started in this process, reached through the
 * same client code as any real cluster (kubeconfig auth over HTTPS). Used by
 * `npm start` when no cluster is configured.
 */

const DEMO_CLUSTERS = [
  { name: 'demo-eu', environment: 'production', region: 'eu-west-1' },
  { name: 'demo-us', environment: 'production', region: 'us-east-1' },
  { name: 'demo-staging', environment: 'staging', region: 'eu-west-1' },
];

export interface Demo {
  clusters: SimCluster[];
  /** Absolute path of the kubeconfig written for kubectl and for kubeatlas itself. */
  kubeconfigPath: string;
  /** Cluster entries (KUBECONFIG auth + context) to run kubeatlas against. */
  specs: ClusterSpec[];
  close(): Promise<void>;
}

export async function startDemo(opts: { clusters: number; objectsPerCluster: number; churnPerSecond: number; kubeconfigPath: string }): Promise<Demo> {
  const log = logger('demo');
  const ca = createCertificateAuthority('kubeatlas-demo-ca');
  const started: SimCluster[] = [];
  try {
    for (let i = 0; i < opts.clusters; i++) {
      const name = DEMO_CLUSTERS[i]?.name ?? `demo-${i + 1}`;
      started.push(await startSimCluster({ name, ca, seed: 1000 + i, objects: opts.objectsPerCluster, churnPerSecond: opts.churnPerSecond }));
    }
  } catch (e) {
    await Promise.all(started.map((c) => c.close()));
    throw e;
  }
  const kubeconfigPath = resolve(opts.kubeconfigPath);
  mkdirSync(dirname(kubeconfigPath), { recursive: true, mode: 0o700 });
  writeFileSync(kubeconfigPath, mergedKubeconfig(started), { mode: 0o600 });
  const specs = started.map((c, i) =>
    ClusterSpecSchema.parse({
      clusterId: c.name,
      name: c.name,
      environment: DEMO_CLUSTERS[i]?.environment ?? 'demo',
      region: DEMO_CLUSTERS[i]?.region,
      labels: { demo: 'true' },
      authMethod: 'KUBECONFIG',
      kubeconfigPath,
      context: c.name,
    }),
  );
  log.info({ clusters: started.map((c) => ({ name: c.name, url: c.url, objects: c.store.count() })) }, 'demo clusters started');
  return { clusters: started, kubeconfigPath, specs, close: async () => void (await Promise.all(started.map((c) => c.close()))) };
}

function mergedKubeconfig(clusters: SimCluster[]): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: clusters.map((c) => ({ name: c.name, cluster: { server: c.url, 'certificate-authority-data': Buffer.from(c.ca.certPem).toString('base64') } })),
    users: clusters.map((c) => ({ name: `${c.name}-admin`, user: { token: c.adminToken } })),
    contexts: clusters.map((c) => ({ name: c.name, context: { cluster: c.name, user: `${c.name}-admin` } })),
    'current-context': clusters[0]?.name ?? '',
    preferences: {},
  });
}

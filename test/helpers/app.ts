import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startSimCluster, createCertificateAuthority, type SimCluster, type SimClusterOptions } from '../../src/sim/index.js';
import { loadConfig } from '../../src/config/index.js';
import { startApp, type App } from '../../src/app.js';

export interface TestApp {
  app: App;
  sims: SimCluster[];
  /** http://127.0.0.1:PORT/graphql */
  url: string;
  dir: string;
  /** POSTs a GraphQL operation; returns the parsed body (data and errors). */
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<{ data?: T; errors?: Array<{ message: string; extensions?: { code?: string; [k: string]: unknown } }> }>;
  close(): Promise<void>;
}

/**
 * Starts simulated clusters and kubeatlas against them exactly as a user
 * would: a YAML config file (TOKEN auth with the cluster CA), loaded by
 * loadConfig, the real server on an ephemeral port.
 */
export async function startTestApp(opts: {
  clusters?: Array<Partial<SimClusterOptions> & { name: string }>;
  config?: Record<string, unknown>;
  argv?: string[];
}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'kubeatlas-app-'));
  const ca = createCertificateAuthority('test-ca');
  const sims: SimCluster[] = [];
  for (const c of opts.clusters ?? []) sims.push(await startSimCluster({ objects: 0, seed: 7, ...c, ca }));
  const config = {
    port: 0,
    host: '127.0.0.1',
    stateFile: join(dir, 'clusters.json'),
    demo: { enabled: false },
    clusters: sims.map((s) => ({ clusterId: s.name, authMethod: 'TOKEN', server: s.url, token: s.adminToken, tls: { caData: s.ca.certPem } })),
    ...(opts.config ?? {}),
  };
  const file = join(dir, 'kubeatlas.yaml');
  writeFileSync(file, stringify(config));
  const app = await startApp({ config: loadConfig({ argv: ['--config', file, ...(opts.argv ?? [])], env: {}, cwd: dir }) });
  const url = app.server!.url;
  return {
    app,
    sims,
    url,
    dir,
    gql: async (query, variables) => {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ query, variables }) });
      return (await res.json()) as never;
    },
    close: async () => {
      await app.close();
      await Promise.all(sims.map((s) => s.close()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

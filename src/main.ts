#!/usr/bin/env node
/**
 * kubeatlas command line: loads the configuration (flags > env > file >
 * defaults), starts the demo clusters when nothing is configured, runs the
 * catalog and the GraphQL server, and stops cleanly on SIGTERM/SIGINT.
 *
 * Exit codes: 0 after a clean shutdown, 2 for an invalid configuration (one
 * line naming the key), 1 for any other start-up failure (e.g. a taken port).
 */
import { join } from 'node:path';
import { loadConfig, HELP_TEXT, ConfigError, type Config } from './config/index.js';
import { StateFilePersistence } from './clusters/stateFilePersistence.js';
import { startApp, type App } from './app.js';
import { describeError, isKubeatlasError } from './util/errors.js';
import { logger } from './util/logger.js';
import type { Demo } from './demo.js';

const SHUTDOWN_DEADLINE_MS = 5_000;

async function main(): Promise<number> {
  let config: Config;
  try {
    config = loadConfig({ argv: process.argv.slice(2), env: process.env });
  } catch (e) {
    if (e instanceof ConfigError || isKubeatlasError(e)) {
      process.stderr.write(`kubeatlas: invalid configuration: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  if (config.help) {
    process.stdout.write(HELP_TEXT);
    return 0;
  }
  process.env.KUBEATLAS_LOG_LEVEL ??= config.logLevel;
  const log = logger('main');

  let demo: Demo | undefined;
  if (await wantsDemo(config)) {
    const { startDemo } = await import('./demo.js');
    demo = await startDemo({
      clusters: config.demo.clusters,
      objectsPerCluster: config.demo.objectsPerCluster,
      churnPerSecond: config.demo.churnPerSecond,
      kubeconfigPath: join(process.cwd(), '.kubeatlas', 'demo.kubeconfig'),
    });
    config = { ...config, clusters: [...config.clusters, ...demo.specs] };
  }

  let app: App;
  try {
    app = await startApp({ config });
  } catch (e) {
    await demo?.close();
    process.stderr.write(`kubeatlas: ${describeError(e)}\n`);
    // An unreadable state file (corrupt, wrong KUBEATLAS_SECRET_KEY) is a configuration problem;
    // a taken port is not.
    return isKubeatlasError(e) && e.code === 'CONFIG_INVALID' && e.details.port === undefined ? 2 : 1;
  }

  process.stdout.write(`kubeatlas: GraphQL at ${app.server?.url} (GraphiQL in a browser), health at /healthz and /readyz, metrics at /metrics\n`);
  if (demo) {
    process.stdout.write(
      `kubeatlas: demo mode: ${demo.clusters.length} simulated clusters (${demo.clusters.map((c) => c.name).join(', ')}) with live churn.\n` +
        `kubeatlas: their kubeconfig is ${demo.kubeconfigPath}: try  kubectl --kubeconfig ${demo.kubeconfigPath} --context ${demo.clusters[0]?.name} get pods -A\n`,
    );
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        process.stderr.write('kubeatlas: second signal, exiting now\n');
        process.exit(1);
      }
      stopping = true;
      log.info({ signal }, 'shutting down');
      const force = setTimeout(() => {
        process.stderr.write(`kubeatlas: shutdown took longer than ${SHUTDOWN_DEADLINE_MS} ms, exiting\n`);
        process.exit(1);
      }, SHUTDOWN_DEADLINE_MS);
      force.unref();
      void app
        .close()
        .then(() => demo?.close())
        .catch((e: unknown) => log.error({ err: describeError(e) }, 'error during shutdown'))
        .finally(() => {
          clearTimeout(force);
          resolve(0);
        });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

/** demo.enabled: true, or auto with no cluster in the config and none persisted. */
async function wantsDemo(config: Config): Promise<boolean> {
  if (config.demo.enabled === true) return true;
  if (config.demo.enabled === false || config.clusters.length > 0) return false;
  try {
    const persisted = await new StateFilePersistence({ path: config.stateFile, secretKey: process.env.KUBEATLAS_SECRET_KEY || undefined }).load();
    return persisted.length === 0;
  } catch {
    return false; // the registry reports the unreadable state file
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`kubeatlas: ${describeError(e)}\n`);
    process.exit(1);
  },
);

import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError } from './configError.js';
import { ConfigSchema, type Config } from './configSchema.js';
import { mapPathFields } from './clusterSpecSchema.js';
import { resolveSpecPath } from './filePaths.js';
import { parseFlags, type ConfigFlags } from './flags.js';
import { describeIssue, formatPath } from './issues.js';
import { describeYamlError } from './yamlErrors.js';

export interface LoadConfigOptions {
  argv: string[];
  env: NodeJS.ProcessEnv;
  /** Base for relative paths given by flags, env and defaults (default process.cwd()). */
  cwd?: string;
}

/** Where a top-level key's value came from, to name the variable or flag in an error. */
type Sources = Map<string, string>;

/**
 * Builds the effective configuration: defaults < YAML file (`--config` or
 * KUBEATLAS_CONFIG) < environment < flags. Throws a ConfigError (one line,
 * no values) for an unknown or invalid key, variable or flag.
 *
 * Relative paths inside the file resolve against the file's directory
 * (cluster file paths against `clusterFilesDir`, which itself defaults to
 * that directory); relative paths from flags, env and defaults resolve
 * against `cwd`. Cluster entries are checked structurally here; their files
 * and kubeconfig contents are checked when the registry connects them, so a
 * broken cluster degrades only itself.
 */
export function loadConfig(opts: LoadConfigOptions): Config {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env;
  const flags = parseFlags(opts.argv);
  const sources: Sources = new Map();

  const configArg = flags.config ?? nonEmpty(env.KUBEATLAS_CONFIG);
  const configFile = configArg !== undefined ? resolve(cwd, configArg) : undefined;
  const raw: Record<string, unknown> = configFile ? readConfigFile(configFile, flags.config !== undefined ? '--config' : 'KUBEATLAS_CONFIG') : {};
  const fileDir = configFile ? dirname(configFile) : cwd;

  applyEnv(raw, env, sources);
  applyFlags(raw, flags, sources);

  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const first = describeIssue(issues[0]);
    const top = first.path.length > 0 ? String(first.path[0]) : '';
    const source = sources.get(top);
    const where = formatPath(first.path) + (source ? ` (from ${source})` : '');
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
    throw new ConfigError(where, first.problem + more);
  }
  const cfg = parsed.data;

  const seen = new Map<string, number>();
  cfg.clusters.forEach((c, i) => {
    const prev = seen.get(c.clusterId);
    if (prev !== undefined) throw new ConfigError(`clusters[${i}].clusterId`, `duplicate id "${c.clusterId}" (also clusters[${prev}])`);
    seen.set(c.clusterId, i);
  });

  const fromFile = (key: string) => configFile !== undefined && !sources.has(key) && Object.hasOwn(raw, key);
  const clusterFilesDir = cfg.clusterFilesDir !== undefined ? resolve(fileDir, cfg.clusterFilesDir) : fileDir;
  const stateFile = resolve(fromFile('stateFile') ? fileDir : cwd, cfg.stateFile);
  const inCluster = {
    ...cfg.inCluster,
    serviceAccountDir: resolve(fileDir, cfg.inCluster.serviceAccountDir),
    host: cfg.inCluster.host ?? nonEmpty(env.KUBERNETES_SERVICE_HOST),
    port: cfg.inCluster.port ?? portFromEnv(env.KUBERNETES_SERVICE_PORT),
  };
  const clusters = cfg.clusters.map((c) => mapPathFields(c, (p) => resolveSpecPath(p, clusterFilesDir)));

  return { ...cfg, clusterFilesDir, stateFile, inCluster, clusters, ...(configFile ? { configFile } : {}), help: flags.help };
}

function readConfigFile(file: string, via: string): Record<string, unknown> {
  let text: string;
  try {
    if (!statSync(file).isFile()) throw new ConfigError(`${via} ${file}`, 'not a regular file');
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const code = (e as { code?: string }).code;
    throw new ConfigError(`${via} ${file}`, code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : `cannot be read (${code ?? 'error'})`);
  }
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) throw new ConfigError(file, describeYamlError(doc.errors[0]));
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(file, 'expected a mapping of keys at the top level');
  return value as Record<string, unknown>;
}

function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv, sources: Sources): void {
  const set = (key: string, value: unknown, source: string) => {
    raw[key] = value;
    sources.set(key, source);
  };
  const port = nonEmpty(env.KUBEATLAS_PORT) !== undefined ? 'KUBEATLAS_PORT' : nonEmpty(env.PORT) !== undefined ? 'PORT' : undefined;
  if (port) set('port', numberish(env[port] as string), port);
  const str: Array<[string, string]> = [
    ['host', 'KUBEATLAS_HOST'],
    ['redisUrl', 'KUBEATLAS_REDIS_URL'],
    ['logLevel', 'KUBEATLAS_LOG_LEVEL'],
    ['stateFile', 'KUBEATLAS_STATE_FILE'],
  ];
  for (const [key, name] of str) {
    const v = nonEmpty(env[name]);
    if (v !== undefined) set(key, v, name);
  }
  const mutations = nonEmpty(env.KUBEATLAS_ENABLE_MUTATIONS);
  if (mutations !== undefined) set('enableMutations', booleanish(mutations), 'KUBEATLAS_ENABLE_MUTATIONS');
}

function applyFlags(raw: Record<string, unknown>, flags: ConfigFlags, sources: Sources): void {
  const set = (key: string, value: unknown, flag: string) => {
    if (value === undefined) return;
    raw[key] = value;
    sources.set(key, flag);
  };
  set('port', flags.port === undefined ? undefined : numberish(flags.port), '--port');
  set('host', flags.host, '--host');
  set('redisUrl', flags.redisUrl, '--redis-url');
  set('enableMutations', flags.enableMutations, '--enable-mutations');
  set('logLevel', flags.logLevel, '--log-level');
  set('stateFile', flags.stateFile, '--state-file');
  if (flags.demo !== undefined) {
    const demo = raw.demo;
    // Keep the file's other demo settings; a non-object `demo` is reported by the schema.
    raw.demo = typeof demo === 'object' && demo !== null && !Array.isArray(demo) ? { ...demo, enabled: flags.demo } : { enabled: flags.demo };
  }
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** "4000" → 4000; anything else stays a string so that the schema reports "expected number". */
function numberish(v: string): number | string {
  return /^\d+$/.test(v.trim()) ? Number(v.trim()) : v;
}

function booleanish(v: string): boolean | string {
  const s = v.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(s)) return true;
  if (['false', '0', 'no', 'off'].includes(s)) return false;
  return v;
}

function portFromEnv(v: string | undefined): number | undefined {
  const s = nonEmpty(v);
  if (s === undefined || !/^\d+$/.test(s)) return undefined;
  const n = Number(s);
  return n >= 1 && n <= 65535 ? n : undefined;
}

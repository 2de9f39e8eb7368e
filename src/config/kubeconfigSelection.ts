import { existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { parseDocument } from 'yaml';
import { badInput } from './badInput.js';
import { checkReadableFile, fsProblem, resolveSpecPath } from './filePaths.js';
import { describeYamlError } from './yamlErrors.js';

type Raw = Record<string, unknown>;

/** One named entry of a kubeconfig list (clusters, users, contexts), paths made absolute. */
export interface KubeconfigEntry {
  name: string;
  body: Raw;
}

/** The context a cluster entry uses, with only what it needs. */
export interface KubeconfigContext {
  /**
   * A client-node KubeConfig holding exactly this context, its cluster and its
   * user (one object per cluster: a shared one mixes contexts, client-node #871).
   */
  kubeConfig: KubeConfig;
  contextName: string;
  /** API server URL of the context's cluster. */
  server: string;
  /** The raw entries, relative file paths already absolute (for TLS checks). */
  cluster: KubeconfigEntry;
  user?: KubeconfigEntry;
}

export interface KubeconfigLoadOptions {
  clusterFilesDir: string;
  source: 'config' | 'runtime';
  /** For the default rules (KUBECONFIG, HOME) when neither kubeconfig nor kubeconfigPath is given. */
  env?: NodeJS.ProcessEnv;
}

/** Kubeconfig path fields that name files, per entry type (kubectl's names, plus client-node's token-file). */
const CLUSTER_FILE_KEYS = ['certificate-authority'];
const USER_FILE_KEYS = ['client-certificate', 'client-key', 'token-file', 'tokenFile'];

/**
 * Loads the kubeconfig of a KUBECONFIG cluster entry (inline `kubeconfig`,
 * `kubeconfigPath`, or for config-file clusters the default rules: the
 * KUBECONFIG list, else ~/.kube/config) and selects `context` (default the
 * current-context). Throws BAD_USER_INPUT naming `kubeconfig`,
 * `kubeconfigPath` or `context` when the YAML does not parse, the context or
 * its cluster/user entries are missing, or a file it names is unusable.
 *
 * Inline kubeconfigs added at runtime may not run programs (exec plugins,
 * auth-provider commands) and may only name files inside clusterFilesDir:
 * whoever may call addCluster must not gain command execution or file reads
 * on the kubeatlas host.
 */
export function loadKubeconfigContext(
  spec: { kubeconfig?: string; kubeconfigPath?: string; context?: string },
  opts: KubeconfigLoadOptions,
): KubeconfigContext {
  const { docs, field } = readDocuments(spec, opts);
  const merged = mergeDocuments(docs, field);
  const inlineRuntime = spec.kubeconfig !== undefined && opts.source === 'runtime';

  const contextName = spec.context ?? (typeof merged.currentContext === 'string' && merged.currentContext !== '' ? merged.currentContext : undefined);
  if (contextName === undefined) throw badInput('context', 'not given, and the kubeconfig has no current-context');
  const ctx = merged.contexts.get(contextName);
  if (!ctx) throw badInput(spec.context !== undefined ? 'context' : field, `context "${contextName}" is not defined in the kubeconfig`);
  const ctxBody = asRecord(ctx.body.context);
  const clusterName = ctxBody && typeof ctxBody.cluster === 'string' ? ctxBody.cluster : undefined;
  if (!clusterName) throw badInput(field, `context "${contextName}" names no cluster`);
  const cluster = merged.clusters.get(clusterName);
  if (!cluster) throw badInput(field, `context "${contextName}" names cluster "${clusterName}", which the kubeconfig does not define`);
  const userName = ctxBody && typeof ctxBody.user === 'string' && ctxBody.user !== '' ? ctxBody.user : undefined;
  const user = userName !== undefined ? merged.users.get(userName) : undefined;
  if (userName !== undefined && !user) throw badInput(field, `context "${contextName}" names user "${userName}", which the kubeconfig does not define`);

  const clusterBody = asRecord(cluster.body.cluster);
  const server = clusterBody && typeof clusterBody.server === 'string' ? clusterBody.server : '';
  if (!isHttpUrl(server)) throw badInput(field, `cluster "${clusterName}" has no valid server URL`);

  const userBody = user ? asRecord(user.body.user) ?? {} : {};
  if (inlineRuntime) {
    if (userBody.exec !== undefined) throw badInput(field, `user "${userName}": exec credential plugins are only allowed in kubeconfig files (kubeconfigPath), not in an inline kubeconfig added at runtime`);
    const provider = asRecord(userBody['auth-provider']);
    if (provider && provider.name !== 'oidc') throw badInput(field, `user "${userName}": only the oidc auth-provider is allowed in an inline kubeconfig added at runtime`);
  }
  const confine = inlineRuntime ? opts.clusterFilesDir : undefined;
  for (const key of CLUSTER_FILE_KEYS) {
    const p = clusterBody?.[key];
    if (typeof p === 'string' && p !== '') checkReadableFile(p, field, confine, `cluster "${clusterName}" ${key}`);
  }
  for (const key of USER_FILE_KEYS) {
    const p = userBody[key];
    if (typeof p === 'string' && p !== '') checkReadableFile(p, field, confine, `user "${userName}" ${key}`);
  }

  const kubeConfig = new KubeConfig();
  const mini = {
    clusters: [{ name: clusterName, cluster: clusterBody }],
    users: user ? [{ name: userName, user: userBody }] : [],
    contexts: [{ name: contextName, context: ctxBody }],
    'current-context': contextName,
  };
  try {
    // JSON is YAML: client-node's js-yaml parses our own serialization, which cannot fail to parse.
    kubeConfig.loadFromString(JSON.stringify(mini));
  } catch (e) {
    // client-node's messages name entries by index ("clusters[0].cluster.server is missing"), never values.
    throw badInput(field, `invalid kubeconfig entry (${e instanceof Error ? e.message.replace(/\s+/g, ' ').slice(0, 120) : 'error'})`);
  }
  return { kubeConfig, contextName, server: server.replace(/\/+$/, ''), cluster, ...(user ? { user } : {}) };
}

interface SourceDoc {
  doc: Raw;
  baseDir: string;
}

function readDocuments(spec: { kubeconfig?: string; kubeconfigPath?: string }, opts: KubeconfigLoadOptions): { docs: SourceDoc[]; field: string } {
  if (spec.kubeconfig !== undefined) return { docs: [{ doc: parseKubeconfig(spec.kubeconfig, 'kubeconfig'), baseDir: opts.clusterFilesDir }], field: 'kubeconfig' };
  if (spec.kubeconfigPath !== undefined) {
    const file = resolveSpecPath(spec.kubeconfigPath, opts.clusterFilesDir);
    return { docs: [{ doc: parseKubeconfig(readText(file, 'kubeconfigPath'), 'kubeconfigPath'), baseDir: dirname(file) }], field: 'kubeconfigPath' };
  }
  if (opts.source === 'runtime') throw badInput('kubeconfigPath', 'kubeconfig (inline) or kubeconfigPath is required for clusters added at runtime');
  const files = defaultKubeconfigFiles(opts.env ?? process.env);
  if (files.length === 0) throw badInput('kubeconfigPath', 'not given, and no kubeconfig was found through KUBECONFIG or ~/.kube/config');
  return { docs: files.map((f) => ({ doc: parseKubeconfig(readText(f, 'kubeconfigPath'), 'kubeconfigPath'), baseDir: dirname(f) })), field: 'kubeconfigPath' };
}

/** kubectl's loading rules: the existing files of the KUBECONFIG list, else ~/.kube/config. */
export function defaultKubeconfigFiles(env: NodeJS.ProcessEnv): string[] {
  const list = env.KUBECONFIG;
  if (list && list.trim() !== '') return list.split(delimiter).filter((f) => f !== '' && existsSync(f));
  const home = env.HOME ?? env.USERPROFILE;
  if (!home) return [];
  const file = join(home, '.kube', 'config');
  return existsSync(file) ? [file] : [];
}

function readText(file: string, field: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw badInput(field, fsProblem(e));
  }
}

function parseKubeconfig(text: string, field: string): Raw {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) throw badInput(field, describeYamlError(doc.errors[0]));
  const value: unknown = doc.toJS();
  const rec = asRecord(value);
  if (!rec) throw badInput(field, 'not a kubeconfig (expected a YAML mapping with clusters, users and contexts)');
  return rec;
}

interface MergedKubeconfig {
  clusters: Map<string, KubeconfigEntry>;
  users: Map<string, KubeconfigEntry>;
  contexts: Map<string, KubeconfigEntry>;
  currentContext: unknown;
}

/**
 * Merges kubeconfig documents with kubectl's rule: the first document that
 * defines a name (or current-context) wins. Hand-written because client-node's
 * mergeConfig throws on duplicate names instead. Relative file paths resolve
 * against each document's own directory.
 */
function mergeDocuments(docs: SourceDoc[], field: string): MergedKubeconfig {
  const out: MergedKubeconfig = { clusters: new Map(), users: new Map(), contexts: new Map(), currentContext: undefined };
  for (const { doc, baseDir } of docs) {
    if (out.currentContext === undefined && doc['current-context'] !== undefined) out.currentContext = doc['current-context'];
    for (const [listKey, target, bodyKey, fileKeys] of [
      ['clusters', out.clusters, 'cluster', CLUSTER_FILE_KEYS],
      ['users', out.users, 'user', USER_FILE_KEYS],
      ['contexts', out.contexts, 'context', []],
    ] as const) {
      const list = doc[listKey];
      if (list === undefined || list === null) continue;
      if (!Array.isArray(list)) throw badInput(field, `${listKey}: expected a list`);
      list.forEach((item, i) => {
        const rec = asRecord(item);
        if (!rec || typeof rec.name !== 'string' || rec.name === '') throw badInput(field, `${listKey}[${i}]: expected an entry with a name`);
        if (target.has(rec.name)) return;
        const body = asRecord(rec[bodyKey]);
        const absBody = body ? { ...body } : undefined;
        if (absBody) {
          for (const k of fileKeys) {
            const p = absBody[k];
            if (typeof p === 'string' && p !== '') absBody[k] = resolveSpecPath(p, baseDir);
          }
        }
        target.set(rec.name, { name: rec.name, body: { ...rec, ...(absBody ? { [bodyKey]: absBody } : {}) } });
      });
    }
  }
  return out;
}

function asRecord(v: unknown): Raw | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Raw) : undefined;
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { join } from 'node:path';
import { KubeConfig, type Cluster, type User } from '@kubernetes/client-node';
import type { ClusterSpec } from '../config/clusterSpecSchema.js';
import type { InClusterSettings } from '../config/clusterMaterial.js';
import { DEFAULT_SERVICE_ACCOUNT_DIR } from '../config/configSchema.js';
import { badInput } from '../config/badInput.js';
import { fsProblem } from '../config/filePaths.js';
import { loadKubeconfigContext } from '../config/kubeconfigSelection.js';
import { toPem } from '../config/pemMaterial.js';
import { ROTATING_TOKEN_PROVIDER, RotatingTokenFile } from './rotatingTokenFile.js';

/** What a connection needs from a cluster entry: one KubeConfig of its own. */
export interface ClusterKubeConfig {
  /** Exactly one context, cluster and user; TLS files already read into *Data fields. */
  kubeConfig: KubeConfig;
  /** API server base URL (no trailing slash, never credentials). */
  server: string;
  /** The rotating token source (SERVICE_ACCOUNT, IN_CLUSTER), to force a re-read after a 401. */
  tokenFile?: RotatingTokenFile;
  /** TLS files that were read (CA, client cert, client key): a change means "build again". */
  tlsFiles: string[];
  /** The kubeconfig cluster's `proxy-url` (http: or https:, checked): requests tunnel through it with CONNECT. */
  proxyUrl?: string;
}

export interface ClusterKubeConfigContext {
  clusterFilesDir: string;
  source: 'config' | 'runtime';
  inCluster?: InClusterSettings;
  env?: NodeJS.ProcessEnv;
}

/**
 * Builds the client-node KubeConfig of one cluster entry, for every auth
 * method: KUBECONFIG (the selected context only), TOKEN and SERVICE_ACCOUNT
 * (loadFromOptions), IN_CLUSTER (the pod's service account). The entry's
 * `tls` settings override the kubeconfig's. Everything the connection sends
 * then comes from `applyToHTTPSOptions`, so exec plugins and OIDC refresh work
 * as in kubectl.
 *
 * CA, client certificate and key files are read here, once, into the *Data
 * fields, so that requests do not read files synchronously; the connection
 * builds again when one of `tlsFiles` changes.
 *
 * Throws BAD_USER_INPUT (field named) when the entry's material is unusable.
 */
export function buildClusterKubeConfig(spec: ClusterSpec, ctx: ClusterKubeConfigContext): ClusterKubeConfig {
  const tls = spec.tls ?? {};
  let cluster: Cluster;
  let user: User;
  let contextName = 'kubeatlas';
  let tokenFile: RotatingTokenFile | undefined;

  switch (spec.authMethod) {
    case 'KUBECONFIG': {
      const selected = loadKubeconfigContext(spec, { clusterFilesDir: ctx.clusterFilesDir, source: ctx.source, env: ctx.env });
      const c = selected.kubeConfig.getCurrentCluster();
      if (!c) throw badInput('context', `context "${selected.contextName}" has no cluster`);
      cluster = { ...c };
      user = { ...(selected.kubeConfig.getCurrentUser() ?? { name: 'anonymous' }) };
      contextName = selected.contextName;
      // client-node reads a user's token-file once, at load; kubectl re-reads it. Rotate like SERVICE_ACCOUNT.
      const rawUser = selected.user?.body.user;
      const tokenPath = rawUser && typeof rawUser === 'object' ? (rawUser as Record<string, unknown>)['token-file'] : undefined;
      if (typeof tokenPath === 'string' && tokenPath !== '' && !user.exec && !user.authProvider && !(rawUser as Record<string, unknown>).token) {
        tokenFile = new RotatingTokenFile(tokenPath);
        user = { ...user, token: undefined, authProvider: { name: ROTATING_TOKEN_PROVIDER, config: {} } };
      }
      break;
    }
    case 'TOKEN':
      cluster = { name: 'cluster', server: stripSlash(spec.server as string), skipTLSVerify: false };
      user = { name: 'user', token: spec.token };
      break;
    case 'SERVICE_ACCOUNT':
      cluster = { name: 'cluster', server: stripSlash(spec.server as string), skipTLSVerify: false };
      tokenFile = new RotatingTokenFile(spec.tokenFile as string);
      user = { name: 'user', authProvider: { name: ROTATING_TOKEN_PROVIDER, config: {} } };
      break;
    case 'IN_CLUSTER': {
      const ic = ctx.inCluster ?? { serviceAccountDir: DEFAULT_SERVICE_ACCOUNT_DIR };
      const env = ctx.env ?? process.env;
      const host = ic.host ?? env.KUBERNETES_SERVICE_HOST;
      const port = ic.port ?? env.KUBERNETES_SERVICE_PORT;
      if (!host || !port) throw badInput('authMethod', 'IN_CLUSTER needs KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT (is kubeatlas running in a pod?)');
      cluster = { name: 'in-cluster', server: `https://${isIPv6(host) ? `[${host}]` : host}:${port}`, skipTLSVerify: false, caFile: join(ic.serviceAccountDir, 'ca.crt') };
      tokenFile = new RotatingTokenFile(join(ic.serviceAccountDir, 'token'));
      user = { name: 'in-cluster', authProvider: { name: ROTATING_TOKEN_PROVIDER, config: {} } };
      break;
    }
  }

  // The entry's tls block overrides whatever the kubeconfig (or defaults) said.
  if (tls.caData !== undefined || tls.caFile !== undefined) cluster = { ...cluster, caData: tls.caData !== undefined ? base64Pem(tls.caData, 'tls.caData') : undefined, caFile: tls.caFile };
  if (tls.insecureSkipVerify !== undefined) cluster = { ...cluster, skipTLSVerify: tls.insecureSkipVerify };
  if (tls.serverName !== undefined) cluster = { ...cluster, tlsServerName: tls.serverName };
  if (tls.certData !== undefined || tls.certFile !== undefined) {
    user = { ...user, certData: tls.certData !== undefined ? base64Pem(tls.certData, 'tls.certData') : undefined, certFile: tls.certFile };
    user = { ...user, keyData: tls.keyData !== undefined ? base64Pem(tls.keyData, 'tls.keyData') : undefined, keyFile: tls.keyFile };
  }

  // Read TLS files once (see above). Errors name the field the file came from.
  const fallbackField = spec.authMethod === 'KUBECONFIG' ? (spec.kubeconfig !== undefined ? 'kubeconfig' : 'kubeconfigPath') : 'authMethod';
  const tlsFiles: string[] = [];
  if (cluster.caFile) {
    tlsFiles.push(cluster.caFile);
    cluster = { ...cluster, caData: readAsBase64(cluster.caFile, tls.caFile !== undefined ? 'tls.caFile' : fallbackField), caFile: undefined };
  }
  if (user.certFile) {
    tlsFiles.push(user.certFile);
    user = { ...user, certData: readAsBase64(user.certFile, tls.certFile !== undefined ? 'tls.certFile' : fallbackField), certFile: undefined };
  }
  if (user.keyFile) {
    tlsFiles.push(user.keyFile);
    user = { ...user, keyData: readAsBase64(user.keyFile, tls.keyFile !== undefined ? 'tls.keyFile' : fallbackField), keyFile: undefined };
  }

  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [cluster],
    users: [user],
    contexts: [{ name: contextName, cluster: cluster.name, user: user.name }],
    currentContext: contextName,
  });
  if (tokenFile) kubeConfig.addAuthenticator(tokenFile);
  const proxyUrl = cluster.proxyUrl ? checkProxyUrl(cluster.proxyUrl, fallbackField) : undefined;
  return { kubeConfig, server: cluster.server, ...(tokenFile ? { tokenFile } : {}), tlsFiles: [...new Set(tlsFiles)], ...(proxyUrl ? { proxyUrl } : {}) };
}

/** An HTTP(S) proxy URL as undici's ProxyAgent takes it; the message never quotes the URL (it may hold credentials). */
function checkProxyUrl(raw: string, field: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw badInput(field, 'the cluster\'s proxy-url is not a valid URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw badInput(field, `the cluster's proxy-url scheme "${u.protocol.replace(/:$/, '')}" is not supported (http and https proxies are)`);
  return raw;
}

function stripSlash(s: string): string {
  return s.replace(/\/+$/, '');
}

/** KubeConfig *Data fields hold base64 of PEM; entries may give PEM or base64 of PEM. */
function base64Pem(value: string, field: string): string {
  try {
    return Buffer.from(toPem(value), 'utf8').toString('base64');
  } catch {
    throw badInput(field, 'not PEM (nor base64 of PEM)');
  }
}

function readAsBase64(file: string, field: string): string {
  try {
    return readFileSync(file).toString('base64');
  } catch (e) {
    throw badInput(field, fsProblem(e));
  }
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { badInput } from './badInput.js';
import type { ClusterSpec } from './clusterSpecSchema.js';
import { DEFAULT_SERVICE_ACCOUNT_DIR } from './configSchema.js';
import { checkReadableFile, fsProblem } from './filePaths.js';
import { loadKubeconfigContext, type KubeconfigEntry } from './kubeconfigSelection.js';
import { PemProblem, checkKeyPair, parseCertificates } from './pemMaterial.js';

/** Where IN_CLUSTER finds the pod's service account and the API server. */
export interface InClusterSettings {
  serviceAccountDir: string;
  host?: string;
  port?: number;
}

export interface ClusterMaterialContext {
  clusterFilesDir: string;
  source: 'config' | 'runtime';
  /** IN_CLUSTER settings (Config.inCluster); default the standard directory and KUBERNETES_SERVICE_HOST/PORT of process.env. */
  inCluster?: InClusterSettings;
  /** Environment for the kubeconfig default rules (KUBECONFIG, HOME); default process.env. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Checks everything a cluster entry refers to, synchronously: files exist and
 * are readable (and, for runtime entries, lie inside clusterFilesDir), the
 * kubeconfig parses and its context, cluster and user exist, TLS material
 * parses and client keys match their certificates. Throws BAD_USER_INPUT with
 * `details.field`; messages never quote file contents or secrets.
 * Expects a spec whose paths are already absolute.
 */
export function checkClusterMaterial(spec: ClusterSpec, ctx: ClusterMaterialContext): void {
  const confine = ctx.source === 'runtime' ? ctx.clusterFilesDir : undefined;
  const tls = spec.tls ?? {};

  // Paths first: cheap, and confinement must be decided before anything is read.
  if (spec.kubeconfigPath !== undefined) checkReadableFile(spec.kubeconfigPath, 'kubeconfigPath', confine);
  if (spec.tokenFile !== undefined) checkReadableFile(spec.tokenFile, 'tokenFile', confine);
  for (const f of ['caFile', 'certFile', 'keyFile'] as const) {
    const p = tls[f];
    if (p !== undefined) checkReadableFile(p, `tls.${f}`, confine);
  }

  // TLS material given directly in the entry.
  const ca = tls.caData ?? (tls.caFile !== undefined ? readMaterial(tls.caFile, 'tls.caFile') : undefined);
  if (ca !== undefined) pem('tls.' + (tls.caData !== undefined ? 'caData' : 'caFile'), () => parseCertificates(ca));
  const cert = tls.certData ?? (tls.certFile !== undefined ? readMaterial(tls.certFile, 'tls.certFile') : undefined);
  const key = tls.keyData ?? (tls.keyFile !== undefined ? readMaterial(tls.keyFile, 'tls.keyFile') : undefined);
  if (cert !== undefined) pem('tls.' + (tls.certData !== undefined ? 'certData' : 'certFile'), () => parseCertificates(cert));
  if (cert !== undefined && key !== undefined) pem('tls.' + (tls.keyData !== undefined ? 'keyData' : 'keyFile'), () => checkKeyPair(cert, key));

  switch (spec.authMethod) {
    case 'KUBECONFIG': {
      const selected = loadKubeconfigContext(spec, { clusterFilesDir: ctx.clusterFilesDir, source: ctx.source, env: ctx.env });
      const field = spec.kubeconfig !== undefined ? 'kubeconfig' : 'kubeconfigPath';
      if (ca === undefined) checkKubeconfigCa(selected.cluster, field);
      if (cert === undefined && selected.user) checkKubeconfigClientCert(selected.user, field);
      break;
    }
    case 'SERVICE_ACCOUNT': {
      const token = readMaterial(spec.tokenFile as string, 'tokenFile').trim();
      if (token === '') throw badInput('tokenFile', 'the token file is empty');
      break;
    }
    case 'IN_CLUSTER': {
      const ic = ctx.inCluster ?? { serviceAccountDir: DEFAULT_SERVICE_ACCOUNT_DIR };
      const host = ic.host ?? process.env.KUBERNETES_SERVICE_HOST;
      const port = ic.port ?? process.env.KUBERNETES_SERVICE_PORT;
      if (!host || !port) throw badInput('authMethod', 'IN_CLUSTER needs KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT (is kubeatlas running in a pod?)');
      checkReadableFile(join(ic.serviceAccountDir, 'token'), 'authMethod', undefined, 'service account token');
      if (ca === undefined) {
        checkReadableFile(join(ic.serviceAccountDir, 'ca.crt'), 'authMethod', undefined, 'service account ca.crt');
        pem('authMethod', () => parseCertificates(readFileSync(join(ic.serviceAccountDir, 'ca.crt'))), 'service account ca.crt');
      }
      break;
    }
    case 'TOKEN':
      break;
  }
}

function checkKubeconfigCa(cluster: KubeconfigEntry, field: string): void {
  const body = (cluster.body.cluster ?? {}) as Record<string, unknown>;
  const data = body['certificate-authority-data'];
  const file = body['certificate-authority'];
  const what = `cluster "${cluster.name}" certificate-authority`;
  if (typeof data === 'string' && data !== '') pem(field, () => parseCertificates(data), `${what}-data`);
  else if (typeof file === 'string' && file !== '') pem(field, () => parseCertificates(readMaterial(file, field)), what);
}

function checkKubeconfigClientCert(user: KubeconfigEntry, field: string): void {
  const body = (user.body.user ?? {}) as Record<string, unknown>;
  const certData = str(body['client-certificate-data']);
  const certFile = str(body['client-certificate']);
  const keyData = str(body['client-key-data']);
  const keyFile = str(body['client-key']);
  const cert = certData ?? (certFile !== undefined ? readMaterial(certFile, field) : undefined);
  const key = keyData ?? (keyFile !== undefined ? readMaterial(keyFile, field) : undefined);
  const what = `user "${user.name}" client certificate`;
  if (cert !== undefined && key === undefined) throw badInput(field, `${what}: has no client key`);
  if (cert !== undefined) pem(field, () => parseCertificates(cert), what);
  if (cert !== undefined && key !== undefined) pem(field, () => checkKeyPair(cert, key), `user "${user.name}" client key`);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function readMaterial(file: string, field: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw badInput(field, fsProblem(e));
  }
}

/** Runs a PEM check, turning its PemProblem into BAD_USER_INPUT on `field`. */
function pem(field: string, check: () => unknown, what?: string): void {
  try {
    check();
  } catch (e) {
    if (e instanceof PemProblem) throw badInput(field, what ? `${what}: ${e.message}` : e.message);
    throw e;
  }
}

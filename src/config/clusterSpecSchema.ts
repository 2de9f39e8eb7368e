import { z } from 'zod';

/**
 * The shape of one cluster entry, shared by the config file (`clusters:`) and
 * the addCluster mutation (field names of the contract's AddClusterInput).
 * This schema checks structure only; files, kubeconfig contents and TLS
 * material are checked by `checkClusterMaterial` (clusterMaterial.ts).
 */

export const AUTH_METHODS = ['KUBECONFIG', 'IN_CLUSTER', 'SERVICE_ACCOUNT', 'TOKEN'] as const;
export const AuthMethodSchema = z.enum(AUTH_METHODS);
export type AuthMethod = z.infer<typeof AuthMethodSchema>;

/** RFC 1123 label: lower-case alphanumerics and '-', starting and ending alphanumeric, at most 63 characters. */
export const RFC1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A kinds entry: "*" (everything discovered), a kind name ("Pod", "apps/Deployment", "deployments.apps"), or "!name" to deny. */
const KIND_PATTERN = /^!?(\*|[A-Za-z0-9][A-Za-z0-9.\-/]*)$/;

const nonEmpty = z.string().min(1);

export const TlsSpecSchema = z.strictObject({
  /** PEM (or base64 of PEM, as in kubeconfig *-data fields) of the CA bundle that signs the server certificate. */
  caData: nonEmpty.optional(),
  caFile: nonEmpty.optional(),
  /** PEM (or base64 of PEM) of the client certificate. */
  certData: nonEmpty.optional(),
  certFile: nonEmpty.optional(),
  /** PEM (or base64 of PEM) of the client key. A secret. */
  keyData: nonEmpty.optional(),
  keyFile: nonEmpty.optional(),
  insecureSkipVerify: z.boolean().optional(),
  /** Name to send in SNI and to verify the server certificate against. */
  serverName: nonEmpty.max(253).optional(),
});
export type TlsSpec = z.infer<typeof TlsSpecSchema>;

const serverUrl = z
  .string()
  .min(1)
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password && u.hostname !== '';
    } catch {
      return false;
    }
  }, 'expected an http(s) URL without credentials, e.g. https://10.0.0.1:6443');

export const ClusterSpecBaseSchema = z.strictObject({
  clusterId: z.string().max(63, 'must be at most 63 characters').regex(RFC1123_LABEL, 'must be an RFC 1123 label (lower-case letters, digits and "-", starting and ending with a letter or digit)'),
  name: nonEmpty.max(253).optional(),
  environment: nonEmpty.max(63).optional(),
  region: nonEmpty.max(63).optional(),
  labels: z.record(z.string().min(1).max(317), z.string().max(63)).default({}),
  authMethod: AuthMethodSchema,
  /** Inline kubeconfig YAML (KUBECONFIG). A secret. */
  kubeconfig: nonEmpty.optional(),
  kubeconfigPath: nonEmpty.optional(),
  /** Kubeconfig context; default its current-context. */
  context: nonEmpty.optional(),
  /** API server URL (TOKEN, SERVICE_ACCOUNT). */
  server: serverUrl.optional(),
  /** Bearer token (TOKEN). A secret. */
  token: nonEmpty.optional(),
  /** File holding the bearer token, re-read when it changes (SERVICE_ACCOUNT). */
  tokenFile: nonEmpty.optional(),
  tls: TlsSpecSchema.optional(),
  /** GET/LIST requests per second (client-go default 5). */
  qps: z.number().positive().max(10_000).default(5),
  burst: z.int().min(1).max(100_000).default(10),
  /** Deadline of every request and of the health probe. */
  timeoutSeconds: z.int().min(1).max(600).default(30),
  /** What to watch; default the built-in set. "*" = every discovered kind, "!X" denies X. */
  kinds: z.array(z.string().regex(KIND_PATTERN, 'expected "*", a kind name such as "Pod" or "apps/Deployment", or "!name" to deny')).min(1).max(500).optional(),
  /** Keep Secret data values in the catalog instead of redacting them. */
  keepSecretValues: z.boolean().default(false),
});

/** Fields each auth method needs, and fields that make no sense with it. */
const AUTH_FIELDS: Record<AuthMethod, { required: Array<keyof ClusterSpecInputShape>; forbidden: Array<keyof ClusterSpecInputShape> }> = {
  KUBECONFIG: { required: [], forbidden: ['server', 'token', 'tokenFile'] },
  TOKEN: { required: ['server', 'token'], forbidden: ['kubeconfig', 'kubeconfigPath', 'context', 'tokenFile'] },
  SERVICE_ACCOUNT: { required: ['server', 'tokenFile'], forbidden: ['kubeconfig', 'kubeconfigPath', 'context', 'token'] },
  IN_CLUSTER: { required: [], forbidden: ['kubeconfig', 'kubeconfigPath', 'context', 'server', 'token', 'tokenFile'] },
};

type ClusterSpecInputShape = z.infer<typeof ClusterSpecBaseSchema>;

/** The full structural schema: base fields plus the per-auth-method rules. */
export const ClusterSpecSchema = ClusterSpecBaseSchema.superRefine((spec, ctx) => {
  const rules = AUTH_FIELDS[spec.authMethod];
  for (const field of rules.required) {
    if (spec[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `required for authMethod ${spec.authMethod}` });
  }
  for (const field of rules.forbidden) {
    if (spec[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: `not used with authMethod ${spec.authMethod}` });
  }
  if (spec.kubeconfig !== undefined && spec.kubeconfigPath !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['kubeconfigPath'], message: 'give either kubeconfig (inline) or kubeconfigPath, not both' });
  }
  const tls = spec.tls;
  if (tls) {
    for (const [data, file] of [['caData', 'caFile'], ['certData', 'certFile'], ['keyData', 'keyFile']] as const) {
      if (tls[data] !== undefined && tls[file] !== undefined) ctx.addIssue({ code: 'custom', path: ['tls', file], message: `give either ${data} or ${file}, not both` });
    }
    const hasCert = tls.certData !== undefined || tls.certFile !== undefined;
    const hasKey = tls.keyData !== undefined || tls.keyFile !== undefined;
    if (hasCert && !hasKey) ctx.addIssue({ code: 'custom', path: ['tls', 'keyData'], message: 'a client certificate needs a key (keyData or keyFile)' });
    if (hasKey && !hasCert) ctx.addIssue({ code: 'custom', path: ['tls', 'certData'], message: 'a client key needs a certificate (certData or certFile)' });
  }
});

/** One validated cluster entry, defaults applied, file paths absolute. Holds secrets: never log or return it as is. */
export type ClusterSpec = z.infer<typeof ClusterSpecSchema>;

/** The fields of a ClusterSpec that hold secrets (redacted from logs, encrypted at rest when a key is set). */
export const SECRET_FIELDS = ['token', 'kubeconfig', 'tls.keyData', 'tls.certData'] as const;

/** The file-path fields of a ClusterSpec, resolved against clusterFilesDir. */
export const PATH_FIELDS = ['kubeconfigPath', 'tokenFile', 'tls.caFile', 'tls.certFile', 'tls.keyFile'] as const;
export type PathField = (typeof PATH_FIELDS)[number];

/** Reads a path field ("tls.caFile") of a spec. */
export function getPathField(spec: Pick<ClusterSpec, 'kubeconfigPath' | 'tokenFile' | 'tls'>, field: PathField): string | undefined {
  switch (field) {
    case 'kubeconfigPath':
      return spec.kubeconfigPath;
    case 'tokenFile':
      return spec.tokenFile;
    case 'tls.caFile':
      return spec.tls?.caFile;
    case 'tls.certFile':
      return spec.tls?.certFile;
    case 'tls.keyFile':
      return spec.tls?.keyFile;
  }
}

/** Returns a copy of the spec with every path field passed through `fn`. */
export function mapPathFields<T extends Pick<ClusterSpec, 'kubeconfigPath' | 'tokenFile' | 'tls'>>(spec: T, fn: (p: string, field: PathField) => string): T {
  const out: T = { ...spec, ...(spec.tls ? { tls: { ...spec.tls } } : {}) };
  if (out.kubeconfigPath !== undefined) out.kubeconfigPath = fn(out.kubeconfigPath, 'kubeconfigPath');
  if (out.tokenFile !== undefined) out.tokenFile = fn(out.tokenFile, 'tokenFile');
  if (out.tls) {
    if (out.tls.caFile !== undefined) out.tls.caFile = fn(out.tls.caFile, 'tls.caFile');
    if (out.tls.certFile !== undefined) out.tls.certFile = fn(out.tls.certFile, 'tls.certFile');
    if (out.tls.keyFile !== undefined) out.tls.keyFile = fn(out.tls.keyFile, 'tls.keyFile');
  }
  return out;
}

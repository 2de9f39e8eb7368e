import { builder } from '../builder.js';
import { ClusterRef } from './refs.js';
import { AuthMethodEnum } from './enums.js';

const TlsInput = builder.inputType('TlsInput', {
  fields: (t) => ({
    caData: t.string({ required: false, description: 'PEM' }),
    caFile: t.string({ required: false }),
    certData: t.string({ required: false }),
    certFile: t.string({ required: false }),
    keyData: t.string({ required: false }),
    keyFile: t.string({ required: false }),
    insecureSkipVerify: t.boolean({ required: false }),
    serverName: t.string({ required: false }),
  }),
});

const AddClusterInput = builder.inputType('AddClusterInput', {
  fields: (t) => ({
    clusterId: t.string({ required: true, description: 'RFC 1123 label, unique.' }),
    name: t.string({ required: false }),
    environment: t.string({ required: false }),
    region: t.string({ required: false }),
    labels: t.field({ type: 'JSON', required: false }),
    authMethod: t.field({ type: AuthMethodEnum, required: true }),
    kubeconfig: t.string({ required: false, description: 'Inline kubeconfig YAML (KUBECONFIG auth).' }),
    kubeconfigPath: t.string({ required: false, description: 'Must lie under the configured clusterFilesDir.' }),
    context: t.string({ required: false }),
    server: t.string({ required: false, description: 'API server URL (TOKEN / SERVICE_ACCOUNT auth).' }),
    token: t.string({ required: false, description: 'Bearer token (TOKEN).' }),
    tokenFile: t.string({ required: false, description: 'Service account token file (SERVICE_ACCOUNT); re-read when it changes.' }),
    tls: t.field({ type: TlsInput, required: false }),
    qps: t.float({ required: false }),
    burst: t.int({ required: false }),
    timeoutSeconds: t.int({ required: false }),
    kinds: t.stringList({ required: false, description: 'What to watch; default: the built-in set. "*" adds every discovered kind; "!name" denies.' }),
    keepSecretValues: t.boolean({ required: false, description: 'Keep Secret data values in the catalog (default: redacted).' }),
  }),
});

/** Drops the keys a client left null, so validation sees only what was given. */
function compact(input: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) {
    if (v === null || v === undefined) continue;
    out[k] = typeof v === 'object' && !Array.isArray(v) && k === 'tls' ? compact(v as object) : v;
  }
  return out;
}

builder.mutationType({
  fields: (t) => ({
    addCluster: t.field({
      type: ClusterRef,
      authScopes: { admin: true },
      description: 'Validates the input, then connects in the background; the cluster is returned CONNECTING unless waitForReady.',
      args: {
        input: t.arg({ type: AddClusterInput, required: true }),
        waitForReady: t.arg.boolean({ required: false, defaultValue: false, description: 'Wait up to the cluster timeout for READY (or a final state).' }),
      },
      resolve: (_root, args, ctx) => ctx.services.clusters.add(compact(args.input), { waitForReady: args.waitForReady ?? false }),
    }),
    removeCluster: t.boolean({
      authScopes: { admin: true },
      description: 'Stops watching the cluster and removes its resources from the catalog (subscribers get DELETED events).',
      args: { clusterId: t.arg.string({ required: true }) },
      resolve: (_root, args, ctx) => ctx.services.clusters.remove(args.clusterId),
    }),
  }),
});

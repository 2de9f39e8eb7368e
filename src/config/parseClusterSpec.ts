import { badInput } from './badInput.js';
import { checkClusterMaterial, type ClusterMaterialContext } from './clusterMaterial.js';
import { ClusterSpecSchema, mapPathFields, type ClusterSpec } from './clusterSpecSchema.js';
import { describeIssue, formatPath } from './issues.js';
import { resolveSpecPath } from './filePaths.js';

export type ParseClusterSpecContext = ClusterMaterialContext;

/**
 * Validates one cluster entry completely (the addCluster mutation's input, or
 * a persisted entry): structure, auth-method fields, then everything it refers
 * to (see checkClusterMaterial). Relative paths resolve against
 * `clusterFilesDir`; for `source: 'runtime'` they must stay inside it.
 * `null` values count as absent (GraphQL clients send them for optional fields).
 *
 * Throws a KubeatlasError BAD_USER_INPUT whose `details.field` names the first
 * offending field ("clusterId", "tls.caFile", "context"); the message never
 * contains a secret value or file contents.
 */
export function parseClusterSpec(input: unknown, ctx: ParseClusterSpecContext): ClusterSpec {
  const spec = parseClusterSpecShape(input, ctx);
  checkClusterMaterial(spec, ctx);
  return spec;
}

/** Structure and auth-method rules only (no file access), paths made absolute. */
export function parseClusterSpecShape(input: unknown, ctx: Pick<ParseClusterSpecContext, 'clusterFilesDir' | 'source'>): ClusterSpec {
  const parsed = ClusterSpecSchema.safeParse(withoutNulls(input));
  if (!parsed.success) {
    const { path, problem } = describeIssue(parsed.error.issues[0]);
    throw badInput(formatPath(path), problem);
  }
  const spec = parsed.data;
  if (ctx.source === 'runtime' && spec.authMethod === 'KUBECONFIG' && spec.kubeconfig === undefined && spec.kubeconfigPath === undefined) {
    throw badInput('kubeconfigPath', 'kubeconfig (inline) or kubeconfigPath is required for clusters added at runtime');
  }
  return mapPathFields(spec, (p) => resolveSpecPath(p, ctx.clusterFilesDir));
}

function withoutNulls(input: unknown): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) {
    if (v === null) continue;
    out[k] = k === 'tls' ? withoutNulls(v) : v;
  }
  return out;
}

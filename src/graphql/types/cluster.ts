import { builder } from '../builder.js';
import { ClusterRef } from './refs.js';
import { AuthMethodEnum, ClusterStatusEnum } from './enums.js';
import { ResourceFilterInput } from './filter.js';
import { ResourceConnectionRef, queryResources } from './resourceConnection.js';

const ClusterSyncRef = builder.objectRef<{ kindsTotal: number; kindsSynced: number; objects: number; progress: number }>('ClusterSync').implement({
  fields: (t) => ({
    kindsTotal: t.exposeInt('kindsTotal'),
    kindsSynced: t.exposeInt('kindsSynced'),
    objects: t.exposeInt('objects'),
    progress: t.exposeFloat('progress', { description: '0..1' }),
  }),
});

builder.node(ClusterRef, {
  description: 'A Kubernetes cluster kubeatlas watches. Never carries credentials.',
  id: { resolve: (c) => c.clusterId },
  isTypeOf: (v) => typeof v === 'object' && v !== null && 'clusterId' in v && 'authMethod' in v,
  loadOne: (id, ctx) => ctx.services.clusters.get(String(id)) ?? null,
  fields: (t) => ({
    clusterId: t.exposeString('clusterId', { description: 'The configured id, e.g. "prod-us-east-1".' }),
    name: t.exposeString('name'),
    environment: t.string({ nullable: true, resolve: (c) => c.environment ?? null }),
    region: t.string({ nullable: true, resolve: (c) => c.region ?? null }),
    labels: t.field({ type: 'JSON', resolve: (c) => c.labels }),
    authMethod: t.field({ type: AuthMethodEnum, resolve: (c) => c.authMethod }),
    server: t.exposeString('server', { description: 'API server URL, never credentials.' }),
    status: t.field({ type: ClusterStatusEnum, resolve: (c) => c.status }),
    version: t.string({ nullable: true, description: 'e.g. "v1.28.7", from /version.', resolve: (c) => c.version ?? null }),
    nodeCount: t.int({ nullable: true, resolve: (c, _a, ctx) => (c.sync.kindsSynced > 0 ? ctx.services.countOf(c.clusterId, 'Node') : null) }),
    namespaceCount: t.int({ nullable: true, resolve: (c, _a, ctx) => (c.sync.kindsSynced > 0 ? ctx.services.countOf(c.clusterId, 'Namespace') : null) }),
    lastError: t.string({ nullable: true, resolve: (c) => c.lastError ?? null }),
    sync: t.field({ type: ClusterSyncRef, resolve: (c) => c.sync }),
    source: t.string({ description: '"config" (from the config file) or "runtime" (added with addCluster).', resolve: (c) => c.source }),
    resources: t.field({
      type: ResourceConnectionRef,
      args: {
        filter: t.arg({ type: ResourceFilterInput, required: false }),
        first: t.arg.int({ required: false }),
        after: t.arg.string({ required: false }),
      },
      complexity: (args) => ({ field: 1, multiplier: Math.min(args.first ?? 100, 500) }),
      resolve: (c, args, ctx) => {
        const wanted = args.filter?.clusters;
        // A filter naming other clusters selects nothing here; an empty cluster id never exists.
        const clusters = wanted && !wanted.includes(c.clusterId) ? [''] : [c.clusterId];
        return queryResources(ctx, { ...(args.filter ?? {}), clusters }, args.first, args.after);
      },
    }),
  }),
});

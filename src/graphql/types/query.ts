import { builder } from '../builder.js';
import { kindKey } from '../../kube/kinds.js';
import { KubeatlasError } from '../../util/errors.js';
import { ClusterRef, ResourceKindRef, ResourceRef } from './refs.js';
import { ResourceFilterInput } from './filter.js';
import { ResourceConnectionRef, queryResources } from './resourceConnection.js';

builder.queryType({
  fields: (t) => ({
    clusters: t.field({
      type: [ClusterRef],
      description: 'Every cluster, ordered by clusterId.',
      resolve: (_root, _args, ctx) => ctx.services.clusters.list(),
    }),
    cluster: t.field({
      type: ClusterRef,
      nullable: true,
      args: { clusterId: t.arg.string({ required: true }) },
      resolve: (_root, args, ctx) => ctx.services.clusters.get(args.clusterId) ?? null,
    }),
    resources: t.field({
      type: ResourceConnectionRef,
      description: 'Resources across clusters, ordered by (cluster, namespace, name, kind). Cursors stay valid while objects change.',
      args: {
        filter: t.arg({ type: ResourceFilterInput, required: false }),
        first: t.arg.int({ required: false, defaultValue: 100 }),
        after: t.arg.string({ required: false }),
      },
      complexity: (args) => ({ field: 1, multiplier: Math.min(args.first ?? 100, 500) }),
      resolve: (_root, args, ctx) => queryResources(ctx, args.filter, args.first, args.after),
    }),
    resource: t.field({
      type: ResourceRef,
      nullable: true,
      args: {
        clusterId: t.arg.string({ required: true }),
        kind: t.arg.string({ required: true, description: 'As in ResourceFilter.kinds.' }),
        namespace: t.arg.string({ required: false }),
        name: t.arg.string({ required: true }),
      },
      resolve: (_root, args, ctx) => {
        const candidates = ctx.services.resolveKind(args.clusterId, args.kind);
        for (const k of candidates) {
          const r = ctx.services.store.get(args.clusterId, kindKey(k), k.namespaced ? (args.namespace ?? '') : '', args.name);
          if (r) return r;
        }
        return null;
      },
    }),
    kinds: t.field({
      type: [ResourceKindRef],
      description: 'Kinds in the catalog with their object counts (all clusters, or one).',
      args: { clusterId: t.arg.string({ required: false }) },
      resolve: (_root, args, ctx) => {
        if (args.clusterId && !ctx.services.clusters.get(args.clusterId))
          throw new KubeatlasError('NOT_FOUND', `no cluster with id "${args.clusterId}"`, { clusterId: args.clusterId });
        return ctx.services.store.kinds(args.clusterId ?? undefined);
      },
    }),
  }),
});

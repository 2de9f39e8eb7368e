import { builder } from '../builder.js';
import { apiVersionOf } from '../../kube/kinds.js';
import type { ResourceRecord } from '../../store/types.js';
import type { ClusterView, RelationTypeValue } from '../services.js';
import { ClusterRef, RelationRef, ResourceRef } from './refs.js';
import { RelationDirectionEnum, RelationTypeEnum } from './enums.js';

/** Splits a Resource's local id "clusterId/uid". */
export function parseResourceId(id: string): { clusterId: string; uid: string } | undefined {
  const i = id.indexOf('/');
  if (i <= 0 || i === id.length - 1) return undefined;
  return { clusterId: id.slice(0, i), uid: id.slice(i + 1) };
}

builder.node(ResourceRef, {
  description: 'One Kubernetes object of one cluster, as the catalog holds it.',
  id: { resolve: (r) => `${r.clusterId}/${r.uid}` },
  isTypeOf: (v) => typeof v === 'object' && v !== null && 'resourceVersion' in v && 'json' in v,
  loadOne: (id, ctx) => {
    const parsed = parseResourceId(String(id));
    return parsed ? (ctx.services.store.getByUid(parsed.clusterId, parsed.uid) ?? null) : null;
  },
  fields: (t) => ({
    clusterId: t.exposeString('clusterId'),
    cluster: t.field({
      type: ClusterRef,
      resolve: (r, _args, ctx): ClusterView =>
        ctx.services.clusters.get(r.clusterId) ?? {
          // The cluster was removed while this record was in flight (e.g. a DELETED event after removeCluster).
          clusterId: r.clusterId,
          name: r.clusterId,
          labels: {},
          authMethod: 'TOKEN',
          server: '',
          status: 'UNREACHABLE',
          lastError: 'cluster removed',
          sync: { kindsTotal: 0, kindsSynced: 0, objects: 0, progress: 0 },
          source: 'runtime',
        },
    }),
    apiVersion: t.string({ resolve: (r) => apiVersionOf(r.kind) }),
    kind: t.string({ resolve: (r) => r.kind.kind }),
    namespace: t.string({ nullable: true, resolve: (r) => (r.namespace === '' ? null : r.namespace) }),
    name: t.exposeString('name'),
    uid: t.exposeString('uid'),
    resourceVersion: t.exposeString('resourceVersion'),
    labels: t.field({ type: 'JSON', resolve: (r) => r.labels }),
    annotations: t.field({
      type: 'JSON',
      resolve: (r, _args, ctx) => ctx.services.store.objectOf(r).metadata.annotations ?? {},
    }),
    creationTimestamp: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.creationTimestamp ?? null }),
    status: t.string({ nullable: true, description: 'One-word summary: Running, Pending, CrashLoopBackOff, Available, Bound, Ready, ...', resolve: (r) => r.status ?? null }),
    object: t.field({
      type: 'JSON',
      description: 'The whole object: managedFields and the last-applied annotation removed, Secret values redacted unless the cluster opts in.',
      complexity: 2,
      resolve: (r, _args, ctx) => ctx.services.store.objectOf(r),
    }),
    relations: t.field({
      type: [RelationRef],
      args: {
        types: t.arg({ type: [RelationTypeEnum], required: false }),
        direction: t.arg({ type: RelationDirectionEnum, required: false, defaultValue: 'BOTH' }),
      },
      resolve: (r, args, ctx) =>
        ctx.services.relations.relations(r, {
          types: (args.types ?? undefined) as RelationTypeValue[] | undefined,
          direction: args.direction ?? 'BOTH',
        }),
    }),
    related: t.field({
      type: [ResourceRef],
      description: 'Resources reachable through relations, breadth first, each once, the start excluded.',
      args: {
        types: t.arg({ type: [RelationTypeEnum], required: false }),
        direction: t.arg({ type: RelationDirectionEnum, required: false, defaultValue: 'BOTH' }),
        depth: t.arg.int({ required: false, defaultValue: 1, description: '1 to 5.' }),
      },
      complexity: (args) => ({ field: 5 * (args.depth ?? 1), multiplier: 10 }),
      resolve: (r: ResourceRecord, args, ctx) =>
        ctx.services.relations.related(r, {
          types: (args.types ?? undefined) as RelationTypeValue[] | undefined,
          direction: args.direction ?? 'BOTH',
          depth: args.depth ?? 1,
        }),
    }),
  }),
});

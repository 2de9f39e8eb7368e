import { builder } from '../builder.js';
import { RelationRef, ResourceRef, ResourceRefRef } from './refs.js';
import { RelationDirectionEnum, RelationTypeEnum } from './enums.js';

ResourceRefRef.implement({
  description: 'Names a resource that may or may not be in the catalog.',
  fields: (t) => ({
    clusterId: t.exposeString('clusterId'),
    apiVersion: t.exposeString('apiVersion'),
    kind: t.exposeString('kind'),
    namespace: t.string({ nullable: true, resolve: (r) => r.namespace || null }),
    name: t.exposeString('name'),
    uid: t.string({ nullable: true, resolve: (r) => r.uid ?? null }),
  }),
});

RelationRef.implement({
  fields: (t) => ({
    type: t.field({ type: RelationTypeEnum, resolve: (r) => r.type }),
    direction: t.field({
      type: RelationDirectionEnum,
      description: 'OUTGOING: this resource -> other; INCOMING: other -> this resource.',
      resolve: (r) => r.direction,
    }),
    other: t.field({ type: ResourceRefRef, resolve: (r) => r.other }),
    resource: t.field({ type: ResourceRef, nullable: true, description: 'The other end; null while it is not in the catalog.', resolve: (r) => r.otherRecord ?? null }),
  }),
});

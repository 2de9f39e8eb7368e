import { builder } from '../builder.js';
import type { ResourceRecord, ResourceFilterInput } from '../../store/types.js';
import { KubeatlasError } from '../../util/errors.js';
import type { Context } from '../context.js';
import { PageInfoRef, type PageInfoShape } from './pageInfo.js';
import { ResourceRef } from './refs.js';

export interface ResourceEdgeShape {
  cursor: string;
  node: ResourceRecord;
}

export interface ResourceConnectionShape {
  edges: ResourceEdgeShape[];
  pageInfo: PageInfoShape;
  totalCount: number;
}

export const ResourceEdgeRef = builder.objectRef<ResourceEdgeShape>('ResourceEdge').implement({
  fields: (t) => ({
    cursor: t.exposeString('cursor'),
    node: t.field({ type: ResourceRef, resolve: (e) => e.node }),
  }),
});

export const ResourceConnectionRef = builder.objectRef<ResourceConnectionShape>('ResourceConnection').implement({
  fields: (t) => ({
    // The page size is already the multiplier of the field returning the connection.
    edges: t.field({ type: [ResourceEdgeRef], complexity: { field: 0, multiplier: 1 }, resolve: (c) => c.edges }),
    pageInfo: t.field({ type: PageInfoRef, resolve: (c) => c.pageInfo }),
    totalCount: t.exposeInt('totalCount', { description: 'Matches across all pages.' }),
  }),
});

/**
 * Runs a resource query from the store. `first` defaults to the configured
 * page size and may not exceed the maximum (BAD_USER_INPUT); `after` is a
 * cursor from a previous page.
 */
export function queryResources(
  ctx: Context,
  filter: ResourceFilterInput | null | undefined,
  first: number | null | undefined,
  after: string | null | undefined,
): ResourceConnectionShape {
  const { limits } = ctx.services;
  const size = first ?? limits.defaultPageSize;
  if (!Number.isInteger(size) || size < 0) throw new KubeatlasError('BAD_USER_INPUT', '`first` must be a non-negative integer', { field: 'first' });
  if (size > limits.maxPageSize)
    throw new KubeatlasError('BAD_USER_INPUT', `\`first\` may be at most ${limits.maxPageSize}; page with \`after\``, { field: 'first', max: limits.maxPageSize });
  const compiled = ctx.services.compileFilter(filter);
  const page = ctx.services.store.query(compiled, { first: size, after: after ?? undefined });
  const edges = page.records.map((node, i) => ({ node, cursor: page.cursors[i] }));
  return {
    edges,
    totalCount: page.totalCount,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: Boolean(after),
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

import SchemaBuilder from '@pothos/core';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import RelayPlugin from '@pothos/plugin-relay';
import ComplexityPlugin from '@pothos/plugin-complexity';
import { KubeatlasError } from '../util/errors.js';
import type { Context } from './context.js';

/**
 * The one Pothos builder. Plugins are declared here once; every GraphQL type
 * lives in its own file under ./types and registers itself on this builder.
 */
export const builder = new SchemaBuilder<{
  Context: Context;
  Scalars: {
    JSON: { Input: unknown; Output: unknown };
    DateTime: { Input: Date; Output: Date | string };
  };
  AuthScopes: { admin: boolean };
  DefaultFieldNullability: false;
}>({
  plugins: [ScopeAuthPlugin, RelayPlugin, ComplexityPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (ctx) => ({ admin: ctx.auth.admin }),
    unauthorizedError: () =>
      new KubeatlasError('FORBIDDEN', 'changing clusters is not allowed: start kubeatlas with enableMutations: true (or --enable-mutations)'),
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodesQueryOptions: false,
  },
  complexity: {
    defaultComplexity: 1,
    defaultListMultiplier: 10,
    limit: (ctx) => ({
      complexity: ctx.services.limits.maxQueryComplexity,
      depth: ctx.services.limits.maxQueryDepth,
      breadth: ctx.services.limits.maxQueryComplexity,
    }),
    complexityError: (kind, result) =>
      new KubeatlasError(
        'LIMIT_EXCEEDED',
        String(kind) === 'Depth'
          ? `query depth ${result.depth} exceeds the maximum of ${result.maxDepth}`
          : String(kind) === 'Breadth'
            ? `query selects ${result.breadth} fields, more than the maximum of ${result.maxBreadth}`
            : `query complexity ${result.complexity} exceeds the maximum of ${result.maxComplexity}`,
        { limit: String(kind).toLowerCase() },
      ),
  },
});

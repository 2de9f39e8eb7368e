import type { GraphQLSchema } from 'graphql';
import { builder } from './builder.js';
import './scalars.js';
import './types/enums.js';
import './types/pageInfo.js';
import './types/filter.js';
import './types/refs.js';
import './types/resourceConnection.js';
import './types/resource.js';
import './types/relation.js';
import './types/cluster.js';
import './types/kind.js';
import './types/query.js';
import './types/events.js';
import './types/mutations.js';

let schema: GraphQLSchema | undefined;

/** The kubeatlas GraphQL schema (built once). */
export function buildSchema(): GraphQLSchema {
  schema ??= builder.toSchema({ sortSchema: false });
  return schema;
}

/** Relationship discovery and traversal: see RelationGraph. */
export { RelationGraph } from './relationGraph.js';
export {
  RELATION_TYPES,
  type RelationType,
  type RelationDirection,
  type EdgeDirection,
  type Relation,
  type ResourceRef,
  type RelationsOptions,
  type RelatedOptions,
  type RelationStats,
} from './types.js';

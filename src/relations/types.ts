import type { ResourceRecord } from '../store/types.js';

/**
 * The public shapes of relationship discovery: relation types and directions
 * (the GraphQL enums RelationType / RelationDirection), references to the
 * other end of an edge, and the options of RelationGraph queries.
 */

/** In the order of the GraphQL enum; the index is the type's numeric code in packed edges. */
export const RELATION_TYPES = [
  'OWNED_BY',
  'RUNS_ON',
  'USES',
  'SELECTS',
  'ROUTES_TO',
  'BOUND_TO',
  'SCALES',
  'BINDS',
  'EVENT_FOR',
  'MANAGES',
] as const;

export type RelationType = (typeof RELATION_TYPES)[number];

/** Numeric code of a relation type (its index in RELATION_TYPES, 0..15). */
export const RELATION_TYPE_CODE: Readonly<Record<RelationType, number>> = Object.freeze(
  Object.fromEntries(RELATION_TYPES.map((t, i) => [t, i])) as Record<RelationType, number>,
);

export type EdgeDirection = 'OUTGOING' | 'INCOMING';
export type RelationDirection = EdgeDirection | 'BOTH';

/**
 * Names the other end of an edge, whether or not it is in the catalog. Edges
 * never cross clusters, so `clusterId` is always the source's cluster.
 */
export interface ResourceRef {
  clusterId: string;
  apiVersion: string;
  kind: string;
  /** Absent for cluster-scoped objects. */
  namespace?: string;
  name: string;
  /** Known when the reference carries it (ownerReferences, targetRef, claimRef, involvedObject) or the object is in the catalog. */
  uid?: string;
}

/** One edge seen from one of its ends. */
export interface Relation {
  type: RelationType;
  /** OUTGOING: the queried resource -> other; INCOMING: other -> the queried resource. */
  direction: EdgeDirection;
  other: ResourceRef;
  /** The other end's current record; undefined while it is not in the catalog. */
  otherRecord: ResourceRecord | undefined;
}

export interface RelationsOptions {
  /** Only these types; undefined or empty = every type. */
  types?: readonly RelationType[];
  direction: RelationDirection;
}

export interface RelatedOptions extends RelationsOptions {
  /** 1..5 hops. */
  depth: number;
  /** Upper bound on the number of resources returned (default 1000); more is LIMIT_EXCEEDED. */
  maxNodes?: number;
}

export interface RelationStats {
  /** Edges held (MANAGES is derived from OWNED_BY at query time and not counted). */
  edges: number;
  /** Edges whose target is not in the catalog now. */
  unresolved: number;
  /** Estimated bytes held by the graph's edge pool, references and selector index (allocated capacity, so an upper estimate: the benchmark measures about 60% of it on the heap). */
  approxBytes: number;
}

/**
 * What a rule says an object points at. The graph interns it as a reference
 * that resolves by uid (`byUid`, when the wire reference carries one that
 * identifies the target instance) or by (kind, namespace, name).
 */
export interface TargetRef {
  /** apiVersion of the target ("v1", "apps/v1"); may be "" when the wire reference omits it (then the kind is looked up among known kinds). */
  apiVersion: string;
  kind: string;
  /** "" for cluster-scoped targets. */
  namespace: string;
  name: string;
  uid?: string;
  /** Resolve through the uid (requires `uid`); otherwise through kind/namespace/name. */
  byUid: boolean;
}

/** One edge a rule derives from a source object. */
export interface RuleEdge {
  type: RelationType;
  target: TargetRef;
}

/** Who the source object is, as the rules need it. */
export interface SourceInfo {
  clusterId: string;
  /** kindKey() of the source's kind: "Pod", "apps/Deployment". */
  kindKey: string;
  /** "" for cluster-scoped sources. */
  namespace: string;
  name: string;
}

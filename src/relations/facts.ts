import type { TargetRef } from './types.js';

/**
 * What the relation rules derived from one object: its rule edges (every
 * relation type but SELECTS and MANAGES), in rule order, as the graph holds
 * them. Kept with the object in the Redis snapshot so that a warm restart
 * re-creates the edges without decoding the object and running the rules.
 *
 * Facts are valid only for the rules that made them: any change to a rule's
 * output must bump RELATION_RULES_VERSION (a snapshot written under another
 * version is loaded without its facts, and the rules run on the objects).
 */
export interface RelationFacts {
  /** RELATION_TYPE_CODE of each target's edge. */
  readonly codes: readonly number[];
  readonly targets: readonly TargetRef[];
}

/**
 * Facts decoded on demand (a snapshot load hands them over undecoded; the
 * graph decodes them when it indexes the record). Undefined = unusable:
 * the rules run on the object instead.
 */
export type LazyRelationFacts = () => RelationFacts | undefined;

/** Version of the rules in ./rules: bump it when the edges a rule derives from an object change. */
export const RELATION_RULES_VERSION = 1;

import { bindsRule } from './binds.js';
import { boundToRule } from './boundTo.js';
import { eventForRule } from './eventFor.js';
import { ownedByRule } from './ownedBy.js';
import type { EdgeRule } from './rule.js';
import { routesToRule } from './routesTo.js';
import { runsOnRule } from './runsOn.js';
import { scalesRule } from './scales.js';
import { usesRule } from './uses.js';

export type { EdgeRule } from './rule.js';
export { selectorInputOf, selectorOf, SELECTOR_KIND_KEYS, SELECTED_KIND_KEY } from './selects.js';
export { managedPods, managersOf, MANAGER_KIND_KEYS, MANAGED_KIND_KEY, type OwnershipView } from './manages.js';

/**
 * Every rule that derives edges from one object alone. SELECTS (needs the
 * pods) and MANAGES (derived from OWNED_BY) are handled by the graph.
 */
export const EDGE_RULES: readonly EdgeRule[] = Object.freeze([ownedByRule, runsOnRule, usesRule, routesToRule, boundToRule, scalesRule, bindsRule, eventForRule]);

const byKind = new Map<string, readonly EdgeRule[]>();

/** The edge rules that read objects of a kind (always at least OWNED_BY). */
export function edgeRulesFor(kindKey: string): readonly EdgeRule[] {
  let rules = byKind.get(kindKey);
  if (!rules) {
    rules = EDGE_RULES.filter((r) => r.sourceKinds === '*' || r.sourceKinds.includes(kindKey));
    byKind.set(kindKey, rules);
  }
  return rules;
}

import type { KubeObject } from '../../kube/types.js';
import { LabelSelector, LabelSelectorError, selectorFromMap, selectorFromObject, type LabelSelectorObject } from '../../kube/labelSelector.js';
import { obj, path, str } from './wire.js';

/** The kinds whose objects select pods, by kindKey. */
export const SELECTOR_KIND_KEYS: ReadonlySet<string> = new Set(['Service', 'policy/PodDisruptionBudget', 'networking.k8s.io/NetworkPolicy']);

/** kindKey of the selected kind. */
export const SELECTED_KIND_KEY = 'Pod';

/**
 * The raw selector fields of an object as one string, to tell cheaply that a
 * MODIFIED left the selector alone (equal input, equal selector). Different
 * strings may still denote the same selector (key order); callers then fall
 * back to comparing the parsed selectors.
 */
export function selectorInputOf(o: KubeObject, kindKey: string): string | undefined {
  switch (kindKey) {
    case 'Service':
      return `${str(path(o, 'spec', 'type')) ?? ''}|${JSON.stringify(path(o, 'spec', 'selector')) ?? ''}`;
    case 'policy/PodDisruptionBudget':
      return JSON.stringify(path(o, 'spec', 'selector')) ?? '';
    case 'networking.k8s.io/NetworkPolicy':
      return JSON.stringify(path(o, 'spec', 'podSelector')) ?? '';
    default:
      return undefined;
  }
}

/**
 * SELECTS: Service / PodDisruptionBudget / NetworkPolicy -> every Pod of the
 * same namespace (and cluster) whose labels match its selector. Unlike the
 * other rules the targets depend on other objects, so this rule only states
 * the selector; the graph matches it against pods through the store's label
 * index and keeps the result current as pods and selectors change.
 *
 * Edge cases:
 * - Service: `spec.selector` absent or `{}` selects nothing (its endpoints
 *   are managed by hand); a Service of type ExternalName selects nothing even
 *   with a selector (the endpoint controllers skip it).
 * - PodDisruptionBudget (policy/v1): `spec.selector` absent selects nothing;
 *   `{}` selects every pod of the namespace.
 * - NetworkPolicy: `spec.podSelector: {}` selects every pod of the namespace;
 *   an absent podSelector is the same empty selector on the wire (a Go struct,
 *   not a pointer).
 * - A selector that does not validate (e.g. an unknown matchExpressions
 *   operator) selects nothing rather than failing the object.
 * - Matching is by labels only; pods in any phase (Pending, Succeeded, ...)
 *   are selected, as `kubectl get pods -l` would list them.
 *
 * Returns undefined for objects of other kinds.
 */
export function selectorOf(o: KubeObject, kindKey: string): LabelSelector | undefined {
  try {
    switch (kindKey) {
      case 'Service': {
        if (str(path(o, 'spec', 'type')) === 'ExternalName') return LabelSelector.nothing();
        const sel = obj(path(o, 'spec', 'selector')) as Record<string, string> | undefined;
        return selectorFromMap(sel);
      }
      case 'policy/PodDisruptionBudget':
        return selectorFromObject(obj(path(o, 'spec', 'selector')) as LabelSelectorObject | undefined);
      case 'networking.k8s.io/NetworkPolicy':
        return selectorFromObject((obj(path(o, 'spec', 'podSelector')) ?? {}) as LabelSelectorObject);
      default:
        return undefined;
    }
  } catch (e) {
    if (e instanceof LabelSelectorError || e instanceof TypeError) return LabelSelector.nothing();
    throw e;
  }
}

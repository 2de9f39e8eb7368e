import { BUILTIN_KINDS, kindKey, parseApiVersion } from '../kube/kinds.js';

/**
 * Naming the kind of a reference's target the way the store keys kinds
 * (kindKey: "Pod", "apps/Deployment"), from what a wire reference carries.
 */

const builtinByKind = new Map<string, string[]>();
const builtinNamespaced = new Map<string, boolean>();
for (const k of BUILTIN_KINDS) {
  const key = kindKey(k);
  const list = builtinByKind.get(k.kind) ?? [];
  if (!list.includes(key)) list.push(key);
  builtinByKind.set(k.kind, list);
  builtinNamespaced.set(key, k.namespaced);
}

/** Groups a kind has moved out of: references written against the old group name the same objects. */
const LEGACY_KIND_KEYS: Readonly<Record<string, string>> = {
  'extensions/Deployment': 'apps/Deployment',
  'extensions/ReplicaSet': 'apps/ReplicaSet',
  'extensions/DaemonSet': 'apps/DaemonSet',
  'extensions/Ingress': 'networking.k8s.io/Ingress',
  'extensions/NetworkPolicy': 'networking.k8s.io/NetworkPolicy',
};

/**
 * The kindKey of a reference. With an apiVersion the group comes from it
 * ("apps/v1" + "Deployment" -> "apps/Deployment"). Without one (an HPA
 * scaleTargetRef or an old Event may omit it) the kind is looked up among the
 * built-in kinds: a unique match gives its group, otherwise the core group is
 * assumed (`Event` without apiVersion is the core Event). Kinds that moved
 * out of the `extensions` group map to their current group.
 */
export function targetKindKey(apiVersion: string, kind: string): string {
  // memoized per (apiVersion, kind): called for every target of every event, with few distinct pairs
  let byKind = memo.get(apiVersion);
  if (!byKind) memo.set(apiVersion, (byKind = new Map()));
  let key = byKind.get(kind);
  if (key === undefined) {
    key = computeKindKey(apiVersion, kind);
    if (byKind.size < MEMO_LIMIT) byKind.set(kind, key);
  }
  return key;
}

const memo = new Map<string, Map<string, string>>();
/** Bound per apiVersion, so that garbage kinds on the wire cannot grow the memo without limit. */
const MEMO_LIMIT = 512;

function computeKindKey(apiVersion: string, kind: string): string {
  if (apiVersion) {
    const key = kindKey({ group: parseApiVersion(apiVersion).group, kind });
    return LEGACY_KIND_KEYS[key] ?? key;
  }
  const candidates = builtinByKind.get(kind);
  if (candidates && candidates.length === 1) return candidates[0];
  return kind;
}

/** The apiVersion to show for a reference that omitted it: the built-in kind's, or "" when unknown. */
export function defaultApiVersion(kind: string): string {
  const k = BUILTIN_KINDS.find((b) => b.kind === kind);
  return k ? (k.group ? `${k.group}/${k.version}` : k.version) : '';
}

/** Whether a built-in kind is namespaced; undefined for kinds kubeatlas does not know without discovery. */
export function isNamespacedKind(key: string): boolean | undefined {
  return builtinNamespaced.get(key);
}

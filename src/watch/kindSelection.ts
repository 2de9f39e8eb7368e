import type { KindInfo } from '../kube/kinds.js';
import { BUILTIN_KINDS, kindKey, resolveKindName } from '../kube/kinds.js';
import type { DiscoveredKinds } from './kindDiscovery.js';

/** A kind that was asked for but will not be watched, and why (reported in the cluster's failingKinds). */
export interface SkippedKind {
  /** The kind as configured or as kindKey() ("apps/Deployment"). */
  kind: string;
  reason: string;
}

export interface KindSelection {
  /** Kinds to watch: built-ins first (in BUILTIN_KINDS order), then the others by kindKey. One per kindKey. */
  kinds: KindInfo[];
  skipped: SkippedKind[];
}

/**
 * Turns a cluster's `kinds` setting into the list of kinds to watch.
 *
 * - absent or only "!" entries: the built-in set;
 * - "*": the built-in set plus every listable+watchable discovered kind;
 * - names ("pods", "Deployment", "apps/v1/Deployment", "apps/Deployment",
 *   "widgets.example.kubeatlas.io") select one kind each; a bare name that
 *   matches several kinds prefers the built-in one, then the core group;
 * - "!name" removes a kind (deny wins over any positive entry).
 *
 * With discovery, kinds the server does not serve (or whose group could not
 * be discovered) are skipped with a reason, as are names that match nothing.
 * Without discovery (`undefined`: it failed or was not attempted), built-ins
 * are taken as-is and other names are skipped.
 */
export function selectKinds(spec: readonly string[] | undefined, discovered: DiscoveredKinds | undefined): KindSelection {
  const entries = (spec ?? []).map((s) => s.trim()).filter((s) => s !== '');
  const allows = entries.filter((e) => !e.startsWith('!'));
  const denies = entries.filter((e) => e.startsWith('!')).map((e) => e.slice(1).trim());
  const known = discovered ? discovered.kinds : BUILTIN_KINDS;
  const skipped: SkippedKind[] = [];
  const wanted = new Map<string, KindInfo>();
  const served = new Set(known.map(kindKey));

  const addBuiltins = () => {
    for (const b of BUILTIN_KINDS) {
      const key = kindKey(b);
      if (wanted.has(key)) continue;
      const k = discovered ? discovered.kinds.find((d) => kindKey(d) === key) : b;
      if (k) wanted.set(key, k);
      else skipped.push({ kind: key, reason: notServedReason(b, discovered) });
    }
  };

  if (allows.length === 0) addBuiltins();
  for (const entry of allows) {
    if (entry === '*') {
      addBuiltins();
      for (const k of discovered?.kinds ?? []) if (!wanted.has(kindKey(k))) wanted.set(kindKey(k), k);
      continue;
    }
    const match = resolve(entry, discovered);
    if (match) {
      wanted.set(kindKey(match), match);
      continue;
    }
    // Known by name as a built-in, but not served here?
    const builtin = pick(resolveKindName(entry, BUILTIN_KINDS));
    if (builtin && !served.has(kindKey(builtin))) skipped.push({ kind: entry, reason: notServedReason(builtin, discovered) });
    else skipped.push({ kind: entry, reason: discovered ? 'unknown kind: the API server serves no listable and watchable kind of that name' : 'unknown kind (discovery unavailable)' });
  }

  for (const deny of denies) {
    if (deny === '*') {
      wanted.clear();
      continue;
    }
    // A deny names a kind the way an allow would (same preference among ambiguous matches).
    const match = resolve(deny, discovered) ?? pick(resolveKindName(deny, BUILTIN_KINDS));
    if (match) wanted.delete(kindKey(match));
    for (let i = skipped.length - 1; i >= 0; i--) if ((match && skipped[i].kind === kindKey(match)) || skipped[i].kind === deny) skipped.splice(i, 1);
  }

  const order = new Map(BUILTIN_KINDS.map((k, i) => [kindKey(k), i]));
  const kinds = [...wanted.values()].sort((a, b) => {
    const ia = order.get(kindKey(a)) ?? Infinity;
    const ib = order.get(kindKey(b)) ?? Infinity;
    return ia !== ib ? ia - ib : kindKey(a).localeCompare(kindKey(b));
  });
  return { kinds, skipped };
}

function resolve(entry: string, discovered: DiscoveredKinds | undefined): KindInfo | undefined {
  if (!discovered) {
    return pick(resolveKindName(entry, BUILTIN_KINDS));
  }
  // A name that pins a version resolves among every served version.
  if (entry.split('/').length === 3) return pick(resolveKindName(entry, discovered.allVersions));
  return pick(resolveKindName(entry, discovered.kinds));
}

/** Among several matches prefer a built-in kind, then the core group, then the first. */
function pick(matches: KindInfo[]): KindInfo | undefined {
  if (matches.length <= 1) return matches[0];
  const builtinKeys = new Set(BUILTIN_KINDS.map(kindKey));
  return matches.find((m) => builtinKeys.has(kindKey(m))) ?? matches.find((m) => m.group === '') ?? matches[0];
}

function notServedReason(k: KindInfo, discovered: DiscoveredKinds | undefined): string {
  const failedGroup = discovered?.failedGroupVersions.find((f) => (k.group === '' ? f.groupVersion === k.version : f.groupVersion.startsWith(`${k.group}/`)));
  return failedGroup ? `discovery of ${failedGroup.groupVersion} failed: ${failedGroup.reason}` : 'not served by the API server';
}

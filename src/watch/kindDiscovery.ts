import type { KubeClient } from '../clusters/kubeClient.js';
import { KubeApiError, throwIfNotOk } from '../clusters/kubeClient.js';
import type { KindInfo } from '../kube/kinds.js';
import { BUILTIN_KINDS, kindKey } from '../kube/kinds.js';
import { describeError, KubeatlasError } from '../util/errors.js';

/** What an API server serves, as far as list+watch is concerned. */
export interface DiscoveredKinds {
  /**
   * One entry per (group, kind) that supports list and watch, at the version
   * kubeatlas will watch: the built-in set's version when the server serves
   * it (the shapes the rest of kubeatlas reads), otherwise the first version
   * in the server's preference order that has the kind.
   */
  readonly kinds: readonly KindInfo[];
  /** Every listable+watchable (group, version, kind), for names that pin a version ("autoscaling/v1/HorizontalPodAutoscaler"). */
  readonly allVersions: readonly KindInfo[];
  /** Group-versions that could not be read (an aggregated API that is down), with the reason. */
  readonly failedGroupVersions: ReadonlyArray<{ groupVersion: string; reason: string }>;
  /** Whether the answer came from aggregated discovery (two requests) or per group-version documents. */
  readonly aggregated: boolean;
}

export interface DiscoveryOptions {
  signal?: AbortSignal;
  /** Deadline of each request (default 30 s). */
  timeoutMs?: number;
  /**
   * Named groups whose kinds are needed; `'all'` (default) reads every group.
   * Only limits the per-group-version requests of unaggregated discovery.
   */
  groups?: ReadonlySet<string> | 'all';
  /** Concurrent group-version requests of unaggregated discovery (default 4). */
  concurrency?: number;
}

/** Aggregated discovery (v2, then v2beta1), falling back to the classic documents. */
const AGGREGATED_ACCEPT =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

/**
 * Discovers the listable+watchable kinds of a cluster: `GET /api` and
 * `GET /apis` with the aggregated-discovery Accept (one answer each lists
 * every resource), or, when the server answers the classic APIVersions /
 * APIGroupList, `GET /api/v1` and `GET /apis/{group}/{version}` for every
 * version of every needed group (the server's preference order is kept).
 *
 * Rejects (KubeApiError, or CLUSTER_UNAVAILABLE) only when `/api` or `/apis`
 * themselves fail; a group-version that fails (an aggregated API that is
 * down) is left out and listed in `failedGroupVersions`.
 */
export async function discoverKinds(client: KubeClient, options: DiscoveryOptions = {}): Promise<DiscoveredKinds> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const get = async (path: string, accept?: string): Promise<unknown> => {
    const res = throwIfNotOk(
      client.clusterId,
      await client.request({ method: 'GET', path, signal: options.signal, timeoutMs, headers: { Accept: accept ?? 'application/json' } }),
    );
    try {
      return JSON.parse(res.body.toString('utf8')) as unknown;
    } catch {
      throw new KubeatlasError('UPSTREAM_ERROR', `cluster ${client.clusterId}: discovery ${path} answered a body that is not JSON`, { clusterId: client.clusterId, path });
    }
  };

  const [core, named] = await Promise.all([get('/api', AGGREGATED_ACCEPT), get('/apis', AGGREGATED_ACCEPT)]);
  const versionsByGroup: GroupVersions[] = [];
  const failed: Array<{ groupVersion: string; reason: string }> = [];
  let aggregated = true;

  for (const doc of [core, named]) {
    if (isKind(doc, 'APIGroupDiscoveryList')) {
      versionsByGroup.push(...fromAggregated(doc, failed));
      continue;
    }
    aggregated = false;
    const wanted: Array<{ group: string; version: string }> = [];
    if (isKind(doc, 'APIVersions')) {
      const versions = Array.isArray(doc.versions) ? (doc.versions as unknown[]).filter((v): v is string => typeof v === 'string') : [];
      for (const v of versions.includes('v1') ? ['v1'] : versions) wanted.push({ group: '', version: v });
    } else if (isKind(doc, 'APIGroupList')) {
      for (const g of Array.isArray(doc.groups) ? (doc.groups as unknown[]) : []) {
        const name = (g as { name?: unknown }).name;
        if (typeof name !== 'string') continue;
        if (options.groups !== undefined && options.groups !== 'all' && !options.groups.has(name)) continue;
        for (const v of orderedVersions(g)) wanted.push({ group: name, version: v });
      }
    } else {
      throw new KubeatlasError('UPSTREAM_ERROR', `cluster ${client.clusterId}: discovery answered an unexpected document`, { clusterId: client.clusterId });
    }
    const docs = await mapLimit(wanted, options.concurrency ?? 4, async ({ group, version }) => {
      const gv = group === '' ? version : `${group}/${version}`;
      try {
        const list = await get(group === '' ? `/api/${version}` : `/apis/${group}/${version}`);
        return fromResourceList(group, version, list);
      } catch (err) {
        if (options.signal?.aborted) throw err;
        // The core group is not optional: without it there is nothing to watch.
        if (group === '') throw err;
        failed.push({ groupVersion: gv, reason: err instanceof KubeApiError ? `${err.httpStatus} ${err.status.reason ?? ''}`.trim() : describeError(err) });
        return undefined;
      }
    });
    const merged = new Map<string, GroupVersions>();
    for (const d of docs) {
      if (!d) continue;
      const entry = merged.get(d.group) ?? { group: d.group, versions: [] };
      entry.versions.push(...d.versions);
      merged.set(d.group, entry);
    }
    versionsByGroup.push(...merged.values());
  }

  const allVersions: KindInfo[] = [];
  const chosen = new Map<string, KindInfo>();
  const builtinVersion = new Map(BUILTIN_KINDS.map((k) => [kindKey(k), k.version]));
  for (const g of versionsByGroup) {
    for (const v of g.versions) {
      for (const k of v.kinds) {
        allVersions.push(k);
        const key = kindKey(k);
        const current = chosen.get(key);
        if (!current) chosen.set(key, k);
        else if (builtinVersion.get(key) === k.version && current.version !== k.version) chosen.set(key, k);
      }
    }
  }
  return { kinds: [...chosen.values()], allVersions, failedGroupVersions: failed, aggregated };
}

interface GroupVersions {
  group: string;
  /** In the server's preference order. */
  versions: Array<{ version: string; kinds: KindInfo[] }>;
}

function isKind(doc: unknown, kind: string): doc is Record<string, unknown> {
  return typeof doc === 'object' && doc !== null && (doc as { kind?: unknown }).kind === kind;
}

function isListWatch(verbs: unknown): boolean {
  return Array.isArray(verbs) && verbs.includes('list') && verbs.includes('watch');
}

function stringArray(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
}

/** Versions of an APIGroup, preferred first. */
function orderedVersions(group: unknown): string[] {
  const g = group as { versions?: unknown; preferredVersion?: { version?: unknown } };
  const versions = Array.isArray(g.versions) ? g.versions.map((v) => (v as { version?: unknown }).version).filter((v): v is string => typeof v === 'string') : [];
  const preferred = g.preferredVersion?.version;
  return typeof preferred === 'string' && versions.includes(preferred) ? [preferred, ...versions.filter((v) => v !== preferred)] : versions;
}

function fromResourceList(group: string, version: string, list: unknown): GroupVersions {
  const kinds: KindInfo[] = [];
  const resources = (list as { resources?: unknown }).resources;
  for (const r of Array.isArray(resources) ? resources : []) {
    const { name, kind, namespaced, verbs, shortNames } = r as Record<string, unknown>;
    if (typeof name !== 'string' || name.includes('/') || typeof kind !== 'string' || !isListWatch(verbs)) continue;
    const sn = stringArray(shortNames);
    kinds.push({ group, version, kind, plural: name, namespaced: namespaced === true, ...(sn?.length ? { shortNames: sn } : {}) });
  }
  return { group, versions: [{ version, kinds }] };
}

/** apidiscovery.k8s.io APIGroupDiscoveryList: versions are listed in preference order. */
function fromAggregated(doc: Record<string, unknown>, failed: Array<{ groupVersion: string; reason: string }>): GroupVersions[] {
  const out: GroupVersions[] = [];
  for (const item of Array.isArray(doc.items) ? doc.items : []) {
    const groupName = (item as { metadata?: { name?: unknown } }).metadata?.name;
    const group = typeof groupName === 'string' ? groupName : '';
    const entry: GroupVersions = { group, versions: [] };
    for (const v of Array.isArray((item as { versions?: unknown }).versions) ? (item as { versions: unknown[] }).versions : []) {
      const { version, resources, freshness } = v as Record<string, unknown>;
      if (typeof version !== 'string') continue;
      if (freshness === 'Stale') {
        failed.push({ groupVersion: group === '' ? version : `${group}/${version}`, reason: 'discovery document is stale (aggregated API unavailable)' });
        continue;
      }
      const kinds: KindInfo[] = [];
      for (const r of Array.isArray(resources) ? resources : []) {
        const { resource, responseKind, scope, verbs, shortNames } = r as Record<string, unknown>;
        const kind = (responseKind as { kind?: unknown } | undefined)?.kind;
        if (typeof resource !== 'string' || typeof kind !== 'string' || !isListWatch(verbs)) continue;
        const sn = stringArray(shortNames);
        kinds.push({ group, version, kind, plural: resource, namespaced: scope === 'Namespaced', ...(sn?.length ? { shortNames: sn } : {}) });
      }
      entry.versions.push({ version, kinds });
    }
    out.push(entry);
  }
  return out;
}

/** Maps with at most `limit` calls in flight, keeping order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

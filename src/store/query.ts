import { KubeatlasError } from '../util/errors.js';
import type { ClusterState } from './clusterState.js';
import type { Collection } from './collection.js';
import { decodeCursor, encodeCursor, type QueryKey } from './cursor.js';
import type { LabelGroup } from './labelIndex.js';
import type { LabelSet } from './labelSets.js';
import type { StoredRecord } from './record.js';
import { compareKey, type Position } from './sortedRecords.js';
import type { CompiledFilter, Page, PageRequest } from './types.js';

/**
 * Cross-cluster queries in (clusterId, namespace, name, kindKey) order with
 * keyset cursors.
 *
 * Per (cluster, kind) collection a plan picks the cheapest way to produce
 * that collection's matches in (namespace, name) order:
 * - `name`: one lookup per namespace in the name index, sorted;
 * - a label selector: the label groups that match it (posting lists of its
 *   equality/set requirements, smallest first); their namespaces are the
 *   only ones visited, each either by sorting its candidates or, when it
 *   holds many, by scanning its range of the ordered list for the matching
 *   label sets;
 * - otherwise a scan of the collection's ordered list, restricted to the
 *   namespaces asked for (each is one contiguous range), with a per-record
 *   predicate for nameContains/status (collections where no object has the
 *   status are skipped from per-collection status counts).
 * Within a cluster the collections' streams are merged; clusters follow
 * each other in id order. Counting uses the same plans: sizes where the
 * structure answers (collection, namespace, label group, status counts), a
 * pass over the candidates or in-scope records otherwise.
 *
 * Page size: `first` must be an integer in 0..maxPageSize; anything else is
 * BAD_USER_INPUT (field "first") rather than a silent clamp, so a client
 * never mistakes a short page for the end (hasNextPage tells it anyway).
 */

export interface QueryContext {
  /** Clusters in id order. */
  sortedClusters(): readonly ClusterState[];
  recordOf(id: number): StoredRecord | undefined;
  /** Per namespace, at most this many selector candidates are sorted; above, the namespace's range is scanned. */
  readonly materializeLimit: number;
}

/** Where a stream starts within its collection. */
interface StartKey {
  readonly namespace: string;
  readonly name: string;
  /** Skip the record with exactly this key. */
  readonly exclusive: boolean;
}

interface Stream {
  /** The current record, or undefined when exhausted. */
  head: StoredRecord | undefined;
  next(): void;
}

interface Plan {
  count(): number;
  stream(start: StartKey | undefined): Stream;
}

const EMPTY_PLAN: Plan = { count: () => 0, stream: () => ({ head: undefined, next() {} }) };

/** Default of QueryContext.materializeLimit. */
export const DEFAULT_MATERIALIZE_LIMIT = 2048;

export function runQuery(ctx: QueryContext, filter: CompiledFilter, page: PageRequest, maxPageSize: number): Page {
  const first = page.first;
  if (!Number.isInteger(first) || first < 0 || first > maxPageSize) {
    throw new KubeatlasError('BAD_USER_INPUT', `first: must be an integer between 0 and ${maxPageSize}`, { field: 'first', max: maxPageSize });
  }
  const after = page.after ? decodeCursor(page.after) : undefined;
  const records: StoredRecord[] = [];
  let hasNextPage = false;
  let totalCount = 0;
  for (const cluster of clustersOf(ctx, filter)) {
    const plans: Array<[Collection, Plan]> = [];
    for (const coll of cluster.sortedCollections()) {
      if (filter.kindKeys !== undefined && !filter.kindKeys.has(coll.kindKey)) continue;
      const plan = planCollection(coll, filter, ctx);
      if (plan === EMPTY_PLAN) continue;
      totalCount += plan.count();
      plans.push([coll, plan]);
    }
    if (hasNextPage || (after !== undefined && cluster.clusterId < after.clusterId)) continue;
    const sameCluster = after !== undefined && cluster.clusterId === after.clusterId;
    const streams: Stream[] = [];
    for (const [coll, plan] of plans) {
      const start = sameCluster ? { namespace: after.namespace, name: after.name, exclusive: coll.kindKey <= after.kindKey } : undefined;
      const s = plan.stream(start);
      if (s.head !== undefined) streams.push(s);
    }
    hasNextPage = mergeInto(records, streams, first);
  }
  return { records, cursors: records.map((r) => encodeCursor(queryKeyOf(r))), hasNextPage, totalCount };
}

/** Number of records matching the filter. */
export function countMatching(ctx: QueryContext, filter: CompiledFilter): number {
  let total = 0;
  for (const cluster of clustersOf(ctx, filter)) {
    for (const coll of cluster.sortedCollections()) {
      if (filter.kindKeys !== undefined && !filter.kindKeys.has(coll.kindKey)) continue;
      total += planCollection(coll, filter, ctx).count();
    }
  }
  return total;
}

export function queryKeyOf(r: StoredRecord): QueryKey {
  return { clusterId: r.clusterId, namespace: r.namespace, name: r.name, kindKey: r.kindKey };
}

function clustersOf(ctx: QueryContext, filter: CompiledFilter): readonly ClusterState[] {
  const all = ctx.sortedClusters();
  return filter.clusters === undefined ? all : all.filter((c) => filter.clusters!.has(c.clusterId));
}

/** Appends merged records until `limit`; returns whether more remain. */
function mergeInto(out: StoredRecord[], streams: Stream[], limit: number): boolean {
  for (;;) {
    let best: Stream | undefined;
    for (const s of streams) {
      const h = s.head;
      if (h === undefined) continue;
      if (best === undefined) {
        best = s;
        continue;
      }
      const b = best.head!;
      const c = compareKey(h.namespace, h.name, b.namespace, b.name);
      if (c < 0 || (c === 0 && h.kindKey < b.kindKey)) best = s;
    }
    if (best === undefined) return false;
    if (out.length >= limit) return true;
    out.push(best.head!);
    best.next();
  }
}

// ------------------------------------------------------------------ plans

function planCollection(coll: Collection, filter: CompiledFilter, ctx: QueryContext): Plan {
  if (coll.size === 0) return EMPTY_PLAN;
  const statusCount = filter.status === undefined ? undefined : (coll.statusCounts.get(filter.status) ?? 0);
  if (statusCount === 0) return EMPTY_PLAN;
  let namespaces: string[] | undefined;
  if (filter.namespaces !== undefined) {
    namespaces = [...filter.namespaces].filter((ns) => coll.byNamespace.has(ns)).sort();
    if (namespaces.length === 0) return EMPTY_PLAN;
  }
  const inScope = namespaces === undefined ? coll.size : namespaces.reduce((n, ns) => n + coll.byNamespace.get(ns)!.size, 0);

  if (filter.name !== undefined) {
    const found: StoredRecord[] = [];
    for (const ns of namespaces ?? coll.byNamespace.keys()) {
      const r = coll.byNamespace.get(ns)?.get(filter.name);
      if (r !== undefined && passesRest(filter, r)) found.push(r);
    }
    return candidatesPlan(found);
  }

  if (filter.selector !== undefined) {
    const nsSet = filter.namespaces;
    let groups = coll.labels.matchingGroups(filter.selector, namespaces?.length === 1 ? namespaces[0] : undefined);
    if (nsSet !== undefined && namespaces!.length > 1) groups = groups.filter((g) => nsSet.has(g.namespace));
    if (groups.length === 0) return EMPTY_PLAN;
    return selectorPlan(coll, groups, filter, ctx);
  }

  if (filter.nameContains !== undefined || filter.status !== undefined) {
    const known = filter.nameContains === undefined && namespaces === undefined ? statusCount : undefined;
    return scanPlan(coll, namespaces, (r) => passesRest(filter, r), known);
  }
  return scanPlan(coll, namespaces, undefined, inScope);
}

/**
 * The per-record part of a filter (name, nameContains, status, selector);
 * cluster, kind and namespace are settled by the plan's structure.
 */
function passesRest(filter: CompiledFilter, r: StoredRecord): boolean {
  if (filter.name !== undefined && r.name !== filter.name) return false;
  if (filter.nameContains !== undefined && !r.name.includes(filter.nameContains)) return false;
  if (filter.status !== undefined && r.status !== filter.status) return false;
  if (filter.selector !== undefined && !filter.selector.matches(r.labelSet.labels)) return false;
  return true;
}

/**
 * The matches of a selector, from the label groups that match it: the
 * groups tell which namespaces hold matches, so a stream visits only those
 * (in order). Per namespace, the candidates are sorted when few, or that
 * namespace's range of the ordered list is scanned for the matching label
 * sets when many.
 */
function selectorPlan(coll: Collection, groups: readonly LabelGroup[], filter: CompiledFilter, ctx: QueryContext): Plan {
  const byNamespace = new Map<string, LabelGroup[]>();
  let candidates = 0;
  for (const g of groups) {
    const list = byNamespace.get(g.namespace);
    if (list) list.push(g);
    else byNamespace.set(g.namespace, [g]);
    candidates += g.ids.size;
  }
  const namespaces = [...byNamespace.keys()].sort();
  const restNeeded = filter.name !== undefined || filter.nameContains !== undefined || filter.status !== undefined;
  const withoutSelector: CompiledFilter = { ...filter, selector: undefined };
  const rest = restNeeded ? (r: StoredRecord) => passesRest(withoutSelector, r) : undefined;

  const namespaceStream = (ns: string, start: StartKey | undefined): Stream => {
    const nsGroups = byNamespace.get(ns)!;
    let n = 0;
    for (const g of nsGroups) n += g.ids.size;
    if (n <= ctx.materializeLimit) {
      const found: StoredRecord[] = [];
      for (const g of nsGroups) {
        for (const id of g.ids) {
          const r = ctx.recordOf(id);
          if (r !== undefined && (rest === undefined || rest(r))) found.push(r);
        }
      }
      return candidatesPlan(found).stream(start);
    }
    const sets = new Set<LabelSet>();
    for (const g of nsGroups) sets.add(g.set);
    return scanPlan(coll, [ns], (r) => sets.has(r.labelSet) && (rest === undefined || rest(r)), undefined).stream(start);
  };

  return {
    count() {
      if (rest === undefined) return candidates;
      let c = 0;
      for (const g of groups) {
        for (const id of g.ids) {
          const r = ctx.recordOf(id);
          if (r !== undefined && rest(r)) c++;
        }
      }
      return c;
    },
    stream(start) {
      let ni = 0;
      if (start !== undefined) while (ni < namespaces.length && namespaces[ni] < start.namespace) ni++;
      let sub: Stream | undefined;
      const s: Stream = {
        head: undefined,
        next() {
          sub!.next();
          settle();
        },
      };
      const settle = (): void => {
        for (;;) {
          if (sub !== undefined && sub.head !== undefined) {
            s.head = sub.head;
            return;
          }
          if (ni >= namespaces.length) {
            s.head = undefined;
            return;
          }
          const ns = namespaces[ni++];
          sub = namespaceStream(ns, start !== undefined && ns === start.namespace ? start : undefined);
        }
      };
      settle();
      return s;
    },
  };
}

function candidatesPlan(found: StoredRecord[]): Plan {
  if (found.length === 0) return EMPTY_PLAN;
  let sorted = false;
  return {
    count: () => found.length,
    stream(start) {
      // sorted only when a page needs them (counting does not)
      if (!sorted) {
        found.sort((a, b) => compareKey(a.namespace, a.name, b.namespace, b.name));
        sorted = true;
      }
      let i = 0;
      if (start !== undefined) {
        let lo = 0;
        let hi = found.length;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          const c = compareKey(found[mid].namespace, found[mid].name, start.namespace, start.name);
          if (c < 0 || (start.exclusive && c === 0)) lo = mid + 1;
          else hi = mid;
        }
        i = lo;
      }
      const s: Stream = {
        head: found[i],
        next() {
          i++;
          s.head = found[i];
        },
      };
      return s;
    },
  };
}

/**
 * Walks the collection's ordered list over the given namespaces (all when
 * undefined), keeping records that pass `predicate`. `knownCount` is the
 * match count when the structure already knows it.
 */
function scanPlan(coll: Collection, namespaces: string[] | undefined, predicate: ((r: StoredRecord) => boolean) | undefined, knownCount: number | undefined): Plan {
  return {
    count() {
      if (knownCount !== undefined) return knownCount;
      let n = 0;
      for (const ns of namespaces ?? coll.byNamespace.keys()) {
        const names = coll.byNamespace.get(ns);
        if (names) for (const r of names.values()) if (predicate!(r)) n++;
      }
      return n;
    },
    stream(start) {
      const list = coll.sorted();
      const ranges = namespaces ?? [undefined];
      let ri = 0;
      let pos: Position = { chunk: 0, index: 0 };
      const s: Stream = { head: undefined, next: () => advance(true) };
      const enterRange = (): boolean => {
        while (ri < ranges.length) {
          const ns = ranges[ri];
          if (start !== undefined && ns !== undefined && ns < start.namespace) {
            ri++;
            continue;
          }
          if (start !== undefined && (ns === undefined || ns === start.namespace)) pos = list.seek(start.namespace, start.name, start.exclusive);
          else if (ns !== undefined) pos = list.seek(ns, '', false);
          else pos = { chunk: 0, index: 0 };
          return true;
        }
        return false;
      };
      const advance = (step: boolean): void => {
        if (step) list.advance(pos);
        for (;;) {
          const r = list.at(pos);
          const ns = ranges[ri];
          if (r === undefined || (ns !== undefined && r.namespace !== ns)) {
            ri++;
            if (!enterRange()) {
              s.head = undefined;
              return;
            }
            continue;
          }
          if (predicate === undefined || predicate(r)) {
            s.head = r;
            return;
          }
          list.advance(pos);
        }
      };
      if (enterRange()) advance(false);
      return s;
    },
  };
}

import type { CompiledFilter } from '../store/types.js';

/** Bucket key for "any cluster" / "any kind" (not a valid cluster id or kind key). */
const ANY = '\u0000*';

/**
 * Subscribers bucketed by the clusters and kinds their filter names, so that
 * an event of (cluster, kind) is checked only against the subscribers that
 * could want it: the buckets (cluster, kind), (cluster, any), (any, kind) and
 * (any, any). A subscriber sits in one bucket per (cluster, kind) pair of its
 * filter; for a given event at most one of its buckets applies, so it is
 * visited at most once. A filter with an empty cluster or kind set sits in no
 * bucket (it matches nothing).
 */
export class SubscriberIndex<S> {
  private readonly byCluster = new Map<string, Map<string, Set<S>>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Number of non-empty buckets (for leak checks). */
  get buckets(): number {
    let n = 0;
    for (const kinds of this.byCluster.values()) n += kinds.size;
    return n;
  }

  add(subscriber: S, filter: CompiledFilter): void {
    for (const c of keysOf(filter.clusters)) {
      let kinds = this.byCluster.get(c);
      if (!kinds) this.byCluster.set(c, (kinds = new Map()));
      for (const k of keysOf(filter.kindKeys)) {
        let bucket = kinds.get(k);
        if (!bucket) kinds.set(k, (bucket = new Set()));
        bucket.add(subscriber);
      }
    }
    this.count++;
  }

  remove(subscriber: S, filter: CompiledFilter): void {
    for (const c of keysOf(filter.clusters)) {
      const kinds = this.byCluster.get(c);
      if (!kinds) continue;
      for (const k of keysOf(filter.kindKeys)) {
        const bucket = kinds.get(k);
        if (bucket?.delete(subscriber) && bucket.size === 0) kinds.delete(k);
      }
      if (kinds.size === 0) this.byCluster.delete(c);
    }
    this.count--;
  }

  /**
   * Calls `visit` for every subscriber whose buckets cover (clusterId,
   * kindKey). Subscribers removed during the walk and not yet visited are
   * skipped; ones added during the walk may or may not be visited.
   */
  forEachCandidate(clusterId: string, kindKey: string, visit: (subscriber: S) => void): void {
    if (this.count === 0) return;
    const exact = this.byCluster.get(clusterId);
    const any = this.byCluster.get(ANY);
    if (exact) {
      visitBucket(exact.get(kindKey), visit);
      visitBucket(exact.get(ANY), visit);
    }
    if (any) {
      visitBucket(any.get(kindKey), visit);
      visitBucket(any.get(ANY), visit);
    }
  }
}

function keysOf(set: ReadonlySet<string> | undefined): Iterable<string> {
  return set === undefined ? [ANY] : set;
}

function visitBucket<S>(bucket: Set<S> | undefined, visit: (subscriber: S) => void): void {
  if (bucket) for (const s of bucket) visit(s);
}

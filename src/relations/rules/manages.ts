/**
 * MANAGES: Deployment / StatefulSet / DaemonSet / Job / CronJob -> the Pods it
 * ultimately owns: the transitive OWNED_BY chain, reversed
 * (Deployment -> ReplicaSet -> Pod, CronJob -> Job -> Pod, StatefulSet -> Pod).
 *
 * MANAGES edges are not stored: they are derived at query time from the
 * stored, resolved OWNED_BY edges, so a re-parented ReplicaSet or a deleted
 * intermediate owner is reflected at once without rewriting pod edges.
 *
 * Edge cases:
 * - Only resolved ownership counts: a pod whose ReplicaSet is not in the
 *   catalog has no manager (its OWNED_BY edge is unresolved).
 * - Every owner reference is followed, not only `controller: true` ones.
 * - The walk passes through any kind (a ReplicaSet, a Job, an unknown custom
 *   resource) and stops at MAX_OWNER_DEPTH levels; ownership cycles (invalid,
 *   but possible on the wire) are visited once.
 * - A manager owned by another manager (CronJob -> Job) both manage the pod.
 */

/** kindKeys of the kinds that manage pods. */
export const MANAGER_KIND_KEYS: ReadonlySet<string> = new Set(['apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet', 'batch/Job', 'batch/CronJob']);

/** kindKey of managed objects. */
export const MANAGED_KIND_KEY = 'Pod';

/** Longest ownership chain followed (Deployment -> ReplicaSet -> Pod is 2). */
export const MAX_OWNER_DEPTH = 8;

/** The resolved OWNED_BY edges the derivation walks. */
export interface OwnershipView {
  /** Record ids of the objects whose resolved OWNED_BY edges point at `id`. */
  dependentsOf(id: number): Iterable<number>;
  /** Record ids of the resolved owners of `id`. */
  ownersOf(id: number): Iterable<number>;
  /** kindKey of a record in the catalog; undefined when it is not. */
  kindKeyOf(id: number): string | undefined;
}

/** Ids of the pods `managerId` manages (empty unless it is of a manager kind). */
export function managedPods(view: OwnershipView, managerId: number): number[] {
  const k = view.kindKeyOf(managerId);
  if (k === undefined || !MANAGER_KIND_KEYS.has(k)) return [];
  return walk(view, managerId, (id) => view.dependentsOf(id), (id) => view.kindKeyOf(id) === MANAGED_KIND_KEY);
}

/** Ids of the managers of `podId` (empty unless it is a Pod). */
export function managersOf(view: OwnershipView, podId: number): number[] {
  if (view.kindKeyOf(podId) !== MANAGED_KIND_KEY) return [];
  return walk(view, podId, (id) => view.ownersOf(id), (id) => MANAGER_KIND_KEYS.has(view.kindKeyOf(id) ?? ''));
}

function walk(view: OwnershipView, start: number, next: (id: number) => Iterable<number>, wanted: (id: number) => boolean): number[] {
  const seen = new Set<number>([start]);
  const out: number[] = [];
  let frontier = [start];
  for (let depth = 0; depth < MAX_OWNER_DEPTH && frontier.length > 0; depth++) {
    const following: number[] = [];
    for (const id of frontier) {
      for (const n of next(id)) {
        if (seen.has(n) || view.kindKeyOf(n) === undefined) continue;
        seen.add(n);
        if (wanted(n)) out.push(n);
        following.push(n);
      }
    }
    frontier = following;
  }
  return out;
}

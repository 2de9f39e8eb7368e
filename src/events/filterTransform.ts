import type { CompiledFilter } from '../store/types.js';
import type { HistoryEntry } from './historyEntry.js';
import type { BusEvent, RecordMatcher } from './types.js';

/**
 * How a filtered subscriber sees a change — the semantics of a Kubernetes
 * watch with a label selector (the apiserver's cacheWatcher), applied to the
 * whole ResourceFilter (clusters, kinds, namespaces, labelSelector, name,
 * nameContains, status):
 *
 * | change   | matched before | matches now | delivered                                              |
 * |----------|----------------|-------------|--------------------------------------------------------|
 * | ADDED    | –              | yes         | ADDED, record = new state                              |
 * | ADDED    | –              | no          | nothing                                                |
 * | MODIFIED | yes            | yes         | MODIFIED, record = new state                           |
 * | MODIFIED | no             | yes         | ADDED, record = new state                              |
 * | MODIFIED | yes            | no          | DELETED, record = previous state, current = new state  |
 * | MODIFIED | no             | no          | nothing                                                |
 * | DELETED  | –              | yes         | DELETED, record = last known state                     |
 * | DELETED  | –              | no          | nothing                                                |
 *
 * "Matched before" is evaluated on the state just before the change, which
 * is exactly the last state this subscriber was told about for that object
 * (it sees every change in order), so a client that keeps a list of matching
 * objects stays exact: every ADDED adds, every DELETED removes, every
 * MODIFIED replaces an object it already has. The DELETED of an object that
 * stops matching carries that last matching state (what the client holds,
 * as the apiserver does — it sends the previous object there too) and the
 * object's new state in `current`. The cursor and `at` are those of the
 * change in every case.
 *
 * A stream starts from a point in the change sequence (now, or `since`): the
 * client is expected to know the matching set at that point (e.g. from a
 * `resources` query); the stream does not begin with a snapshot.
 *
 * The matcher must decide from the record's cluster, kind, namespace, name,
 * labels and status only (what a CompiledFilter names); for two versions of
 * one object with the same labels and status it is evaluated once.
 *
 * A DELETED whose record does not match (the object had stopped matching
 * before it was deleted) is not delivered: the subscriber was already told.
 */
export function eventFor(filter: CompiledFilter, entry: HistoryEntry, matches: RecordMatcher): BusEvent | undefined {
  switch (entry.type) {
    case 'ADDED':
    case 'DELETED':
      return matches(filter, entry.record) ? entry.asIs() : undefined;
    case 'MODIFIED': {
      const now = matches(filter, entry.record);
      const before = entry.filterFieldsUnchanged ? now : entry.previous !== undefined && matches(filter, entry.previous);
      if (now) return before ? entry.asIs() : entry.asAdded();
      return before ? entry.asFilterExit() : undefined;
    }
  }
}

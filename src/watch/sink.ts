import type { KubeObject } from '../kube/types.js';

/**
 * Where a Reflector delivers what it learns about one (cluster, kind)
 * collection; the ResourceStore implements it (client-go: cache.Store's
 * Replace/Add/Update/Delete as used by reflector.go).
 *
 * Contract:
 * - A full state transfer (paged LIST, or WatchList initial events) is
 *   `beginReplace`, any number of `replaceItem`, then `endReplace(rv)`.
 *   `replaceItem` upserts: it emits ADDED for a new object, MODIFIED when the
 *   resourceVersion differs from the stored one, nothing when it is equal.
 *   `endReplace` deletes (emitting DELETED with the last known state) every
 *   stored object of the collection not seen since `beginReplace`.
 *   `abortReplace` drops the unseen-tracking (a list that failed midway); what was
 *   already upserted stays, since each item was a real state of the server.
 * - `apply` is one live watch event, applied as given: ADDED/MODIFIED upsert,
 *   DELETED removes (a DELETED for an unknown object is ignored).
 * - `setResourceVersion` records the newest resourceVersion seen (events,
 *   bookmarks, list metadata) so that a restart can resume from it.
 * - Calls are synchronous and in stream order; the sink never calls back.
 */
export interface ReflectorSink {
  beginReplace(): void;
  replaceItem(obj: KubeObject): void;
  endReplace(resourceVersion: string): void;
  abortReplace(): void;
  apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject): void;
  setResourceVersion(resourceVersion: string): void;
}

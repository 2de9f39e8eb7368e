import { apiVersionOf, type KindInfo } from '../kube/kinds.js';
import type { Collection } from './collection.js';
import { Postings } from './postings.js';
import type { StoredRecord } from './record.js';

/**
 * Everything the store holds for one cluster: its collections (one per
 * kindKey), the uid index, owner and node postings, and the kinds registered
 * for it (watched through a sink, or announced as discovered).
 */
export class ClusterState {
  readonly collections = new Map<string, Collection>();
  readonly byUid = new Map<string, StoredRecord>();
  /** owner uid -> ids of the objects naming it; `extra` is the compression anchor of the owner's objects. */
  readonly owners = new Postings<StoredRecord>();
  /** node name -> ids of the pods bound to it. */
  readonly nodes = new Postings();
  /** apiVersion/kind -> KindInfo. */
  readonly kinds = new Map<string, KindInfo>();
  private ordered: Collection[] | undefined;

  constructor(readonly clusterId: string) {}

  registerKind(kind: KindInfo): void {
    this.kinds.set(`${apiVersionOf(kind)}/${kind.kind}`, kind);
  }

  addCollection(c: Collection): void {
    this.collections.set(c.kindKey, c);
    this.ordered = undefined;
  }

  /** Collections in kindKey order (cached). */
  sortedCollections(): readonly Collection[] {
    return (this.ordered ??= [...this.collections.values()].sort((a, b) => (a.kindKey < b.kindKey ? -1 : a.kindKey > b.kindKey ? 1 : 0)));
  }
}

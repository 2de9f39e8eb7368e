import type { KindInfo } from '../kube/kinds.js';
import { LabelIndex } from './labelIndex.js';
import type { LabelSet } from './labelSets.js';
import type { StoredRecord } from './record.js';
import { SortedRecords } from './sortedRecords.js';
import type { ChangeOrigin } from './types.js';

/** Changes applied to one collection, by type (exported as a metric). */
export interface ChangeCounts {
  ADDED: number;
  MODIFIED: number;
  DELETED: number;
}

/**
 * The objects of one (cluster, kindKey): namespace -> name -> record, the
 * label index, and the (namespace, name)-ordered list used for paging, which
 * is built on first use (one sort after a bulk load) and maintained
 * incrementally afterwards.
 *
 * The label index can be deferred for a bulk load (`deferLabelIndex`) and
 * then built a namespace at a time (`indexLabelsStep`) while the collection
 * takes changes: a record is in the index exactly when its namespace has
 * been indexed. Reading `labels` completes the index first, so a selector
 * query never sees a partial index.
 */
export class Collection {
  readonly byNamespace = new Map<string, Map<string, StoredRecord>>();
  private readonly labelIndex = new LabelIndex();
  /** Label index state: complete; deferred (no record in it); or being built (the namespaces not in it yet). */
  private labelState: 'complete' | 'deferred' | Set<string> = 'complete';
  private sortedList: SortedRecords<StoredRecord> | undefined;
  private count = 0;
  /** Newest resourceVersion recorded by the reflector. */
  resourceVersion: string | undefined;
  /** Ids upserted since beginReplace; undefined outside a replace. */
  replaceSeen: Set<number> | undefined;
  keepSecretValues = false;
  replaceOrigin: ChangeOrigin = 'relist';
  readonly changes: ChangeCounts = { ADDED: 0, MODIFIED: 0, DELETED: 0 };
  /** Label set of the last object stored: siblings listed one after another usually share it. */
  lastLabelSet: LabelSet | undefined;
  /** status -> number of records with it (records without a status are not counted). */
  readonly statusCounts = new Map<string, number>();

  constructor(
    readonly clusterId: string,
    /** The KindInfo records of this collection carry (the latest registered). */
    public kind: KindInfo,
    readonly kindKey: string,
  ) {}

  get size(): number {
    return this.count;
  }

  /** The label index, completed now if it is deferred or being built. */
  get labels(): LabelIndex {
    if (this.labelState !== 'complete') while (!this.indexLabelsStep());
    return this.labelIndex;
  }

  /** Whether the label index holds every record. */
  get labelsIndexed(): boolean {
    return this.labelState === 'complete';
  }

  /** Leaves the label index out of the bulk load about to begin; only on an empty collection (else a no-op). */
  deferLabelIndex(): void {
    if (this.count === 0 && this.labelState === 'complete') this.labelState = 'deferred';
  }

  /**
   * Indexes the labels of one namespace not in the label index yet.
   * Returns true when the index is complete (nothing was left, or this was the last).
   */
  indexLabelsStep(): boolean {
    if (this.labelState === 'complete') return true;
    if (this.labelState === 'deferred') this.labelState = new Set(this.byNamespace.keys());
    const pending = this.labelState;
    for (const ns of pending) {
      pending.delete(ns);
      const names = this.byNamespace.get(ns);
      if (names) for (const r of names.values()) this.labelIndex.add(r.id, ns, r.labelSet);
      break;
    }
    if (pending.size > 0) return false;
    this.labelState = 'complete';
    return true;
  }

  /** Whether records of `namespace` are kept in the label index now. */
  private labelsHeld(namespace: string): boolean {
    const state = this.labelState;
    return state === 'complete' || (state !== 'deferred' && !state.has(namespace));
  }

  get(namespace: string, name: string): StoredRecord | undefined {
    return this.byNamespace.get(namespace)?.get(name);
  }

  /** Adds a record whose (namespace, name) is not present. */
  add(r: StoredRecord): void {
    let names = this.byNamespace.get(r.namespace);
    if (!names) {
      names = new Map();
      this.byNamespace.set(r.namespace, names);
    }
    names.set(r.name, r);
    this.count++;
    if (this.labelsHeld(r.namespace)) this.labelIndex.add(r.id, r.namespace, r.labelSet);
    this.countStatus(r.status, 1);
    this.sortedList?.insert(r);
  }

  /** Replaces the record with the same (namespace, name) and id by a newer version. */
  replace(old: StoredRecord, r: StoredRecord): void {
    this.byNamespace.get(r.namespace)!.set(r.name, r);
    if (old.labelSet !== r.labelSet && this.labelsHeld(r.namespace)) {
      this.labelIndex.remove(old.id, old.namespace, old.labelSet);
      this.labelIndex.add(r.id, r.namespace, r.labelSet);
    }
    if (old.status !== r.status) {
      this.countStatus(old.status, -1);
      this.countStatus(r.status, 1);
    }
    this.sortedList?.replace(r);
  }

  delete(r: StoredRecord): void {
    const names = this.byNamespace.get(r.namespace);
    if (!names || names.get(r.name) !== r) return;
    names.delete(r.name);
    if (names.size === 0) this.byNamespace.delete(r.namespace);
    this.count--;
    if (this.labelsHeld(r.namespace)) this.labelIndex.remove(r.id, r.namespace, r.labelSet);
    this.countStatus(r.status, -1);
    this.sortedList?.remove(r.namespace, r.name);
  }

  private countStatus(status: string | undefined, delta: number): void {
    if (status === undefined) return;
    const n = (this.statusCounts.get(status) ?? 0) + delta;
    if (n > 0) this.statusCounts.set(status, n);
    else this.statusCounts.delete(status);
  }

  /** The ordered list, built now if needed. */
  sorted(): SortedRecords<StoredRecord> {
    if (!this.sortedList) {
      const all: StoredRecord[] = [];
      for (const names of this.byNamespace.values()) for (const r of names.values()) all.push(r);
      this.sortedList = SortedRecords.build(all);
    }
    return this.sortedList;
  }

  /** Forgets the ordered list (rebuilt on next use); for mass removals. */
  dropSorted(): void {
    this.sortedList = undefined;
  }

  /** Every record, in no particular order. */
  *records(): IterableIterator<StoredRecord> {
    for (const names of this.byNamespace.values()) yield* names.values();
  }
}

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
 */
export class Collection {
  readonly byNamespace = new Map<string, Map<string, StoredRecord>>();
  readonly labels = new LabelIndex();
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
    this.labels.add(r.id, r.namespace, r.labelSet);
    this.countStatus(r.status, 1);
    this.sortedList?.insert(r);
  }

  /** Replaces the record with the same (namespace, name) and id by a newer version. */
  replace(old: StoredRecord, r: StoredRecord): void {
    this.byNamespace.get(r.namespace)!.set(r.name, r);
    if (old.labelSet !== r.labelSet) {
      this.labels.remove(old.id, old.namespace, old.labelSet);
      this.labels.add(r.id, r.namespace, r.labelSet);
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
    this.labels.remove(r.id, r.namespace, r.labelSet);
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

import { BUILTIN_KINDS, kindKey, type KindInfo } from '../../../src/kube/kinds.js';
import type { LabelSelector } from '../../../src/kube/labelSelector.js';
import type { KubeObject } from '../../../src/kube/types.js';
import type { ChangeEvent, ChangeListener, CompiledFilter, KindCount, Page, PageRequest, ResourceReader, ResourceRecord } from '../../../src/store/types.js';

/**
 * A stand-in ResourceReader used only until src/store/resourceStore.ts lands:
 * a map of records with the ResourceReader contract (synchronous, ordered
 * change events; ids stable across MODIFIED). Deliberately naive (selectIds
 * scans). TODO: delete once the real store is available.
 */
export class InterimStore implements ResourceReader {
  private nextId = 1;
  private readonly byId = new Map<number, ResourceRecord>();
  private readonly objects = new Map<number, KubeObject>();
  private readonly byKey = new Map<string, number>();
  private readonly listeners = new Set<ChangeListener>();

  apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', clusterId: string, kind: KindInfo, obj: KubeObject): void {
    const ns = obj.metadata.namespace ?? '';
    const key = `${clusterId}|${kindKey(kind)}|${ns}|${obj.metadata.name}`;
    const existing = this.byKey.get(key);
    if (type === 'DELETED') {
      if (existing === undefined) return;
      const rec = this.byId.get(existing)!;
      this.byId.delete(existing);
      this.objects.delete(existing);
      this.byKey.delete(key);
      this.emit({ type: 'DELETED', record: rec, previous: rec, object: undefined, at: Date.now(), origin: 'watch' });
      return;
    }
    const id = existing ?? this.nextId++;
    const rec: ResourceRecord = {
      id,
      clusterId,
      kind,
      namespace: ns,
      name: obj.metadata.name!,
      uid: obj.metadata.uid ?? '',
      resourceVersion: obj.metadata.resourceVersion ?? '',
      labels: { ...(obj.metadata.labels ?? {}) },
      creationTimestamp: undefined,
      status: undefined,
      json: JSON.stringify(obj),
    };
    const previous = existing !== undefined ? this.byId.get(existing) : undefined;
    this.byId.set(id, rec);
    this.objects.set(id, structuredClone(obj));
    this.byKey.set(key, id);
    this.emit({ type: previous ? 'MODIFIED' : 'ADDED', record: rec, previous, object: structuredClone(obj), at: Date.now(), origin: 'watch' });
  }

  private emit(ev: ChangeEvent): void {
    for (const l of this.listeners) l(ev);
  }

  get(clusterId: string, kk: string, namespace: string, name: string): ResourceRecord | undefined {
    const id = this.byKey.get(`${clusterId}|${kk}|${namespace}|${name}`);
    return id === undefined ? undefined : this.byId.get(id);
  }
  getByUid(clusterId: string, uid: string): ResourceRecord | undefined {
    for (const r of this.byId.values()) if (r.clusterId === clusterId && r.uid === uid) return r;
    return undefined;
  }
  getById(id: number): ResourceRecord | undefined {
    return this.byId.get(id);
  }
  objectOf(record: ResourceRecord): KubeObject {
    return JSON.parse(record.json) as KubeObject;
  }
  query(_filter: CompiledFilter, page: PageRequest): Page {
    const all = [...this.byId.values()].sort((a, b) => a.id - b.id);
    const start = page.after ? all.findIndex((r) => String(r.id) === page.after) + 1 : 0;
    const records = all.slice(start, start + page.first);
    return { records, cursors: records.map((r) => String(r.id)), hasNextPage: start + page.first < all.length, totalCount: all.length };
  }
  count(): number {
    return this.byId.size;
  }
  selectIds(clusterId: string, kk: string, namespace: string | undefined, selector: LabelSelector): number[] {
    const out: number[] = [];
    for (const r of this.byId.values()) {
      if (r.clusterId === clusterId && kindKey(r.kind) === kk && (namespace === undefined || r.namespace === namespace) && selector.matches(r.labels)) out.push(r.id);
    }
    return out;
  }
  ownedBy(): number[] {
    return [];
  }
  podsOnNode(): number[] {
    return [];
  }
  kinds(): KindCount[] {
    return [];
  }
  knownKinds(): KindInfo[] {
    return [...BUILTIN_KINDS];
  }
  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

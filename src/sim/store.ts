import type { KubeObject } from '../kube/types.js';
import type { SimChange, SimEventType, SimKind, SimKindRef, SimStore } from './types.js';
import { apiErrors, SimApiError, failureStatus } from './errors.js';
import { EventHistory, type StoreEvent } from './history.js';
import { KindRegistry, defaultSimKinds } from './simKinds.js';
import { objectKey, parseStored, storeObject, type StoredObject } from './storedObject.js';
import { applyDefaults, tracksGeneration } from './defaults.js';
import { updateManagedFields } from './managedFields.js';
import { newUid, randomSuffix, rfc3339 } from './names.js';
import { logger } from '../util/logger.js';

const log = logger('sim-store');

/** How a write is made (the HTTP layer sets more of these than direct store callers). */
export interface WriteOptions {
  /** Field manager recorded in managedFields (default "kubeatlas-sim"). */
  manager?: string;
  /** "status" (or another subresource) for writes through a subresource. */
  subresource?: string;
  /** Whether status changes count in managedFields (default true for direct writes). */
  statusIsManaged?: boolean;
  /** Validate and compute, but do not persist (dryRun=All). */
  dryRun?: boolean;
  /** Use the object's managedFields as given (server-side apply computed them). */
  keepManagedFields?: boolean;
  /** Check `metadata.resourceVersion` of the new object against the stored one (PUT). Default true. */
  checkResourceVersion?: boolean;
  /** Let this write change deletionTimestamp / deletionGracePeriodSeconds (graceful deletion shortening). */
  allowDeletionChange?: boolean;
}

/** The watch-cache and snapshot view of the store the HTTP layer uses. */
export interface SimStoreInternals extends SimStore {
  readonly registry: KindRegistry;
  /** RVs at or below this are compacted in the simulated etcd: continue tokens and Exact lists there answer 410. */
  readonly compactedRv: number;
  getStored(kind: SimKind, namespace: string | undefined, name: string): StoredObject | undefined;
  /** Sorted objects of a kind now (shared and immutable; cached until the next write of the kind). */
  currentSnapshot(kind: SimKind): readonly StoredObject[];
  /** Sorted objects of a kind as of `rv`, if it can still be reconstructed (pinned snapshot or watch history). */
  snapshotAt(kind: SimKind, rv: number): readonly StoredObject[] | undefined;
  /** Keeps a snapshot reachable by `snapshotAt` for the continue-token lifetime. */
  pinSnapshot(kind: SimKind, rv: number, items: readonly StoredObject[]): void;
  history(kind: SimKind): EventHistory;
  /** Subscribes to committed changes of one kind, after history and before onChange listeners. */
  subscribe(kind: SimKind, fn: (ev: StoreEvent) => void): () => void;
  createWith(kind: SimKind, obj: KubeObject, opts: WriteOptions): KubeObject;
  updateWith(kind: SimKind, obj: KubeObject, opts: WriteOptions): KubeObject;
  /** Removes now; the DELETED event carries `finalState` when given (else the stored state) at the deletion RV. */
  deleteWith(kind: SimKind, namespace: string | undefined, name: string, opts: { dryRun?: boolean; finalState?: KubeObject }): KubeObject | undefined;
  /** Like a restart of the apiserver: every kind's watch cache starts over at the current RV. */
  resetWatchCache(): void;
  /** Forget the watch history and compact etcd past the current RV (every earlier continue token expires). */
  compact(): void;
  /** Compacts etcd at `rv` (continue tokens and Exact lists at older RVs expire). */
  compactEtcd(rv: number): void;
  /** Drops pinned snapshots older than `maxAgeMs`. */
  prunePinned(maxAgeMs: number): void;
}

class KindCollection {
  readonly objects = new Map<string, StoredObject>();
  sortedKeys: string[] = [];
  keysSorted = true;
  snapshot: readonly StoredObject[] | undefined;
  lastWriteRv = 0;
  readonly pinned = new Map<number, { items: readonly StoredObject[]; at: number }>();
  readonly subscribers = new Set<(ev: StoreEvent) => void>();
  constructor(
    readonly kind: SimKind,
    readonly history: EventHistory,
  ) {}

  insertKey(key: string): void {
    if (!this.keysSorted) {
      this.sortedKeys.push(key);
      return;
    }
    const a = this.sortedKeys;
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    a.splice(lo, 0, key);
  }

  removeKey(key: string): void {
    if (!this.keysSorted) {
      const i = this.sortedKeys.indexOf(key);
      if (i >= 0) this.sortedKeys.splice(i, 1);
      return;
    }
    const a = this.sortedKeys;
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    if (a[lo] === key) a.splice(lo, 1);
  }

  keys(): string[] {
    if (!this.keysSorted) {
      this.sortedKeys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      this.keysSorted = true;
    }
    return this.sortedKeys;
  }
}

const METADATA_ORDER = [
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
];

/** Puts metadata fields and top-level fields in the order the Go structs serialize them. */
function normalizeOrder(obj: KubeObject): KubeObject {
  const md: Record<string, unknown> = {};
  for (const k of METADATA_ORDER) if (obj.metadata[k] !== undefined) md[k] = obj.metadata[k];
  for (const [k, v] of Object.entries(obj.metadata)) if (!(k in md) && v !== undefined) md[k] = v;
  const out: KubeObject = { kind: obj.kind, apiVersion: obj.apiVersion, metadata: md } as KubeObject;
  for (const [k, v] of Object.entries(obj)) if (k !== 'kind' && k !== 'apiVersion' && k !== 'metadata' && v !== undefined) out[k] = v;
  return out;
}

function specPart(obj: KubeObject): string {
  const { metadata: _m, status: _s, kind: _k, apiVersion: _a, ...rest } = obj;
  return JSON.stringify(rest);
}

/** Deep copy of plain JSON data (a JSON round trip is faster than structuredClone for it). */
function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** Creates an empty in-memory store (no server). `kinds` defaults to every kind the simulator serves. */
export function createSimStore(kinds?: SimKind[], options: { historySize?: number } = {}): SimStoreInternals {
  return new MemoryStore(kinds ?? defaultSimKinds(), options.historySize ?? 10_000);
}

class MemoryStore implements SimStoreInternals {
  readonly registry: KindRegistry;
  private rv = 0;
  compactedRv = 0;
  private readonly collections = new Map<SimKind, KindCollection>();
  private readonly listeners = new Set<(change: SimChange) => void>();
  private readonly pendingChanges: SimChange[] = [];
  private draining = false;

  constructor(
    kinds: readonly SimKind[],
    private readonly historySize: number,
  ) {
    this.registry = new KindRegistry(kinds);
    for (const k of this.registry.kinds()) this.collections.set(k, new KindCollection(k, new EventHistory(historySize, 0)));
  }

  get resourceVersion(): number {
    return this.rv;
  }

  kinds(): readonly SimKind[] {
    return this.registry.kinds();
  }

  kind(ref: SimKindRef): SimKind {
    const k = this.registry.find(ref);
    if (!k) throw new SimApiError(failureStatus(404, `the server doesn't have a resource type "${typeof ref === 'string' ? ref : ref.plural}"`, 'NotFound', {}));
    return k;
  }

  private col(kind: SimKind): KindCollection {
    const c = this.collections.get(kind) ?? this.collections.get(this.kind(kind));
    if (!c) throw new Error(`unknown kind ${kind.kind}`);
    return c;
  }

  private ref(kind: SimKind): { group: string; resource: string } {
    return { group: kind.group, resource: kind.plural };
  }

  // ------------------------------------------------------------------ reads

  getStored(kind: SimKind, namespace: string | undefined, name: string): StoredObject | undefined {
    return this.col(kind).objects.get(objectKey(kind.namespaced ? namespace : undefined, name));
  }

  get(kindRef: SimKindRef, namespace: string | undefined, name: string): KubeObject | undefined {
    const kind = this.kind(kindRef);
    const so = this.getStored(kind, namespace, name);
    return so ? parseStored(kind, so) : undefined;
  }

  list(kindRef: SimKindRef, namespace?: string): KubeObject[] {
    const kind = this.kind(kindRef);
    const items = this.currentSnapshot(kind);
    const out: KubeObject[] = [];
    for (const so of items) if (!namespace || !kind.namespaced || so.namespace === namespace) out.push(parseStored(kind, so));
    return out;
  }

  count(kindRef?: SimKindRef): number {
    if (kindRef !== undefined) return this.col(this.kind(kindRef)).objects.size;
    let n = 0;
    for (const c of this.collections.values()) n += c.objects.size;
    return n;
  }

  currentSnapshot(kind: SimKind): readonly StoredObject[] {
    const c = this.col(kind);
    if (!c.snapshot) {
      const keys = c.keys();
      const arr = new Array<StoredObject>(keys.length);
      for (let i = 0; i < keys.length; i++) arr[i] = c.objects.get(keys[i])!;
      c.snapshot = arr;
    }
    return c.snapshot;
  }

  snapshotAt(kind: SimKind, rv: number): readonly StoredObject[] | undefined {
    const c = this.col(kind);
    if (rv >= c.lastWriteRv && rv <= this.rv) return this.currentSnapshot(kind);
    const pinned = c.pinned.get(rv);
    if (pinned) return pinned.items;
    if (rv < c.history.startRv || rv > this.rv) return undefined;
    // Roll the current state back through the history.
    const state = new Map(c.objects);
    const events = c.history.since(rv);
    for (let i = events.length - 1; i >= 0; i--) {
      const ev = events[i];
      if (ev.type === 'ADDED') state.delete(ev.obj.key);
      else if (ev.prev) state.set(ev.prev.key, ev.prev);
    }
    return [...state.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  pinSnapshot(kind: SimKind, rv: number, items: readonly StoredObject[]): void {
    const c = this.col(kind);
    if (!c.pinned.has(rv)) c.pinned.set(rv, { items, at: Date.now() });
    // Bound memory: keep the 16 most recent pins per kind.
    if (c.pinned.size > 16) {
      const oldest = [...c.pinned.keys()].sort((a, b) => a - b).slice(0, c.pinned.size - 16);
      for (const k of oldest) c.pinned.delete(k);
    }
  }

  prunePinned(maxAgeMs: number): void {
    const cutoff = Date.now() - maxAgeMs;
    for (const c of this.collections.values()) for (const [rv, p] of c.pinned) if (p.at < cutoff) c.pinned.delete(rv);
  }

  history(kind: SimKind): EventHistory {
    return this.col(kind).history;
  }

  subscribe(kind: SimKind, fn: (ev: StoreEvent) => void): () => void {
    const c = this.col(kind);
    c.subscribers.add(fn);
    return () => c.subscribers.delete(fn);
  }

  onChange(listener: (change: SimChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  resetWatchCache(): void {
    for (const c of this.collections.values()) c.history.reset(this.rv);
  }

  compact(): void {
    // A compaction is never the last thing a busy etcd does: move the revision on (as lease
    // renewals would) and compact at it, so every token and exact read handed out so far
    // expires while a fresh list at the new revision can still page.
    this.rv++;
    this.resetWatchCache();
    this.compactEtcd(this.rv);
  }

  compactEtcd(rv: number): void {
    if (rv <= this.compactedRv) return;
    this.compactedRv = rv;
    for (const c of this.collections.values()) for (const k of [...c.pinned.keys()]) if (k < rv) c.pinned.delete(k);
  }

  // ------------------------------------------------------------------ commit

  private commit(kind: SimKind, type: SimEventType, obj: KubeObject, prev: StoredObject | undefined, notify = true): StoredObject {
    const rv = ++this.rv;
    obj.metadata.resourceVersion = String(rv);
    const so = storeObject(kind, obj);
    const c = this.col(kind);
    if (type === 'DELETED') {
      c.objects.delete(so.key);
      c.removeKey(so.key);
    } else {
      if (!prev) c.insertKey(so.key);
      c.objects.set(so.key, so);
    }
    c.snapshot = undefined;
    c.lastWriteRv = rv;
    const ev: StoreEvent = { type, rv, kind, obj: so, prev };
    c.history.push(ev);
    if (notify) {
      for (const sub of c.subscribers) {
        try {
          sub(ev);
        } catch (e) {
          log.warn({ err: e }, 'watch subscriber failed');
        }
      }
    }
    this.emit({ type, kind, object: obj, resourceVersion: rv });
    return so;
  }

  private emit(change: SimChange): void {
    if (!this.listeners.size) return;
    this.pendingChanges.push(change);
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.pendingChanges.length) {
        const ch = this.pendingChanges.shift()!;
        for (const l of [...this.listeners]) {
          try {
            l(ch);
          } catch (e) {
            log.warn({ err: e }, 'onChange listener failed');
          }
        }
      }
    } finally {
      this.draining = false;
    }
  }

  // ------------------------------------------------------------------ writes

  private prepareCreate(kind: SimKind, input: KubeObject, opts: WriteOptions, takeOwnership = false): KubeObject {
    const obj = takeOwnership ? input : clone(input);
    obj.apiVersion = kind.group ? `${kind.group}/${kind.version}` : kind.version;
    obj.kind = kind.kind;
    const md = (obj.metadata ??= {});
    if (kind.namespaced) {
      if (!md.namespace) throw apiErrors.badRequest('the server could not find the requested resource: namespace is required');
    } else delete md.namespace;
    if (!md.name) {
      if (!md.generateName) throw apiErrors.invalid(kind.kind, kind.group, kind.kind, '', [{ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' }]);
      let name = '';
      for (let i = 0; i < 8; i++) {
        name = `${md.generateName}${randomSuffix(5)}`;
        if (!this.getStored(kind, md.namespace, name)) break;
      }
      md.name = name;
    }
    if (this.getStored(kind, md.namespace, md.name)) throw apiErrors.alreadyExists(this.ref(kind), md.name);
    if (!md.uid) md.uid = newUid();
    if (!md.creationTimestamp) md.creationTimestamp = rfc3339();
    // Placeholder so the key sits where the apiserver puts it; commit() fills the value.
    md.resourceVersion = '0';
    if (tracksGeneration(kind)) md.generation = 1;
    else delete md.generation;
    applyDefaults(kind, obj, 'create');
    if (!opts.keepManagedFields && (!Array.isArray(md.managedFields) || md.managedFields.length === 0)) {
      const entries = updateManagedFields(undefined, obj, {
        manager: opts.manager ?? 'kubeatlas-sim',
        apiVersion: obj.apiVersion,
        time: md.creationTimestamp,
        subresource: opts.subresource,
        includeStatus: opts.statusIsManaged ?? true,
      });
      if (entries.length) md.managedFields = entries;
      else delete md.managedFields;
    }
    return normalizeOrder(obj);
  }

  createWith(kind: SimKind, input: KubeObject, opts: WriteOptions): KubeObject {
    const obj = this.prepareCreate(kind, input, opts);
    if (opts.dryRun) return obj;
    this.commit(kind, 'ADDED', obj, undefined);
    return obj;
  }

  create(kindRef: SimKindRef, obj: KubeObject, manager?: string): KubeObject {
    return this.createWith(this.kind(kindRef), obj, { manager });
  }

  updateWith(kind: SimKind, input: KubeObject, opts: WriteOptions): KubeObject {
    const md0 = input.metadata ?? {};
    const ns = kind.namespaced ? md0.namespace : undefined;
    const name = md0.name ?? '';
    const existing = this.getStored(kind, ns, name);
    if (!existing) throw apiErrors.notFound(this.ref(kind), name);
    if ((opts.checkResourceVersion ?? true) && md0.resourceVersion !== undefined && md0.resourceVersion !== '' && md0.resourceVersion !== String(existing.rv)) {
      throw apiErrors.conflict(this.ref(kind), name);
    }
    const prevObj = parseStored(kind, existing);
    const obj = clone(input);
    obj.apiVersion = prevObj.apiVersion;
    obj.kind = prevObj.kind;
    const md = (obj.metadata ??= {});
    // Fields only the server sets.
    md.name = prevObj.metadata.name;
    if (kind.namespaced) md.namespace = prevObj.metadata.namespace;
    md.uid = prevObj.metadata.uid;
    md.creationTimestamp = prevObj.metadata.creationTimestamp;
    md.resourceVersion = prevObj.metadata.resourceVersion;
    // Once set, deletionTimestamp only moves through deleteObject (which passes the new value explicitly).
    if (prevObj.metadata.deletionTimestamp && !opts.allowDeletionChange) {
      md.deletionTimestamp = prevObj.metadata.deletionTimestamp;
      md.deletionGracePeriodSeconds = prevObj.metadata.deletionGracePeriodSeconds;
    }
    if (md.generateName === undefined && prevObj.metadata.generateName) md.generateName = prevObj.metadata.generateName;
    applyDefaults(kind, obj, 'update');
    if (tracksGeneration(kind)) {
      const gen = (prevObj.metadata.generation as number | undefined) ?? 1;
      md.generation = specPart(obj) !== specPart(prevObj) || (md.deletionTimestamp && !prevObj.metadata.deletionTimestamp) ? gen + 1 : gen;
    } else delete md.generation;
    if (!opts.keepManagedFields) {
      const given = md.managedFields;
      const unchanged = given === undefined || JSON.stringify(given) === JSON.stringify(prevObj.metadata.managedFields);
      if (unchanged) {
        md.managedFields = prevObj.metadata.managedFields;
        const entries = updateManagedFields(prevObj, obj, {
          manager: opts.manager ?? 'kubeatlas-sim',
          apiVersion: obj.apiVersion!,
          time: rfc3339(),
          subresource: opts.subresource,
          includeStatus: opts.statusIsManaged ?? true,
        });
        if (entries.length) md.managedFields = entries;
        else delete md.managedFields;
      } else if (Array.isArray(given) && given.length === 0) delete md.managedFields;
    }
    const next = normalizeOrder(obj);
    // A write that changes nothing is not a write (no new resourceVersion, no event).
    if (JSON.stringify({ ...next, kind: undefined, apiVersion: undefined }) === existing.json) return prevObj;
    if (opts.dryRun) return next;
    // Removing the last finalizer of an object being deleted completes the deletion.
    if (this.shouldDeleteDuringUpdate(kind, prevObj, next)) {
      this.commit(kind, 'DELETED', next, existing);
      return next;
    }
    this.commit(kind, 'MODIFIED', next, existing);
    return next;
  }

  private shouldDeleteDuringUpdate(kind: SimKind, prev: KubeObject, next: KubeObject): boolean {
    if (!next.metadata.deletionTimestamp) return false;
    if ((next.metadata.finalizers?.length ?? 0) > 0) return false;
    if (!(prev.metadata.finalizers?.length ?? 0)) return false;
    if (kind.group === '' && kind.kind === 'Pod') return next.metadata.deletionGracePeriodSeconds === 0;
    return true;
  }

  update(kindRef: SimKindRef, obj: KubeObject, manager?: string): KubeObject {
    return this.updateWith(this.kind(kindRef), obj, { manager });
  }

  mutate(kindRef: SimKindRef, namespace: string | undefined, name: string, fn: (obj: KubeObject) => void, manager?: string): KubeObject | undefined {
    const kind = this.kind(kindRef);
    const so = this.getStored(kind, namespace, name);
    if (!so) return undefined;
    const obj = parseStored(kind, so);
    fn(obj);
    obj.metadata.name = name;
    if (kind.namespaced) obj.metadata.namespace = namespace;
    obj.metadata.resourceVersion = String(so.rv);
    return this.updateWith(kind, obj, { manager });
  }

  deleteWith(kind: SimKind, namespace: string | undefined, name: string, opts: { dryRun?: boolean; finalState?: KubeObject }): KubeObject | undefined {
    const so = this.getStored(kind, namespace, name);
    if (!so) return undefined;
    const obj = opts.finalState ? normalizeOrder(clone(opts.finalState)) : parseStored(kind, so);
    if (opts.dryRun) return obj;
    this.commit(kind, 'DELETED', obj, so);
    return obj;
  }

  delete(kindRef: SimKindRef, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.deleteWith(this.kind(kindRef), namespace, name, {});
  }

  load(objects: Array<{ kind: SimKindRef; object: KubeObject }>): void {
    const touched = new Set<KindCollection>();
    for (const { kind: ref, object } of objects) {
      const kind = this.kind(ref);
      const c = this.col(kind);
      if (touched.size === 0 || !touched.has(c)) {
        touched.add(c);
        c.keysSorted = false;
      }
      const obj = this.prepareCreate(kind, object, { manager: 'kubeatlas-sim' }, true);
      this.commit(kind, 'ADDED', obj, undefined);
    }
    for (const c of touched) c.keys();
  }
}

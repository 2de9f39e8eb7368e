import { kindKey as kindKeyOf, type KindInfo } from '../kube/kinds.js';
import type { LabelSelector } from '../kube/labelSelector.js';
import type { KubeObject, OwnerReference } from '../kube/types.js';
import { describeError } from '../util/errors.js';
import { logger } from '../util/logger.js';
import type { LazyRelationFacts } from '../relations/facts.js';
import { ClusterState } from './clusterState.js';
import { Collection } from './collection.js';
import { JsonCodec, KindDictionary, type Base, type Compression } from './jsonCodec.js';
import { BackgroundLabelIndexer } from './labelIndexer.js';
import { DeferredCompression } from './deferredCompression.js';
import { LabelSetInterner, labelSetKey, type LabelSet } from './labelSets.js';
import { registerStatsSource, type CollectionStats, type StatsSource } from './metrics.js';
import { ObjectCache } from './objectCache.js';
import type { PortableRecord } from './portable.js';
import { DEFAULT_MATERIALIZE_LIMIT, countMatching, runQuery, type QueryContext } from './query.js';
import { StoredRecord } from './record.js';
import { slimObject } from './slim.js';
import { summarizeStatus } from './status/registry.js';
import type {
  ChangeEvent,
  ChangeListener,
  ChangeOrigin,
  ChangeType,
  CompiledFilter,
  KindCount,
  Page,
  PageRequest,
  ResourceReader,
  ResourceRecord,
  ResourceWriter,
  SinkOptions,
  SnapshotSink,
} from './types.js';

export interface ResourceStoreOptions {
  /** Largest `first` a query accepts (default 500); larger is BAD_USER_INPUT. */
  maxPageSize?: number;
  /** Heap budget, estimated, of the parsed-object LRU behind objectOf (default 64 MiB). */
  objectCacheBytes?: number;
  /** How slimmed JSON is kept: "deflate" (default, compact) or "none" (faster apply, more memory). */
  compression?: Compression;
  /** Decoded compression anchors kept (default 8 MiB). */
  anchorCacheBytes?: number;
  /**
   * Records stored by watch events are kept plain and compressed this many
   * ms later, off the event path (default 1000; 0 compresses at once). See
   * DeferredCompression.
   */
  compressionDelayMs?: number;
  /** Most records kept plain while they wait for compression (default 4096: ~13 MB of pods at worst). */
  maxDeferredCompressions?: number;
  /**
   * Query tuning: per namespace, label-selector candidates up to this many
   * are sorted, more are found by scanning the namespace's ordered range
   * (default 2048).
   */
  selectorMaterializeLimit?: number;
}

/** sinkFor options beyond the contract's. */
export interface StoreSinkOptions extends SinkOptions {
  /** Origin of the changes a replace (beginReplace..endReplace) produces: "relist" (default) or "snapshot" (warm restart). */
  replaceOrigin?: 'relist' | 'snapshot';
}

const log = logger('store');
const DEFAULT_COMPRESSION_DELAY_MS = 1000;
const DEFAULT_MAX_DEFERRED_COMPRESSIONS = 4096;

/** How buildRecord stores the JSON: compressed now, plain and compressed later (DeferredCompression), or plain. */
type RecordPacking = 'now' | 'defer' | 'plain';

/** `replaceSeen` of a replace that began on an empty collection: remembers nothing, endReplace drops nothing. */
class NothingToDrop extends Set<number> {
  override add(): this {
    return this;
  }
}
const NOTHING_TO_DROP: Set<number> = new NothingToDrop();

/**
 * The catalog's in-memory copy of every watched object of every cluster.
 * Synchronous and single-threaded: every write happens inside a sink call
 * or `removeCluster`, and its ChangeEvents reach every listener before the
 * call returns, in order. A listener that throws is logged and skipped; the
 * store and the other listeners carry on.
 *
 * Identity: an object is (cluster, kindKey, namespace, name) plus its uid.
 * An upsert whose uid differs from the stored one (deleted and re-created
 * while unwatched) is a DELETED of the old object and an ADDED of the new
 * one, with a new id. Ids are never reused.
 *
 * Origins: sink `apply` -> "watch"; replace -> "relist" (or the sink's
 * `replaceOrigin`); `removeCluster` -> "removed".
 *
 * Shared objects: `ChangeEvent.object` (which shares sub-objects with the
 * object the reflector passed in) and what `objectOf` returns are handed to
 * every caller; treat them as read-only. Label maps are frozen.
 *
 * Memory: records keep interned strings and label sets, and the slimmed JSON
 * deflated against a sibling or a kind dictionary (see JsonCodec); indexes
 * hold ids or records, never copies.
 */
export class ResourceStore implements ResourceReader, ResourceWriter, StatsSource {
  private readonly clusters = new Map<string, ClusterState>();
  private orderedClusters: ClusterState[] | undefined;
  private readonly byId = new Map<number, StoredRecord>();
  /** Replaced, never mutated, so that an emit in progress keeps its snapshot when a listener (un)subscribes. */
  private listeners: readonly ChangeListener[] = [];
  private readonly labelSets = new LabelSetInterner();
  private readonly labelIndexer = new BackgroundLabelIndexer();
  private readonly strings = new Map<string, string>();
  private readonly codec: JsonCodec;
  private readonly deferred: DeferredCompression | undefined;
  private readonly objects: ObjectCache;
  private readonly maxPageSize: number;
  private nextId = 1;
  /** Bumped when a cluster or a collection is created or removed (see changeGeneration), overall and per cluster id (never forgotten). */
  private layoutGeneration = 0;
  private readonly clusterLayoutGenerations = new Map<string, number>();
  private queryContext: QueryContext = {
    sortedClusters: () => (this.orderedClusters ??= [...this.clusters.values()].sort((a, b) => (a.clusterId < b.clusterId ? -1 : a.clusterId > b.clusterId ? 1 : 0))),
    recordOf: (id) => this.byId.get(id),
    materializeLimit: DEFAULT_MATERIALIZE_LIMIT,
  };

  constructor(options: ResourceStoreOptions = {}) {
    this.maxPageSize = options.maxPageSize ?? 500;
    if (options.selectorMaterializeLimit !== undefined) this.queryContext = { ...this.queryContext, materializeLimit: options.selectorMaterializeLimit };
    this.codec = new JsonCodec({ compression: options.compression, anchorCacheBytes: options.anchorCacheBytes });
    const delayMs = options.compressionDelayMs ?? DEFAULT_COMPRESSION_DELAY_MS;
    const maxPending = options.maxDeferredCompressions ?? DEFAULT_MAX_DEFERRED_COMPRESSIONS;
    if (this.codec.compression !== 'none' && delayMs > 0 && maxPending > 0) {
      this.deferred = new DeferredCompression({ codec: this.codec, isCurrent: (r) => this.byId.get(r.id) === r, maxPending, delayMs });
    }
    this.objects = new ObjectCache(options.objectCacheBytes ?? 64 * 1024 * 1024);
    registerStatsSource(this);
  }

  // ---------------------------------------------------------------- reader

  get(clusterId: string, kindKey: string, namespace: string, name: string): ResourceRecord | undefined {
    return this.clusters.get(clusterId)?.collections.get(kindKey)?.get(namespace, name);
  }

  getByUid(clusterId: string, uid: string): ResourceRecord | undefined {
    return this.clusters.get(clusterId)?.byUid.get(uid);
  }

  getById(id: number): ResourceRecord | undefined {
    return this.byId.get(id);
  }

  objectOf(record: ResourceRecord): KubeObject {
    return this.objects.get(record);
  }

  query(filter: CompiledFilter, page: PageRequest): Page {
    return runQuery(this.queryContext, filter, page, this.maxPageSize);
  }

  count(filter: CompiledFilter): number {
    return countMatching(this.queryContext, filter);
  }

  selectIds(clusterId: string, kindKey: string, namespace: string | undefined, selector: LabelSelector): number[] {
    const coll = this.clusters.get(clusterId)?.collections.get(kindKey);
    if (!coll) return [];
    const out: number[] = [];
    for (const g of coll.labels.matchingGroups(selector, namespace)) for (const id of g.ids) out.push(id);
    return out.sort((a, b) => a - b);
  }

  ownedBy(clusterId: string, ownerUid: string): number[] {
    return this.clusters.get(clusterId)?.owners.ids(ownerUid) ?? [];
  }

  podsOnNode(clusterId: string, nodeName: string): number[] {
    return this.clusters.get(clusterId)?.nodes.ids(nodeName) ?? [];
  }

  /** Object counts per kind (registered kinds included at 0), for one cluster or summed over all, in kindKey order. */
  kinds(clusterId?: string): KindCount[] {
    const counts = new Map<string, KindCount>();
    for (const cluster of this.clustersFor(clusterId)) {
      for (const kind of cluster.kinds.values()) {
        const key = kindKeyOf(kind);
        if (!counts.has(key)) counts.set(key, { kind: cluster.collections.get(key)?.kind ?? kind, count: 0 });
      }
      for (const coll of cluster.collections.values()) {
        const entry = counts.get(coll.kindKey);
        if (entry) entry.count += coll.size;
        else counts.set(coll.kindKey, { kind: coll.kind, count: coll.size });
      }
    }
    return [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, c]) => c);
  }

  knownKinds(clusterId?: string): KindInfo[] {
    const out = new Map<string, KindInfo>();
    for (const cluster of this.clustersFor(clusterId)) for (const [k, kind] of cluster.kinds) if (!out.has(k)) out.set(k, kind);
    return [...out.values()];
  }

  onChange(listener: ChangeListener): () => void {
    this.listeners = [...this.listeners, listener];
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners = [...this.listeners.slice(0, i), ...this.listeners.slice(i + 1)];
    };
  }

  // ---------------------------------------------------------------- writer

  /**
   * The sink for one (cluster, kind). Calling it again for the same pair
   * (a restarted reflector) returns a new sink on the same collection. If
   * `keepSecretValues` changes for a collection that holds objects, they are
   * dropped (DELETED, origin "relist") and re-enter under the new policy with
   * the reflector's next list: values redacted before cannot be restored, and
   * values kept before must not outlive an opt-out. A sink whose cluster was
   * removed ignores every call.
   */
  sinkFor(clusterId: string, kind: KindInfo, options: StoreSinkOptions = {}): SnapshotSink {
    const cluster = this.clusterState(clusterId);
    cluster.registerKind(kind);
    const key = kindKeyOf(kind);
    let coll = cluster.collections.get(key);
    if (!coll) {
      coll = new Collection(cluster.clusterId, kind, key);
      cluster.addCollection(coll);
      this.layoutChanged(cluster.clusterId);
    } else {
      coll.kind = kind;
    }
    const keepSecretValues = options.keepSecretValues === true;
    if (coll.keepSecretValues !== keepSecretValues) {
      coll.keepSecretValues = keepSecretValues;
      if (coll.size > 0) this.dropCollectionObjects(cluster, coll);
    }
    coll.replaceOrigin = options.replaceOrigin ?? 'relist';
    const c = coll;
    const live = () => this.clusters.get(cluster.clusterId) === cluster;
    return {
      beginReplace: () => {
        // Into an empty collection every record at the end was stored during the replace: nothing to drop, nothing to track;
        // its label index is built after the replace, in the background (or by the first selector query).
        if (!live()) return;
        c.replaceSeen = c.size === 0 ? NOTHING_TO_DROP : new Set();
        c.deferLabelIndex();
      },
      replaceItem: (obj) => {
        if (live()) this.guard(c, 'replaceItem', () => this.upsert(cluster, c, obj, c.replaceOrigin));
      },
      replaceRecord: (p, facts) => {
        if (live()) this.guard(c, 'replaceRecord', () => this.upsertPortable(cluster, c, p, facts, c.replaceOrigin));
      },
      endReplace: (resourceVersion) => {
        if (live()) this.guard(c, 'endReplace', () => this.endReplace(cluster, c, resourceVersion));
      },
      abortReplace: () => {
        c.replaceSeen = undefined;
        this.labelIndexer.schedule(c);
      },
      apply: (type, obj) => {
        if (!live()) return;
        this.guard(c, 'apply', () => {
          if (type === 'DELETED') this.applyDeleted(cluster, c, obj);
          else this.upsert(cluster, c, obj, 'watch');
        });
      },
      setResourceVersion: (resourceVersion) => {
        if (live() && typeof resourceVersion === 'string' && resourceVersion !== '') c.resourceVersion = resourceVersion;
      },
    };
  }

  /**
   * Announces kinds a cluster serves without watching them (discovery), so
   * that `knownKinds` can resolve user-typed names.
   */
  registerKinds(clusterId: string, kinds: readonly KindInfo[]): void {
    const cluster = this.clusterState(clusterId);
    for (const k of kinds) cluster.registerKind(k);
  }

  removeCluster(clusterId: string): void {
    const cluster = this.clusters.get(clusterId);
    if (!cluster) return;
    for (const coll of cluster.sortedCollections()) {
      coll.dropSorted();
      for (const r of [...coll.records()]) this.removeRecord(cluster, coll, r, 'removed', undefined);
    }
    this.clusters.delete(clusterId);
    this.orderedClusters = undefined;
    this.layoutChanged(clusterId);
  }

  resourceVersionOf(clusterId: string, kindKey: string): string | undefined {
    return this.clusters.get(clusterId)?.collections.get(kindKey)?.resourceVersion;
  }

  /**
   * A token that changes whenever an object of the matching collections
   * (clusters and kindKeys; undefined = all) may have changed: the layout
   * generation of the clusters (bumped when one of them, or one of their
   * collections, is created or removed; overall when unrestricted) and the
   * sum of the collections' change counts. Equal tokens
   * mean no change in between. For L1 caches of query results; costs one
   * pass over the matching collections, no pass over objects.
   */
  changeGeneration(clusters: ReadonlySet<string> | undefined, kindKeys: ReadonlySet<string> | undefined): string {
    let sum = 0;
    const add = (cluster: ClusterState | undefined) => {
      if (!cluster) return;
      if (kindKeys === undefined) {
        for (const c of cluster.collections.values()) sum += c.changes.ADDED + c.changes.MODIFIED + c.changes.DELETED;
      } else {
        for (const k of kindKeys) {
          const c = cluster.collections.get(k);
          if (c) sum += c.changes.ADDED + c.changes.MODIFIED + c.changes.DELETED;
        }
      }
    };
    if (clusters === undefined) {
      for (const cluster of this.clusters.values()) add(cluster);
      return `${this.layoutGeneration}:${sum}`;
    }
    let layout = '';
    for (const id of clusters) {
      add(this.clusters.get(id));
      layout += `${this.clusterLayoutGenerations.get(id) ?? 0},`;
    }
    return `${layout}:${sum}`;
  }

  private layoutChanged(clusterId: string): void {
    this.layoutGeneration++;
    this.clusterLayoutGenerations.set(clusterId, (this.clusterLayoutGenerations.get(clusterId) ?? 0) + 1);
  }

  /** Deferred compression: records waiting, compressed so far, skipped because superseded. */
  deferredCompressionStats(): { pending: number; compressed: number; superseded: number } {
    const d = this.deferred;
    return { pending: d?.size ?? 0, compressed: d?.compressed ?? 0, superseded: d?.superseded ?? 0 };
  }

  /** Compresses every record waiting for deferred compression now. */
  settleDeferredCompression(): void {
    this.deferred?.settleAll();
  }

  /** Hits and misses of the parsed-object LRU behind objectOf, and its estimated bytes. */
  objectCacheStats(): { hits: number; misses: number; bytes: number; entries: number } {
    return { hits: this.objects.hits, misses: this.objects.misses, bytes: this.objects.bytes, entries: this.objects.size };
  }

  /** Per-collection object and change counts (metrics, diagnostics). */
  *collectionStats(): IterableIterator<CollectionStats> {
    for (const cluster of this.clusters.values()) {
      for (const c of cluster.collections.values()) yield { clusterId: c.clusterId, kindKey: c.kindKey, objects: c.size, changes: c.changes };
    }
  }

  forEachRecord(fn: (record: ResourceRecord) => void): void {
    for (const r of this.byId.values()) fn(r);
  }

  /**
   * A record in its portable form (see PortableRecord): the stored packed
   * JSON and its compression base, no decoding. A record that did not come
   * from this store is carried as plain JSON with its index fields.
   */
  portableOf(record: ResourceRecord): PortableRecord {
    if (record instanceof StoredRecord) {
      this.deferred?.settle(record);
      return {
        namespace: record.namespace,
        name: record.name,
        uid: record.uid,
        resourceVersion: record.resourceVersion,
        creationTimestamp: record.creationTimestamp,
        status: record.status,
        labelKey: record.labelSet.key,
        owners: record.ownerUids(),
        nodeName: record.nodeName,
        packed: record.packed,
        base: record.base,
      };
    }
    const json = record.json;
    const parsed = JSON.parse(json) as KubeObject;
    const owners = ownerUidsOf(parsed.metadata?.ownerReferences);
    const nodeName = (parsed.spec as { nodeName?: unknown } | undefined)?.nodeName;
    return {
      namespace: record.namespace,
      name: record.name,
      uid: record.uid,
      resourceVersion: record.resourceVersion,
      creationTimestamp: record.creationTimestamp,
      status: record.status,
      labelKey: labelSetKey(record.labels),
      owners,
      nodeName: record.kind.kind === 'Pod' && !record.kind.group && typeof nodeName === 'string' && nodeName !== '' ? nodeName : undefined,
      packed: json,
      base: undefined,
    };
  }

  /** Number of objects in the store. */
  get size(): number {
    return this.byId.size;
  }

  // ---------------------------------------------------------------- internals

  private clusterState(clusterId: string): ClusterState {
    let cluster = this.clusters.get(clusterId);
    if (!cluster) {
      cluster = new ClusterState(clusterId);
      this.clusters.set(clusterId, cluster);
      this.orderedClusters = undefined;
      this.layoutChanged(clusterId);
    }
    return cluster;
  }

  private clustersFor(clusterId: string | undefined): ClusterState[] {
    if (clusterId === undefined) return this.queryContext.sortedClusters() as ClusterState[];
    const c = this.clusters.get(clusterId);
    return c ? [c] : [];
  }

  /** Runs a sink operation; bad input is logged and dropped, never thrown at the reflector. */
  private guard(c: Collection, op: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      log.error({ clusterId: c.clusterId, kind: c.kindKey, op, err: describeError(e) }, 'store: sink operation failed');
    }
  }

  private intern(s: string): string {
    const found = this.strings.get(s);
    if (found !== undefined) return found;
    this.strings.set(s, s);
    return s;
  }

  /**
   * Where an incoming (namespace, name, uid, resourceVersion) goes: undefined
   * when the store already holds exactly that version (marked seen for a
   * replace in progress); otherwise the record it updates (same uid) and its
   * id, or a fresh id after removing a same-named object of another uid.
   */
  private slotFor(cluster: ClusterState, coll: Collection, namespace: string, name: string, uid: string, resourceVersion: string, origin: ChangeOrigin): { existing: StoredRecord | undefined; id: number } | undefined {
    const found = coll.get(namespace, name);
    if (found !== undefined && found.uid === uid && found.resourceVersion === resourceVersion) {
      coll.replaceSeen?.add(found.id);
      return undefined;
    }
    if (found !== undefined && found.uid !== uid) {
      this.removeRecord(cluster, coll, found, origin, undefined);
      return { existing: undefined, id: this.nextId++ };
    }
    return { existing: found, id: found?.id ?? this.nextId++ };
  }

  private upsert(cluster: ClusterState, coll: Collection, obj: KubeObject, origin: ChangeOrigin): void {
    const meta = obj?.metadata;
    const name = meta?.name;
    if (typeof name !== 'string' || name === '') {
      log.warn({ clusterId: coll.clusterId, kind: coll.kindKey }, 'store: object without metadata.name ignored');
      return;
    }
    const namespace = coll.kind.namespaced && typeof meta.namespace === 'string' ? this.intern(meta.namespace) : '';
    const uid = typeof meta.uid === 'string' ? meta.uid : '';
    const resourceVersion = typeof meta.resourceVersion === 'string' ? meta.resourceVersion : '';
    const slot = this.slotFor(cluster, coll, namespace, name, uid, resourceVersion, origin);
    if (slot === undefined) return;
    const { existing, id } = slot;
    const { record, object } = this.buildRecord(cluster, coll, obj, id, namespace, name, uid, resourceVersion, true, existing?.labelSet ?? coll.lastLabelSet, origin === 'watch' ? 'defer' : 'now');
    this.store(cluster, coll, record, existing, object, origin, undefined);
  }

  /**
   * Upsert of a record in portable form: the same identity rules and
   * events as `upsert` (the event carries no parsed object, and the
   * snapshot's relation facts), without parse, slim, status summary or
   * compression. The record's compression base is kept; a kind dictionary
   * becomes the kind's dictionary here when the kind has none yet.
   */
  private upsertPortable(cluster: ClusterState, coll: Collection, p: PortableRecord, facts: LazyRelationFacts | undefined, origin: ChangeOrigin): void {
    const name = p.name;
    if (typeof name !== 'string' || name === '') {
      log.warn({ clusterId: coll.clusterId, kind: coll.kindKey }, 'store: object without metadata.name ignored');
      return;
    }
    const namespace = coll.kind.namespaced ? this.intern(p.namespace) : '';
    const { uid, resourceVersion } = p;
    const slot = this.slotFor(cluster, coll, namespace, name, uid, resourceVersion, origin);
    if (slot === undefined) return;
    const { existing, id } = slot;
    const labelSet = this.labelSets.acquireKey(p.labelKey, existing?.labelSet ?? coll.lastLabelSet);
    coll.lastLabelSet = labelSet;
    let owners: string | string[] | undefined;
    let anchorPosting: ReturnType<ClusterState['owners']['add']> | undefined;
    if (p.owners.length > 0) {
      const interned: string[] = [];
      for (const u of p.owners) {
        const posting = cluster.owners.add(u, id);
        interned.push(posting.key);
        anchorPosting ??= posting;
      }
      owners = interned.length === 1 ? interned[0] : interned;
    }
    const nodeName = coll.kindKey === 'Pod' && p.nodeName ? cluster.nodes.add(p.nodeName, id).key : undefined;
    const base = p.base;
    if (base instanceof KindDictionary && this.codec.compression !== 'none') this.codec.adoptKindDictionary(coll.kindKey, base);
    const record = new StoredRecord(
      id,
      coll.clusterId,
      coll.kind,
      coll.kindKey,
      namespace,
      name,
      uid,
      resourceVersion,
      p.creationTimestamp,
      p.status === undefined ? undefined : this.intern(p.status),
      labelSet,
      owners,
      nodeName,
      p.packed,
      base,
      this.codec,
    );
    // a record packed against the kind dictionary (or plain) can anchor its later siblings, as in buildRecord
    if (anchorPosting !== undefined && (base === undefined || base instanceof KindDictionary)) {
      const anchor = anchorPosting.extra;
      if (anchor === undefined || anchor.id === id || this.byId.get(anchor.id) !== anchor) anchorPosting.extra = record;
    }
    this.store(cluster, coll, record, existing, undefined, origin, facts);
  }

  /** Files a new record (replacing `existing`, same id, when given) in every index and emits its ADDED or MODIFIED. */
  private store(
    cluster: ClusterState,
    coll: Collection,
    record: StoredRecord,
    existing: StoredRecord | undefined,
    object: KubeObject | undefined,
    origin: ChangeOrigin,
    relationFacts: LazyRelationFacts | undefined,
  ): void {
    const { id, uid } = record;
    if (existing === undefined) {
      coll.add(record);
      this.byId.set(id, record);
      if (uid !== '') cluster.byUid.set(uid, record);
    } else {
      coll.replace(existing, record);
      this.byId.set(id, record);
      if (uid !== '') cluster.byUid.set(uid, record);
      this.unindexRefs(cluster, existing);
      this.labelSets.release(existing.labelSet);
      this.objects.delete(id);
    }
    coll.replaceSeen?.add(id);
    const type: ChangeType = existing === undefined ? 'ADDED' : 'MODIFIED';
    coll.changes[type]++;
    this.emit(relationFacts === undefined ? { type, record, previous: existing, object, at: Date.now(), origin } : { type, record, previous: existing, object, at: Date.now(), origin, relationFacts });
  }

  /**
   * Builds the record of `obj` (slimmed, summarized, packed). With `index`,
   * takes the label set reference and adds the owner/node postings the
   * record names (the caller stores the record); otherwise the record is a
   * detached final state.
   */
  private buildRecord(
    cluster: ClusterState,
    coll: Collection,
    obj: KubeObject,
    id: number,
    namespace: string,
    name: string,
    uid: string,
    resourceVersion: string,
    index: boolean,
    labelHint: LabelSet | undefined,
    packing: RecordPacking = 'now',
  ): { record: StoredRecord; object: KubeObject } {
    const meta = obj.metadata;
    const labelSet = this.labelSets.acquire(isPlainObject(meta.labels) ? meta.labels : undefined, labelHint);
    if (index) coll.lastLabelSet = labelSet;
    if (!index) this.labelSets.release(labelSet);
    const isSecret = coll.kindKey === 'Secret';
    const object = slimObject(obj, { isSecret, keepSecretValues: coll.keepSecretValues, labels: labelSet.labels });
    const json = JSON.stringify(object);
    const status = summarizeStatus(coll.kindKey, object);

    // owners: controller first; postings give the interned uid strings
    const ownerKeys = ownerUidsOf(meta.ownerReferences);
    let owners: string | string[] | undefined;
    let anchorPosting: ReturnType<ClusterState['owners']['add']> | undefined;
    if (ownerKeys.length > 0) {
      const interned: string[] = [];
      for (const u of ownerKeys) {
        if (index) {
          const p = cluster.owners.add(u, id);
          interned.push(p.key);
          anchorPosting ??= p;
        } else {
          interned.push(cluster.owners.get(u)?.key ?? u);
        }
      }
      owners = interned.length === 1 ? interned[0] : interned;
    }
    let nodeName: string | undefined;
    if (coll.kindKey === 'Pod') {
      const n = (obj.spec as { nodeName?: unknown } | undefined)?.nodeName;
      if (typeof n === 'string' && n !== '') nodeName = index ? cluster.nodes.add(n, id).key : (cluster.nodes.get(n)?.key ?? n);
    }

    // compression base: a live sibling (same controller) if there is one, else the kind's dictionary
    let base: Base | undefined;
    let becomesAnchor = false;
    if (this.codec.compression !== 'none') {
      const anchor = anchorPosting?.extra;
      if (anchor !== undefined && anchor.id !== id && this.byId.get(anchor.id) === anchor) base = anchor;
      else {
        base = this.codec.kindDictionary(coll.kindKey, json);
        becomesAnchor = anchorPosting !== undefined;
      }
    }
    // a leaf record from a watch event is stored plain and compressed later (DeferredCompression); an anchor at once
    const deferTo = packing === 'defer' && !becomesAnchor && base !== undefined && this.deferred !== undefined ? base : undefined;
    const packed = deferTo !== undefined || packing === 'plain' ? { packed: json, base: undefined } : this.codec.encode(json, base);
    const record = new StoredRecord(
      id,
      coll.clusterId,
      coll.kind,
      coll.kindKey,
      namespace,
      name,
      uid,
      resourceVersion,
      typeof meta.creationTimestamp === 'string' ? meta.creationTimestamp : undefined,
      status === undefined ? undefined : this.intern(status),
      labelSet,
      owners,
      nodeName,
      packed.packed,
      packed.base,
      this.codec,
    );
    if (becomesAnchor && (packed.base === undefined || packed.base instanceof KindDictionary)) anchorPosting!.extra = record;
    if (deferTo !== undefined) this.deferred!.defer(record, deferTo);
    return { record, object };
  }

  /** Removes the owner/node postings of a replaced or removed record. */
  private unindexRefs(cluster: ClusterState, r: StoredRecord): void {
    const owners = r.owners;
    if (owners !== undefined) {
      if (typeof owners === 'string') this.unlinkOwner(cluster, owners, r);
      else for (const u of owners) this.unlinkOwner(cluster, u, r);
    }
    if (r.nodeName !== undefined) this.unlinkNode(cluster, r.nodeName, r);
  }

  private unlinkOwner(cluster: ClusterState, uid: string, r: StoredRecord): void {
    // a MODIFIED keeps the id: the new version may have re-added it
    const current = this.byId.get(r.id);
    if (current !== undefined && current !== r && current.ownerUids().includes(uid)) return;
    cluster.owners.remove(uid, r.id);
  }

  private unlinkNode(cluster: ClusterState, node: string, r: StoredRecord): void {
    const current = this.byId.get(r.id);
    if (current !== undefined && current !== r && current.nodeName === node) return;
    cluster.nodes.remove(node, r.id);
  }

  private applyDeleted(cluster: ClusterState, coll: Collection, obj: KubeObject): void {
    const meta = obj?.metadata;
    const name = meta?.name;
    if (typeof name !== 'string') return;
    const namespace = coll.kind.namespaced && typeof meta.namespace === 'string' ? meta.namespace : '';
    const existing = coll.get(namespace, name);
    if (existing === undefined) return;
    const uid = typeof meta.uid === 'string' ? meta.uid : '';
    if (uid !== '' && existing.uid !== '' && uid !== existing.uid) return; // a DELETED of an older incarnation
    this.removeRecord(cluster, coll, existing, 'watch', obj);
  }

  /** Removes every object of a collection (DELETED, origin "relist") and forgets its resourceVersion. */
  private dropCollectionObjects(cluster: ClusterState, coll: Collection): void {
    coll.dropSorted();
    for (const r of [...coll.records()]) this.removeRecord(cluster, coll, r, 'relist', undefined);
    coll.resourceVersion = undefined;
  }

  private endReplace(cluster: ClusterState, coll: Collection, resourceVersion: string): void {
    const seen = coll.replaceSeen;
    coll.replaceSeen = undefined;
    if (seen !== undefined && seen !== NOTHING_TO_DROP) {
      const gone: StoredRecord[] = [];
      for (const r of coll.records()) if (!seen.has(r.id)) gone.push(r);
      for (const r of gone) this.removeRecord(cluster, coll, r, coll.replaceOrigin, undefined);
    }
    if (typeof resourceVersion === 'string' && resourceVersion !== '') coll.resourceVersion = resourceVersion;
    this.labelIndexer.schedule(coll);
  }

  /**
   * Drops a record from every index and emits DELETED. The event carries
   * `finalObject`'s state when given (a watch DELETED's last state) and the
   * stored record otherwise.
   */
  private removeRecord(cluster: ClusterState, coll: Collection, r: StoredRecord, origin: ChangeOrigin, finalObject: KubeObject | undefined): void {
    coll.delete(r);
    this.byId.delete(r.id);
    if (r.uid !== '' && cluster.byUid.get(r.uid) === r) cluster.byUid.delete(r.uid);
    this.unindexRefs(cluster, r);
    this.labelSets.release(r.labelSet);
    this.objects.delete(r.id);
    coll.changes.DELETED++;
    let record = r;
    let object: KubeObject | undefined;
    const finalRv = finalObject?.metadata?.resourceVersion;
    if (finalObject !== undefined && typeof finalRv === 'string' && finalRv !== r.resourceVersion) {
      // the last state of a deleted object is never stored, only carried by the event (and the history, which counts its bytes): not worth a deflate
      const built = this.buildRecord(cluster, coll, finalObject, r.id, r.namespace, r.name, r.uid, finalRv, false, r.labelSet, 'plain');
      record = built.record;
      object = built.object;
    }
    this.emit({ type: 'DELETED', record, previous: record, object, at: Date.now(), origin });
  }

  private emit(event: ChangeEvent): void {
    const listeners = this.listeners;
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i](event);
      } catch (e) {
        log.error({ clusterId: event.record.clusterId, kind: event.record.kind.kind, type: event.type, err: describeError(e) }, 'store: change listener threw');
      }
    }
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Owner uids of ownerReferences, the controller first, without duplicates. */
function ownerUidsOf(refs: OwnerReference[] | undefined): string[] {
  if (!Array.isArray(refs) || refs.length === 0) return [];
  const out: string[] = [];
  for (const ref of refs) {
    const uid = ref?.uid;
    if (typeof uid !== 'string' || uid === '' || out.includes(uid)) continue;
    if (ref.controller === true) out.unshift(uid);
    else out.push(uid);
  }
  return out;
}

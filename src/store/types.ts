import type { KindInfo } from '../kube/kinds.js';
import type { KubeObject } from '../kube/types.js';
import type { LabelSelector } from '../kube/labelSelector.js';
import type { LazyRelationFacts } from '../relations/facts.js';
import type { ReflectorSink } from '../watch/sink.js';
import type { PortableRecord } from './portable.js';

/**
 * One object as the catalog holds it: an immutable snapshot. A MODIFIED
 * replaces the record (the old one stays valid for whoever holds it, e.g. an
 * event in history). Strings are interned where they repeat.
 */
export interface ResourceRecord {
  /** Store-assigned id, stable for the object's lifetime in the catalog (same across MODIFIED). */
  readonly id: number;
  readonly clusterId: string;
  /** Shared KindInfo of the collection the object came from. */
  readonly kind: KindInfo;
  /** "" for cluster-scoped objects. */
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly resourceVersion: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly creationTimestamp: string | undefined;
  /** One-word summary (Running, CrashLoopBackOff, Available, Bound, Ready, ...). */
  readonly status: string | undefined;
  /** The slimmed object as JSON: no managedFields, no last-applied annotation, Secret values redacted unless opted in. */
  readonly json: string;
}

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** Why a change happened: a live watch event, a relist after a gap, a warm-restart snapshot, or a cluster removal. */
export type ChangeOrigin = 'watch' | 'relist' | 'snapshot' | 'removed';

/**
 * Exactly one per change to the store, delivered synchronously and in order
 * to every listener.
 */
export interface ChangeEvent {
  readonly type: ChangeType;
  /** The new state; for DELETED the last known state. */
  readonly record: ResourceRecord;
  /** The state before a MODIFIED; undefined for ADDED; for DELETED the same as `record`. */
  readonly previous: ResourceRecord | undefined;
  /** The parsed slimmed object of `record`, when the store had it at hand (saves a parse). */
  readonly object: KubeObject | undefined;
  /** Epoch ms at which the store applied the change. */
  readonly at: number;
  readonly origin: ChangeOrigin;
  /**
   * The record's relation facts as a snapshot recorded them (only on changes
   * made by `SnapshotSink.replaceRecord`): a listener that derives relations
   * may take them instead of decoding the object.
   */
  readonly relationFacts?: LazyRelationFacts;
}

export type ChangeListener = (event: ChangeEvent) => void;

/** What users filter on (the GraphQL ResourceFilter), before validation. */
export interface ResourceFilterInput {
  clusters?: readonly string[] | null;
  kinds?: readonly string[] | null;
  namespaces?: readonly string[] | null;
  labelSelector?: string | null;
  name?: string | null;
  nameContains?: string | null;
  status?: string | null;
}

/** A validated filter. Built by `compileFilter` (BAD_USER_INPUT on a bad selector or unknown kind). */
export interface CompiledFilter {
  readonly clusters: ReadonlySet<string> | undefined;
  /** kindKey()s; undefined = all kinds. */
  readonly kindKeys: ReadonlySet<string> | undefined;
  readonly namespaces: ReadonlySet<string> | undefined;
  readonly selector: LabelSelector | undefined;
  readonly name: string | undefined;
  readonly nameContains: string | undefined;
  readonly status: string | undefined;
}

export interface PageRequest {
  /** Max records; the store enforces its own maximum page size. */
  first: number;
  /** An opaque cursor from a previous page (keyset: stays valid while objects change). */
  after?: string;
}

export interface Page {
  records: ResourceRecord[];
  /** cursors[i] is the cursor of records[i]. */
  cursors: string[];
  hasNextPage: boolean;
  totalCount: number;
}

export interface KindCount {
  kind: KindInfo;
  count: number;
}

/** Read side of the catalog, used by GraphQL resolvers, relations and subscriptions. */
export interface ResourceReader {
  get(clusterId: string, kindKey: string, namespace: string, name: string): ResourceRecord | undefined;
  getByUid(clusterId: string, uid: string): ResourceRecord | undefined;
  getById(id: number): ResourceRecord | undefined;
  /** Visits every record in the store, in no particular order (for building derived indexes such as relations). */
  forEachRecord(fn: (record: ResourceRecord) => void): void;
  /** Parsed slimmed object (served from an LRU of parsed objects). */
  objectOf(record: ResourceRecord): KubeObject;
  /** Records in (clusterId, namespace, name, kind) order. */
  query(filter: CompiledFilter, page: PageRequest): Page;
  count(filter: CompiledFilter): number;
  /** Ids of the objects of one kind in one namespace (or cluster-wide with namespace undefined) whose labels match, found through the label index. */
  selectIds(clusterId: string, kindKey: string, namespace: string | undefined, selector: LabelSelector): number[];
  /** Ids of objects that name `ownerUid` in their ownerReferences. */
  ownedBy(clusterId: string, ownerUid: string): number[];
  /** Ids of pods bound to a node. */
  podsOnNode(clusterId: string, nodeName: string): number[];
  kinds(clusterId?: string): KindCount[];
  /** Every kind registered for a cluster (watched or discovered), for resolving user kind names. */
  knownKinds(clusterId?: string): KindInfo[];
  onChange(listener: ChangeListener): () => void;
}

/** Write side: only reflectors (through sinks) and cluster removal change the store. */
export interface ResourceWriter {
  /** The sink a reflector of (clusterId, kind) writes to; registers the kind for the cluster. */
  sinkFor(clusterId: string, kind: KindInfo, options?: SinkOptions): ReflectorSink;
  /** Drops every object of a cluster, emitting DELETED (origin "removed") for each. */
  removeCluster(clusterId: string): void;
  /** The newest resourceVersion recorded for a collection (for warm restart). */
  resourceVersionOf(clusterId: string, kindKey: string): string | undefined;
}

export interface SinkOptions {
  /** Keep Secret data/stringData values (cluster config opt-in). Default false: values redacted. */
  keepSecretValues?: boolean;
}

/**
 * A sink that also takes records in their portable form (a warm restart's
 * snapshot): no parse, slim or compression. `replaceRecord` is an upsert
 * like `replaceItem` (inside or outside a replace).
 */
export interface SnapshotSink extends ReflectorSink {
  replaceRecord(record: PortableRecord, facts: LazyRelationFacts | undefined): void;
}

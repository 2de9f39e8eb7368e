import type { KindInfo } from '../kube/kinds.js';
import type { CompiledFilter, ResourceFilterInput, ResourceReader, ResourceRecord } from '../store/types.js';

/**
 * What the GraphQL layer needs from the rest of kubeatlas, in the shapes it
 * serves. `src/app.ts` adapts the real modules to these; resolvers never
 * reach past them. Everything here is read-only except the cluster service's
 * add/remove.
 */

export type ClusterStatusValue = 'CONNECTING' | 'SYNCING' | 'READY' | 'DEGRADED' | 'UNREACHABLE';
export type AuthMethodValue = 'KUBECONFIG' | 'IN_CLUSTER' | 'SERVICE_ACCOUNT' | 'TOKEN';

/** A cluster as clients see it: never credentials. */
export interface ClusterView {
  clusterId: string;
  name: string;
  environment?: string;
  region?: string;
  labels: Record<string, string>;
  authMethod: AuthMethodValue;
  server: string;
  status: ClusterStatusValue;
  version?: string;
  lastError?: string;
  sync: { kindsTotal: number; kindsSynced: number; objects: number; progress: number };
  source: 'config' | 'runtime';
  statusChangedAt?: string;
}

export interface ClusterService {
  list(): ClusterView[];
  get(clusterId: string): ClusterView | undefined;
  /** Validates (BAD_USER_INPUT naming the field, CONFLICT for a duplicate id), then connects in the background. */
  add(input: Record<string, unknown>, options: { waitForReady: boolean }): Promise<ClusterView>;
  /** NOT_FOUND for an unknown id. */
  remove(clusterId: string): Promise<boolean>;
}

export type RelationTypeValue = 'OWNED_BY' | 'RUNS_ON' | 'USES' | 'SELECTS' | 'ROUTES_TO' | 'BOUND_TO' | 'SCALES' | 'BINDS' | 'EVENT_FOR' | 'MANAGES';
export type RelationDirectionValue = 'OUTGOING' | 'INCOMING' | 'BOTH';

export interface ResourceRefView {
  clusterId: string;
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  uid?: string;
}

export interface RelationView {
  type: RelationTypeValue;
  direction: 'OUTGOING' | 'INCOMING';
  other: ResourceRefView;
  otherRecord: ResourceRecord | undefined;
}

export interface RelationService {
  relations(record: ResourceRecord, options: { types?: RelationTypeValue[]; direction: RelationDirectionValue }): RelationView[];
  /** BAD_USER_INPUT for depth outside 1..5; LIMIT_EXCEEDED beyond the node cap. */
  related(record: ResourceRecord, options: { types?: RelationTypeValue[]; direction: RelationDirectionValue; depth: number }): ResourceRecord[];
}

export interface ResourceEventView {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  clusterId: string;
  record: ResourceRecord;
  cursor: string;
  at: number;
}

export interface ClusterEventView {
  type: 'ADDED' | 'REMOVED' | 'STATUS_CHANGED';
  clusterId: string;
  cluster?: ClusterView;
  at: string;
}

/** A live stream that ends when the client goes away (`return()`), or throws a coded error (slow consumer). */
export type EventStream<T> = AsyncIterableIterator<T>;

export interface EventService {
  /** RESYNC_REQUIRED (thrown before the stream starts) for an unknown or too-old `since`; LIMIT_EXCEEDED over the total limit. */
  resourceEvents(filter: CompiledFilter, options: { since?: string; signal?: AbortSignal }): EventStream<ResourceEventView>;
  clusterEvents(options: { signal?: AbortSignal }): EventStream<ClusterEventView>;
}

export interface Limits {
  maxPageSize: number;
  defaultPageSize: number;
  maxQueryDepth: number;
  maxQueryComplexity: number;
  maxQueryTokens: number;
  maxQueryBytes: number;
  maxSubscriptionsPerConnection: number;
  /** SSE: how long a client may read nothing while events wait before it is disconnected. */
  slowSubscriberTimeoutMs: number;
}

export interface GraphqlServices {
  clusters: ClusterService;
  store: ResourceReader;
  /** compileFilter bound to the kinds currently known (BAD_USER_INPUT on bad input). */
  compileFilter(input: ResourceFilterInput | null | undefined): CompiledFilter;
  /** Resolves a user-typed kind name within a cluster (BAD_USER_INPUT when unknown). */
  resolveKind(clusterId: string | undefined, name: string): KindInfo[];
  relations: RelationService;
  events: EventService;
  limits: Limits;
  /** Whether mutations that change clusters are allowed (the admin scope until authentication exists). */
  mutationsEnabled: boolean;
  /** Node and namespace counts per cluster, from the catalog. */
  countOf(clusterId: string, kindKey: string): number;
}

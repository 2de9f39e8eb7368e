import type { AuthMethod, ClusterSpec } from '../config/clusterSpecSchema.js';
import type { ClusterStatus, SyncReport } from './clusterStatus.js';
import type { KubeClient } from './kubeClient.js';

export type { ClusterStatus, SyncReport, AuthMethod };

/** A snapshot of one cluster for the GraphQL `Cluster` type. Holds no secrets. */
export interface ClusterInfo {
  clusterId: string;
  name: string;
  environment?: string;
  region?: string;
  labels: Record<string, string>;
  authMethod: AuthMethod;
  /** API server URL, never credentials ("" while a kubeconfig could not be read). */
  server: string;
  status: ClusterStatus;
  /** gitVersion from /version, once a probe succeeded. */
  version?: string;
  lastError?: string;
  sync: { kindsTotal: number; kindsSynced: number; objects: number; progress: number };
  source: 'config' | 'runtime';
  /** ISO 8601. */
  addedAt: string;
  statusChangedAt: string;
}

/** One registered cluster, as the layers above use it. */
export interface ClusterHandle {
  readonly id: string;
  /** The validated entry. Holds secrets: never expose it to GraphQL or logs as is. */
  readonly spec: ClusterSpec;
  readonly client: KubeClient;
  /** A snapshot, no secrets. */
  info(): ClusterInfo;
  /** From the sync layer: drives SYNCING / READY / DEGRADED (see deriveStatus). Ignored after removal. */
  reportSync(report: SyncReport): void;
  /** Aborted when the cluster is removed or the registry closes. */
  readonly signal: AbortSignal;
}

export type ClusterEventType = 'ADDED' | 'REMOVED' | 'STATUS_CHANGED';

/** The contract's ClusterEvent. `cluster` is the snapshot after the change (for REMOVED: the last one). */
export interface ClusterEvent {
  type: ClusterEventType;
  clusterId: string;
  cluster?: ClusterInfo;
  /** ISO 8601. */
  at: string;
}

/** Shapes exchanged with the kubeatlas process under measurement (bench/children/kubeatlasHost.ts). */

export interface ClusterReady {
  id: string;
  status: string;
  /** Milliseconds from `add` to READY (absent when it never got there). */
  readyMs: number | undefined;
  objects: number;
  lastError: string | undefined;
  /** Status changes, ms after `add`. */
  timeline: Array<{ status: string; ms: number }>;
  /** The longest first state transfer of one kind (reflector start to synced), ms. */
  slowestKindMs: number;
  kinds: number;
}

export interface ReadyReport {
  /** Every cluster reached READY before the deadline. */
  ready: boolean;
  /** Milliseconds from `add` until the last cluster was READY (or until the deadline). */
  ms: number;
  /** Objects in the store when the wait ended. */
  objects: number;
  perCluster: ClusterReady[];
}

export interface KubeatlasStats {
  objects: number;
  edges: number;
  relationBytes: number;
  subscriptions: number;
  /** Resource-event subscribers disconnected because their queue was full (since start). */
  slowDisconnects: number;
  /** Summed over every reflector: watches re-opened without a relist, state transfers after the first, 410s seen. */
  watchRestarts: number;
  relists: number;
  expired: number;
  /** Store records compressed off the event path, and skipped because superseded first (since start). */
  deferredCompressions: { compressed: number; superseded: number };
}

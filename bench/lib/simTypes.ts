/** Shapes exchanged with the simulator processes (bench/children/simHost.ts). */

export interface SimClusterRequest {
  name: string;
  seed: number;
  /** Approximate objects of the generated workload. */
  objects: number;
  /** Watch-cache events kept per kind (default of the simulator when absent). */
  historySize?: number;
}

export interface SimClusterInfo {
  name: string;
  url: string;
  /** Bearer token of the cluster admin (never printed). */
  token: string;
  caPem: string;
  objects: number;
  pods: number;
  seedSeconds: number;
}

/** Pod changes with from < resourceVersion <= to. */
export interface PodChangeWindow {
  from: number;
  to: number;
}

export interface PodChanges {
  /** Pod changes committed in the window. */
  count: number;
  /** Writes of the churn engine itself (any kind) since tracking began: the churn rate achieved. */
  churnWrites: number;
  /** resourceVersions of the writes that set a new changed-at stamp, and that stamp (epoch ms), index by index. */
  stampedRvs: Float64Array;
  stampedAt: Float64Array;
}

export interface PodRef {
  cluster: string;
  namespace: string;
  name: string;
}

export interface ProcessUsage {
  /** User + system CPU time since the process started. */
  cpuMs: number;
  /** Time the main thread was runnable but had no CPU (another process held it), since the process started. */
  runQueueMs: number;
  rss: number;
  pid: number;
}

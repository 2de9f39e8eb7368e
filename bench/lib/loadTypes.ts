/** Shapes exchanged with the load-client process (bench/children/loadClient.ts). */
import type { Summary } from './stats.js';

export interface SubscribeRequest {
  url: string;
  transport: 'sse' | 'ws';
  /** One entry per subscriber: the cluster whose pods it follows. */
  clusters: string[];
  /** Extra subscribers of every pod event that stop reading once served (bench/lib/stalledSubscriber.ts). */
  stalled?: number;
}

export interface EventWindowRequest {
  /** Per cluster: Pod changes the simulator committed with from < rv <= to. */
  windows: Record<string, { from: number; to: number }>;
  /** Per cluster: how many of them (what every subscriber of that cluster should receive). */
  expected: Record<string, number>;
  /** Per cluster: resourceVersions of the stamping writes and their stamps (latency samples). */
  stampedRvs: Record<string, Float64Array>;
  stampedAt: Record<string, Float64Array>;
}

export interface EventResults {
  subscribers: number;
  /** Sum over subscribers of the events they should have received. */
  expected: number;
  /** Sum over subscribers of distinct window events received. */
  received: number;
  /** expected - received, summed (never negative per subscriber). */
  dropped: number;
  /** Subscribers that received fewer than expected. */
  subscribersShort: number;
  duplicates: number;
  /** Received events the simulator did not commit in the window's clusters (should be 0). */
  unexpected: number;
  /** Stream errors (a subscriber cut off, a transport error). */
  errors: number;
  firstError: string | undefined;
  /** Client receipt minus the write's changed-at stamp, ms (1 ms resolution: the stamp is epoch ms). */
  latency: Summary;
  /** Per event: receipt here minus the reference receiver's receipt of the same (cluster, resourceVersion), ms; when a reference was given. */
  overReference?: Summary;
  /** Events whose changed-at annotation differs from what the simulator stamped at that resourceVersion (should be 0). */
  stampMismatches: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  firstError: string | undefined;
  seconds: number;
  perSecond: number;
  latency: Summary;
  /** Mean matches per question (totalCount / merged list length). */
  meanMatches: number;
  /** Mean items returned per question. */
  meanReturned: number;
}

export interface FanoutCluster {
  name: string;
  url: string;
  token: string;
  caPem: string;
}

export interface RelatedResult extends LoadResult {
  /** Pods that were gone when asked (null resource), not counted as errors. */
  missing: number;
}

/** Both sides asked the same selectors: how many answers agree on the number of matching pods. */
export interface AnswerComparison {
  selectors: number;
  agree: number;
  /** Of `agree`: agreed only when asked again (the clusters were still changing). */
  agreedAfterRetry: number;
  disagree: Array<{ selector: string; kubeatlas: number; peer: number }>;
  errors: number;
  firstError: string | undefined;
}

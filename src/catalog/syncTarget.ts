import type { KubeClient } from '../clusters/kubeClient.js';
import type { SyncReport } from '../clusters/clusterStatus.js';

export type { SyncReport };

/**
 * What ClusterSync needs from a cluster: structurally the registry's
 * ClusterHandle, reduced to the members used.
 *
 * ClusterSync's reports: `kindsTotal` = kinds asked for (watched + skipped);
 * `kindsSynced` = watched kinds whose first state transfer completed;
 * `failingKinds` = skipped kinds (not served, unknown name, discovery of their
 * group failed) and watched kinds the server refuses (401/403/404);
 * `stale` = a synced kind has been out of its watch for `staleAfterMs`.
 */
export interface SyncTarget {
  readonly id: string;
  readonly spec: { readonly kinds?: readonly string[]; readonly keepSecretValues?: boolean };
  readonly client: KubeClient;
  /** Aborted when the cluster is removed. */
  readonly signal: AbortSignal;
  reportSync(report: SyncReport): void;
}

/** The contract's ClusterStatus. */
export type ClusterStatus = 'CONNECTING' | 'SYNCING' | 'READY' | 'DEGRADED' | 'UNREACHABLE';

/**
 * What the sync layer (reflectors of one cluster) reports. `kindsSynced`
 * counts kinds whose initial list completed; `failingKinds` are kinds that
 * currently fail (a kind may be in both); `stale` = the data may be old
 * (e.g. watches keep failing).
 */
export interface SyncReport {
  kindsTotal: number;
  kindsSynced: number;
  objects: number;
  failingKinds: Array<{ kind: string; reason: string }>;
  stale: boolean;
}

/** What the health probes and requests say about reaching the API server. */
export type Reachability = { state: 'unknown' } | { state: 'ok'; version?: string } | { state: 'failed'; reason: string };

/**
 * The status state machine, as a pure function of the two inputs:
 * - the last probe failed → UNREACHABLE;
 * - no sync report yet → CONNECTING until a probe succeeds, then SYNCING;
 * - kinds still listing (synced + failing < total) → SYNCING;
 * - some kinds failing, or stale → DEGRADED;
 * - otherwise READY.
 */
export function deriveStatus(reach: Reachability, sync: SyncReport | undefined): ClusterStatus {
  if (reach.state === 'failed') return 'UNREACHABLE';
  if (!sync) return reach.state === 'ok' ? 'SYNCING' : 'CONNECTING';
  if (sync.kindsSynced + sync.failingKinds.length < sync.kindsTotal) return 'SYNCING';
  if (sync.failingKinds.length > 0 || sync.stale) return 'DEGRADED';
  return 'READY';
}

/** The lastError shown for a status: the probe's reason, else a summary of failing kinds. */
export function deriveLastError(reach: Reachability, sync: SyncReport | undefined): string | undefined {
  if (reach.state === 'failed') return reach.reason;
  if (sync && sync.failingKinds.length > 0) {
    const [first] = sync.failingKinds;
    const more = sync.failingKinds.length > 1 ? ` (and ${sync.failingKinds.length - 1} more kinds failing)` : '';
    return `${first.kind}: ${first.reason}${more}`;
  }
  if (sync?.stale) return 'data may be stale: watches are failing';
  return undefined;
}

/** Sync progress 0..1 for the contract's ClusterSync.progress. */
export function syncProgress(status: ClusterStatus, sync: SyncReport | undefined): number {
  if (!sync || sync.kindsTotal <= 0) return status === 'READY' ? 1 : 0;
  return Math.max(0, Math.min(1, sync.kindsSynced / sync.kindsTotal));
}

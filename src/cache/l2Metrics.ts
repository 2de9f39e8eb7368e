import { counter, gauge, histogram } from '../util/metrics.js';

/** Metrics of the Redis L2: snapshot commits, loads, leases and followers. */
export const cacheMetrics = {
  commits: counter<'result'>({
    name: 'kubeatlas_cache_snapshot_commits_total',
    help: 'Snapshot batch commits by result (ok, error, lease_lost, lease_expired, seq_mismatch)',
    labelNames: ['result'],
  }),
  commitSeconds: histogram({
    name: 'kubeatlas_cache_snapshot_commit_seconds',
    help: 'Duration of one snapshot batch commit (one Redis script call)',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
  }),
  committedChanges: counter({ name: 'kubeatlas_cache_snapshot_changes_total', help: 'Changes written to snapshots and change streams' }),
  overflows: counter({ name: 'kubeatlas_cache_snapshot_overflows_total', help: 'Batches dropped because they outgrew redis.maxPendingChanges (their kinds are rewritten)' }),
  rewrites: counter({ name: 'kubeatlas_cache_snapshot_rewrites_total', help: 'Full rewrites of one kind of a cluster snapshot' }),
  loads: counter<'result'>({
    name: 'kubeatlas_cache_snapshot_loads_total',
    help: 'Snapshot loads into the store by result (loaded, none, discarded)',
    labelNames: ['result'],
  }),
  discardedKinds: counter<'reason'>({
    name: 'kubeatlas_cache_snapshot_discarded_kinds_total',
    help: 'Kinds of a snapshot discarded at load (format, corrupt, count, secrets)',
    labelNames: ['reason'],
  }),
  followedEntries: counter({ name: 'kubeatlas_cache_follower_entries_total', help: 'Change-stream entries applied by this replica as a follower' }),
  followerResyncs: counter<'reason'>({
    name: 'kubeatlas_cache_follower_resyncs_total',
    help: 'Follower reloads from the snapshot by reason (gap, epoch, reset)',
    labelNames: ['reason'],
  }),
  leaseChanges: counter<'change'>({
    name: 'kubeatlas_cache_lease_changes_total',
    help: 'Cluster lease transitions of this replica (acquired, lost, released)',
    labelNames: ['change'],
  }),
  clustersByRole: gauge<'role'>({
    name: 'kubeatlas_cache_clusters',
    help: 'Clusters by the role this replica plays for them (owner, follower, standalone, pending)',
    labelNames: ['role'],
  }),
  redisUp: gauge({ name: 'kubeatlas_cache_redis_up', help: '1 while this replica is connected to redis' }),
};

/**
 * Every Redis key and channel kubeatlas uses, under one prefix (config
 * `redis.keyPrefix`, default "kubeatlas:"). Replicas that share data use the
 * same prefix. Cluster ids are RFC 1123 labels and kind keys ("Pod",
 * "apps/Deployment") contain no ":", so the names cannot collide.
 *
 * Per cluster:
 * - `lease:<cluster>`: the owner lease (value = replica id, with a TTL);
 * - `snap:<cluster>:meta`: snapshot meta hash (format, epoch, seq, report,
 *   `kind:<kindKey>` = the kind's resourceVersion, count and KindInfo);
 * - `snap:<cluster>:objects:<kindKey>`: hash of the kind's objects
 *   (field "<namespace>/<name>", value the store's record form, see
 *   recordFormat.ts);
 * - `snap:<cluster>:bases:<kindKey>`: hash of the compression bases those
 *   records are packed against (field = base id);
 * - `snap:<cluster>:staging:<kindKey>:<replica>` and
 *   `snap:<cluster>:staging-bases:<kindKey>:<replica>`: a full rewrite being built;
 * - `stream:<cluster>`: the change stream (entry id "<seq>-0").
 * Shared: `replicas` (sorted set of heartbeats), `clusters` (runtime-added
 * cluster specs, hash by id) and `clusters:salt`, channels `clusters:changed` and `leases:released`.
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  lease(clusterId: string): string {
    return `${this.prefix}lease:${clusterId}`;
  }

  meta(clusterId: string): string {
    return `${this.prefix}snap:${clusterId}:meta`;
  }

  objects(clusterId: string, kindKey: string): string {
    return `${this.prefix}snap:${clusterId}:objects:${kindKey}`;
  }

  staging(clusterId: string, kindKey: string, replicaId: string): string {
    return `${this.prefix}snap:${clusterId}:staging:${kindKey}:${replicaId}`;
  }

  bases(clusterId: string, kindKey: string): string {
    return `${this.prefix}snap:${clusterId}:bases:${kindKey}`;
  }

  stagingBases(clusterId: string, kindKey: string, replicaId: string): string {
    return `${this.prefix}snap:${clusterId}:staging-bases:${kindKey}:${replicaId}`;
  }

  /** Pattern matching every snapshot key of a cluster (for removal). */
  snapshotPattern(clusterId: string): string {
    return `${this.prefix}snap:${clusterId}:*`;
  }

  stream(clusterId: string): string {
    return `${this.prefix}stream:${clusterId}`;
  }

  get replicas(): string {
    return `${this.prefix}replicas`;
  }

  get clusters(): string {
    return `${this.prefix}clusters`;
  }

  /** Salt of the key that encrypts inline credentials of runtime clusters (KUBEATLAS_SECRET_KEY), shared by the replicas. */
  get clustersSalt(): string {
    return `${this.prefix}clusters:salt`;
  }

  get clustersChannel(): string {
    return `${this.prefix}clusters:changed`;
  }

  get leasesChannel(): string {
    return `${this.prefix}leases:released`;
  }
}

import { randomBytes } from 'node:crypto';
import type { ClusterPersistence } from '../clusters/persistence.js';
import { SecretBox } from '../clusters/secretBox.js';
import type { ClusterSpec } from '../config/clusterSpecSchema.js';
import { describeError, isKubeatlasError, KubeatlasError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import type { RedisKeys } from './keys.js';
import type { RedisLink } from './redisLink.js';

/** The registry members the shared list drives on this replica. */
export interface SharedListRegistry {
  add(input: unknown, opts?: { waitForReady?: boolean }): Promise<unknown>;
  remove(clusterId: string): Promise<boolean>;
  list(): Array<{ id: string; info(): { source: 'config' | 'runtime' } }>;
}

export interface SharedClusterListOptions {
  link: RedisLink;
  keys: RedisKeys;
  /** The local state file: read when Redis is unreachable at start, always written as a copy. */
  local: ClusterPersistence;
  /** KUBEATLAS_SECRET_KEY: inline credentials are stored in Redis encrypted with it (AES-256-GCM), else in clear. */
  secretKey?: string;
  log: Logger;
}

/** Safety net for lost notifications. */
const PERIODIC_SYNC_MS = 30_000;
const RETRY_SYNC_MS = 1000;

type SecretPath = readonly ['token'] | readonly ['kubeconfig'] | readonly ['tls', 'keyData'] | readonly ['tls', 'certData'];
const SECRET_PATHS: readonly SecretPath[] = [['token'], ['kubeconfig'], ['tls', 'keyData'], ['tls', 'certData']];

/**
 * The runtime-added clusters, shared by every replica through Redis: a
 * hash `clusters` (id → spec JSON, inline credentials sealed with
 * KUBEATLAS_SECRET_KEY when set) and a `clusters:changed` notification.
 *
 * As the registry's ClusterPersistence: `save` writes only what changed
 * since this replica's last view (so concurrent adds and removes on
 * different replicas do not overwrite each other), publishes the change, and
 * always keeps the local state file as a copy; `load` reads Redis, or the
 * local copy when Redis is unreachable (changes made meanwhile are pushed
 * when it is back). Once `attach(registry)` is called, a notification (or
 * Redis coming back) makes this replica add and remove runtime clusters so
 * that its registry matches the shared list.
 */
export class SharedClusterList implements ClusterPersistence {
  private readonly o: SharedClusterListOptions;
  /** id → stored JSON, as of this replica's last save or sync. */
  private view = new Map<string, string>();
  /** Ids changed while Redis was unreachable, written when it is back. */
  private readonly offlineChanges = new Set<string>();
  private box: SecretBox | undefined;
  private registry: SharedListRegistry | undefined;
  private syncing: Promise<void> | undefined;
  private syncAgain = false;
  private readonly onMessage = (channel: string) => {
    if (channel === this.o.keys.clustersChannel) this.sync();
  };
  private unsubscribeLink: (() => void) | undefined;
  private periodic: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;

  constructor(options: SharedClusterListOptions) {
    this.o = options;
  }

  async load(): Promise<ClusterSpec[]> {
    if (!this.o.link.up) {
      this.o.log.warn('redis unreachable: runtime clusters come from the local state file until it answers');
      const specs = await this.o.local.load();
      this.view = new Map(specs.map((s) => [s.clusterId, JSON.stringify(s)]));
      for (const s of specs) this.offlineChanges.add(s.clusterId);
      return specs;
    }
    const stored = await this.readShared();
    if (stored.size === 0) {
      // First replica on this Redis: bring the clusters of the local state file along.
      const local = await this.o.local.load().catch(() => [] as ClusterSpec[]);
      if (local.length > 0) {
        this.o.log.info({ clusters: local.length }, 'runtime clusters of the local state file copied to redis');
        await this.write(new Map(local.map((s) => [s.clusterId, JSON.stringify(s)])), new Set());
        return local;
      }
    }
    this.view = new Map([...stored].map(([id, s]) => [id, JSON.stringify(s)]));
    return [...stored.values()];
  }

  async save(specs: ClusterSpec[]): Promise<void> {
    const next = new Map(specs.map((s) => [s.clusterId, JSON.stringify(s)]));
    const upserts = new Map<string, string>();
    for (const [id, json] of next) if (this.view.get(id) !== json) upserts.set(id, json);
    const deletes = new Set<string>([...this.view.keys()].filter((id) => !next.has(id)));
    this.view = next;
    await this.o.local.save(specs);
    if (upserts.size === 0 && deletes.size === 0) return;
    if (!this.o.link.up) {
      for (const id of [...upserts.keys(), ...deletes]) this.offlineChanges.add(id);
      return;
    }
    try {
      await this.write(upserts, deletes);
    } catch (err) {
      this.o.log.warn({ err: describeError(err) }, 'could not share a cluster change through redis; retried when it is back');
      for (const id of [...upserts.keys(), ...deletes]) this.offlineChanges.add(id);
    }
  }

  /**
   * Keeps `registry` in step with the shared list from now on: at once, on
   * every notification, when Redis comes back, after a failed sync (1 s
   * later) and every 30 s (pub/sub delivers at most once: a notification
   * sent while this replica was reconnecting is lost).
   */
  attach(registry: SharedListRegistry): void {
    this.registry = registry;
    this.o.link.sub.on('message', this.onMessage);
    void this.o.link.sub.subscribe(this.o.keys.clustersChannel).catch(() => undefined);
    this.unsubscribeLink = this.o.link.onChange((up) => {
      if (up) this.sync();
    });
    this.periodic = setInterval(() => this.sync(), PERIODIC_SYNC_MS);
    this.periodic.unref();
    this.sync();
  }

  detach(): void {
    this.registry = undefined;
    this.o.link.sub.off('message', this.onMessage);
    this.unsubscribeLink?.();
    clearInterval(this.periodic);
    clearTimeout(this.retry);
  }

  /** Waits for a sync in progress (tests). */
  async settled(): Promise<void> {
    while (this.syncing) await this.syncing;
  }

  /** Brings the registry in step with the shared list (coalesced; never throws). */
  sync(): void {
    if (!this.registry) return;
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    this.syncing = this.syncOnce()
      .catch((err: unknown) => {
        this.o.log.warn({ err: describeError(err) }, 'could not read the shared cluster list; retrying');
        clearTimeout(this.retry);
        this.retry = setTimeout(() => this.sync(), RETRY_SYNC_MS);
        this.retry.unref();
      })
      .finally(() => {
        this.syncing = undefined;
        if (this.syncAgain) {
          this.syncAgain = false;
          this.sync();
        }
      });
  }

  private async syncOnce(): Promise<void> {
    const registry = this.registry;
    if (!registry || !this.o.link.up) return;
    if (this.offlineChanges.size > 0) {
      const ids = [...this.offlineChanges];
      this.offlineChanges.clear();
      const upserts = new Map<string, string>();
      const deletes = new Set<string>();
      for (const id of ids) {
        const json = this.view.get(id);
        if (json !== undefined) upserts.set(id, json);
        else deletes.add(id);
      }
      await this.write(upserts, deletes);
    }
    const shared = await this.readShared();
    const runtime = new Set(
      registry
        .list()
        .filter((c) => c.info().source === 'runtime')
        .map((c) => c.id),
    );
    const registered = new Set(registry.list().map((c) => c.id));
    // The registry's saves that follow find nothing to write: the view already says so.
    for (const [id, spec] of shared) if (!registered.has(id)) this.view.set(id, JSON.stringify(spec));
    for (const id of runtime) if (!shared.has(id)) this.view.delete(id);
    for (const [id, spec] of shared) {
      if (registered.has(id)) continue;
      try {
        await registry.add(spec);
        this.o.log.info({ clusterId: id }, 'runtime cluster added by another replica');
      } catch (err) {
        const code = isKubeatlasError(err) ? err.code : undefined;
        this.o.log.warn({ clusterId: id, code, err: describeError(err) }, 'could not add a runtime cluster shared by another replica');
      }
    }
    for (const id of runtime) {
      if (shared.has(id)) continue;
      try {
        await registry.remove(id);
        this.o.log.info({ clusterId: id }, 'runtime cluster removed by another replica');
      } catch (err) {
        this.o.log.debug({ clusterId: id, err: describeError(err) }, 'could not remove a runtime cluster');
      }
    }
  }

  private async readShared(): Promise<Map<string, ClusterSpec>> {
    const raw = await this.o.link.cmd.hgetall(this.o.keys.clusters);
    const out = new Map<string, ClusterSpec>();
    for (const [id, text] of Object.entries(raw)) {
      try {
        const entry = JSON.parse(text) as Record<string, unknown>;
        out.set(id, (await this.open(entry, id)) as unknown as ClusterSpec);
      } catch (err) {
        this.o.log.error({ clusterId: id, err: isKubeatlasError(err) ? err.message : 'unreadable entry' }, 'skipping a shared runtime cluster that cannot be read');
      }
    }
    return out;
  }

  private async write(upserts: ReadonlyMap<string, string>, deletes: ReadonlySet<string>): Promise<void> {
    const redis = this.o.link.cmd;
    const multi = redis.multi();
    for (const [id, json] of upserts) multi.hset(this.o.keys.clusters, id, JSON.stringify(await this.seal(JSON.parse(json) as Record<string, unknown>, id)));
    if (deletes.size > 0) multi.hdel(this.o.keys.clusters, ...deletes);
    multi.publish(this.o.keys.clustersChannel, JSON.stringify({ upserted: [...upserts.keys()], deleted: [...deletes] }));
    const replies = await multi.exec();
    for (const [err] of replies ?? []) if (err) throw err;
  }

  private async secretBox(): Promise<SecretBox | undefined> {
    if (!this.o.secretKey) return undefined;
    if (this.box) return this.box;
    const redis = this.o.link.cmd;
    await redis.set(this.o.keys.clustersSalt, randomBytes(16).toString('base64'), 'NX');
    const salt = await redis.get(this.o.keys.clustersSalt);
    this.box = await SecretBox.create(this.o.secretKey, Buffer.from(salt ?? '', 'base64'));
    return this.box;
  }

  private async seal(entry: Record<string, unknown>, id: string): Promise<Record<string, unknown>> {
    const box = await this.secretBox();
    if (!box) return entry;
    for (const path of SECRET_PATHS) {
      const holder = path.length === 1 ? entry : (entry[path[0]] as Record<string, unknown> | undefined);
      const key = path[path.length - 1];
      const value = holder?.[key];
      if (holder && typeof value === 'string') holder[key] = box.seal(value, `${id}/${path.join('.')}`);
    }
    return entry;
  }

  private async open(entry: Record<string, unknown>, id: string): Promise<Record<string, unknown>> {
    for (const path of SECRET_PATHS) {
      const holder = path.length === 1 ? entry : (entry[path[0]] as Record<string, unknown> | undefined);
      const key = path[path.length - 1];
      const value = holder?.[key];
      if (!holder || !SecretBox.isSealed(value)) continue;
      const box = await this.secretBox();
      if (!box) throw new KubeatlasError('CONFIG_INVALID', `cluster ${id} holds encrypted credentials, but KUBEATLAS_SECRET_KEY is not set`, { clusterId: id });
      holder[key] = box.open(value, `${id}/${path.join('.')}`);
    }
    return entry;
  }
}

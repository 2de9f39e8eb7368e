import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type { Config } from '../config/configSchema.js';
import type { ClusterSpec } from '../config/clusterSpecSchema.js';
import { checkClusterMaterial, type ClusterMaterialContext } from '../config/clusterMaterial.js';
import { parseClusterSpec, parseClusterSpecShape } from '../config/parseClusterSpec.js';
import { KubeatlasError, describeError, isKubeatlasError } from '../util/errors.js';
import { logger } from '../util/logger.js';
import { gauge } from '../util/metrics.js';
import { DEFAULT_HEALTH_TIMING, type HealthTiming } from './healthMonitor.js';
import { ManagedCluster } from './managedCluster.js';
import type { ClusterPersistence } from './persistence.js';
import { StartPacer } from './startPacer.js';
import type { ClusterEvent, ClusterHandle } from './types.js';

export type { ClusterStatus, SyncReport } from './clusterStatus.js';
export type { ClusterInfo, ClusterHandle, ClusterEvent, ClusterEventType } from './types.js';
export type { ClusterPersistence } from './persistence.js';
export type { HealthTiming } from './healthMonitor.js';

const clustersGauge = gauge<'status'>({ name: 'kubeatlas_clusters', help: 'Registered clusters by status.', labelNames: ['status'] });

/**
 * Clusters' first probes start at most one per 10 ms across the registry (see
 * StartPacer). Only the start is paced, so a hanging cluster never delays
 * another one's probe.
 */
const FIRST_PROBE_INTERVAL_MS = 10;

export interface ClusterRegistryOptions {
  config: Config;
  /** Keeps runtime-added clusters across restarts; none = they last until the process ends. */
  persistence?: ClusterPersistence;
  /** Probe timing (tests shorten it). */
  health?: Partial<HealthTiming>;
  /** Environment for IN_CLUSTER and the kubeconfig default rules (default process.env). */
  env?: NodeJS.ProcessEnv;
}

const CLOSE_SAVE_WAIT_MS = 5_000;

/**
 * Owns every cluster: those of the config file (`source: 'config'`) and those
 * added at runtime (`source: 'runtime'`, persisted). Connecting never blocks:
 * `start` and `add` return while probes run in the background, and a cluster
 * that is slow, unreachable or misconfigured only affects itself (its status
 * becomes UNREACHABLE with `lastError`).
 *
 * Events: ADDED when a cluster is registered (the layer above then starts its
 * reflectors and watches `handle.signal`), REMOVED after its signal aborted,
 * STATUS_CHANGED on every change of status or lastError. Listeners are called
 * synchronously; an exception in one is logged and does not affect others.
 *
 * Removing a config-file cluster lasts until the next restart (the file is the
 * source of truth for those).
 */
export class ClusterRegistry {
  private readonly config: Config;
  private readonly persistence: ClusterPersistence | undefined;
  private readonly health: HealthTiming;
  private readonly env: NodeJS.ProcessEnv | undefined;
  private readonly clusters = new Map<string, ManagedCluster>();
  private readonly listeners = new Set<(e: ClusterEvent) => void>();
  private readonly log = logger('cluster-registry');
  private started = false;
  private closed = false;
  /** Serializes the synchronous part of add() across event-loop iterations. */
  private addTurns: Promise<unknown> = Promise.resolve();
  private saveChain: Promise<void> = Promise.resolve();
  private queuedSave: Promise<void> | undefined;
  private readonly firstProbes = new StartPacer(FIRST_PROBE_INTERVAL_MS);

  constructor(opts: ClusterRegistryOptions) {
    this.config = opts.config;
    this.persistence = opts.persistence;
    this.health = { ...DEFAULT_HEALTH_TIMING, ...(opts.health ?? {}) };
    this.env = opts.env;
  }

  /**
   * Registers the config-file clusters, then the persisted runtime ones, and
   * starts probing them. Returns without waiting for any connection. Rejects
   * (CONFIG_INVALID) only when the persisted state cannot be read at all
   * (corrupt file, wrong or missing KUBEATLAS_SECRET_KEY).
   */
  async start(): Promise<void> {
    if (this.started || this.closed) return;
    this.started = true;
    for (const spec of this.config.clusters) this.register(spec, 'config', this.materialProblem(spec, 'config'));
    const persisted = this.persistence ? await this.persistence.load() : [];
    if (this.closed) return;
    for (const raw of persisted) {
      let spec: ClusterSpec;
      try {
        spec = parseClusterSpecShape(raw, { clusterFilesDir: this.config.clusterFilesDir, source: 'runtime' });
      } catch (e) {
        this.log.error({ err: describeError(e) }, 'skipping an invalid entry of the state file');
        continue;
      }
      if (this.clusters.has(spec.clusterId)) {
        this.log.warn({ clusterId: spec.clusterId }, 'a persisted runtime cluster has the id of a config-file cluster; the config file wins');
        continue;
      }
      this.register(spec, 'runtime', this.materialProblem(spec, 'runtime'));
    }
    this.updateGauge();
  }

  /**
   * Adds a cluster at runtime. Validates the input completely first
   * (BAD_USER_INPUT with `details.field`; CONFLICT for an existing id),
   * persists it, emits ADDED and connects in the background. With
   * `waitForReady`, also waits until the cluster is READY, DEGRADED or
   * UNREACHABLE, at most its timeoutSeconds (+1 s); it resolves either way.
   *
   * Validation and set-up (~1-2 ms: schema, PEM parsing, KubeConfig) take
   * turns, one add per event-loop iteration, so a caller firing hundreds of
   * adds at once does not block the loop for their sum.
   */
  async add(input: unknown, opts: { waitForReady?: boolean } = {}): Promise<ClusterHandle> {
    const turn = this.addTurns.then(() => nextMacrotask());
    this.addTurns = turn;
    await turn;
    if (this.closed) throw new KubeatlasError('CLUSTER_UNAVAILABLE', 'the cluster registry is shutting down');
    const id = typeof input === 'object' && input !== null ? (input as { clusterId?: unknown }).clusterId : undefined;
    // Duplicates are rejected before file checks: cheaper, and the clearer error.
    if (typeof id === 'string' && this.clusters.has(id)) throw conflict(id);
    const spec = parseClusterSpec(input, this.materialContext('runtime'));
    if (this.clusters.has(spec.clusterId)) throw conflict(spec.clusterId);
    const cluster = this.create(spec, 'runtime', undefined);
    this.clusters.set(spec.clusterId, cluster);
    try {
      await this.persist();
    } catch (e) {
      this.clusters.delete(spec.clusterId);
      await cluster.close();
      this.log.error({ clusterId: spec.clusterId, err: describeError(e) }, 'could not save the cluster list');
      throw new KubeatlasError('INTERNAL', `cluster ${spec.clusterId} was not added: the cluster list could not be saved`, { clusterId: spec.clusterId }, { cause: e });
    }
    if (this.clusters.get(spec.clusterId) !== cluster) return cluster; // removed while saving
    this.emit({ type: 'ADDED', clusterId: spec.clusterId, cluster: cluster.info(), at: new Date().toISOString() });
    this.firstProbes.enqueue(() => cluster.start());
    this.updateGauge();
    this.log.info({ clusterId: spec.clusterId, authMethod: spec.authMethod }, 'cluster added');
    if (opts.waitForReady) await cluster.waitSettled(spec.timeoutSeconds * 1000 + 1_000);
    return cluster;
  }

  /**
   * Removes a cluster: aborts its signal, stops probing, closes its
   * connection (in-flight requests and watches end), emits REMOVED and, for a
   * runtime cluster, saves the list. NOT_FOUND for an unknown id.
   */
  async remove(clusterId: string): Promise<boolean> {
    const cluster = this.clusters.get(clusterId);
    if (!cluster) throw new KubeatlasError('NOT_FOUND', `cluster ${JSON.stringify(clusterId).slice(0, 80)} is not registered`, { clusterId });
    this.clusters.delete(clusterId);
    const last = cluster.info();
    await cluster.close();
    this.emit({ type: 'REMOVED', clusterId, cluster: last, at: new Date().toISOString() });
    this.updateGauge();
    this.log.info({ clusterId, source: cluster.source }, 'cluster removed');
    if (cluster.source === 'runtime') {
      try {
        await this.persist();
      } catch (e) {
        this.log.error({ clusterId, err: describeError(e) }, 'could not save the cluster list after a removal; it will be removed again after a restart only if the save succeeds later');
      }
    }
    return true;
  }

  get(clusterId: string): ClusterHandle | undefined {
    return this.clusters.get(clusterId);
  }

  /** Every registered cluster, ordered by clusterId. */
  list(): ClusterHandle[] {
    return [...this.clusters.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Subscribes to ADDED / REMOVED / STATUS_CHANGED; returns the unsubscribe function. */
  onEvent(listener: (e: ClusterEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** For /readyz: ready when every cluster is READY, DEGRADED or UNREACHABLE; lists the others. */
  readiness(): { ready: boolean; waitingFor: string[] } {
    const waitingFor = this.list()
      .filter((c) => (c as ManagedCluster).currentStatus === 'CONNECTING' || (c as ManagedCluster).currentStatus === 'SYNCING')
      .map((c) => c.id);
    return { ready: waitingFor.length === 0, waitingFor };
  }

  /** Closes every cluster (no REMOVED events) and waits, at most 5 s, for a pending save. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.firstProbes.clear();
    const all = [...this.clusters.values()];
    this.clusters.clear();
    await Promise.all(all.map((c) => c.close()));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.saveChain, new Promise<void>((r) => (timer = setTimeout(r, CLOSE_SAVE_WAIT_MS)))]);
    clearTimeout(timer);
    this.listeners.clear();
  }

  private register(spec: ClusterSpec, source: 'config' | 'runtime', materialError: string | undefined): void {
    const cluster = this.create(spec, source, materialError);
    this.clusters.set(spec.clusterId, cluster);
    this.emit({ type: 'ADDED', clusterId: spec.clusterId, cluster: cluster.info(), at: new Date().toISOString() });
    this.firstProbes.enqueue(() => cluster.start());
  }

  private create(spec: ClusterSpec, source: 'config' | 'runtime', materialError: string | undefined): ManagedCluster {
    return new ManagedCluster({
      spec,
      source,
      clusterFilesDir: this.config.clusterFilesDir,
      inCluster: this.config.inCluster,
      ...(this.env ? { env: this.env } : {}),
      health: this.health,
      ...(materialError !== undefined ? { materialError, recheck: () => this.materialProblem(spec, source) } : {}),
      onStatusChange: (c) => {
        if (this.clusters.get(c.id) !== c) return;
        this.emit({ type: 'STATUS_CHANGED', clusterId: c.id, cluster: c.info(), at: new Date().toISOString() });
        this.updateGauge();
      },
    });
  }

  private materialContext(source: 'config' | 'runtime'): ClusterMaterialContext {
    return { clusterFilesDir: this.config.clusterFilesDir, source, inCluster: this.config.inCluster, ...(this.env ? { env: this.env } : {}) };
  }

  /** The material check's message, or undefined when the entry is usable. */
  private materialProblem(spec: ClusterSpec, source: 'config' | 'runtime'): string | undefined {
    try {
      checkClusterMaterial(spec, this.materialContext(source));
      return undefined;
    } catch (e) {
      if (isKubeatlasError(e)) return `configuration: ${e.message}`;
      return `configuration: ${describeError(e)}`;
    }
  }

  /**
   * Saves the runtime clusters. Saves run one at a time; callers arriving
   * while one is queued share it (it reads the list when it starts), so a
   * burst of adds costs a few writes, and each caller's change is on disk
   * when its promise resolves.
   */
  private persist(): Promise<void> {
    const persistence = this.persistence;
    if (!persistence) return Promise.resolve();
    if (this.queuedSave) return this.queuedSave;
    const run = this.saveChain.then(() => {
      this.queuedSave = undefined;
      const specs = [...this.clusters.values()].filter((c) => c.source === 'runtime').map((c) => c.spec).sort((a, b) => (a.clusterId < b.clusterId ? -1 : 1));
      return persistence.save(specs);
    });
    this.queuedSave = run;
    this.saveChain = run.catch(() => undefined);
    return run;
  }

  private emit(e: ClusterEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch (err) {
        this.log.error({ err: describeError(err), event: e.type, clusterId: e.clusterId }, 'cluster event listener failed');
      }
    }
  }

  private updateGauge(): void {
    const counts: Record<string, number> = { CONNECTING: 0, SYNCING: 0, READY: 0, DEGRADED: 0, UNREACHABLE: 0 };
    for (const c of this.clusters.values()) counts[c.currentStatus]++;
    for (const [status, n] of Object.entries(counts)) clustersGauge.set({ status }, n);
  }
}

function conflict(id: string): KubeatlasError {
  return new KubeatlasError('CONFLICT', `clusterId: a cluster with id "${id}" already exists`, { field: 'clusterId', clusterId: id });
}

import { logger } from '../util/logger.js';
import { isSimApiError } from './errors.js';
import type { SimStore } from './types.js';
import type { ClusterIndex } from './controllers/clusterIndex.js';
import type { KeyedList } from './controllers/keyedList.js';
import { runCronJobNow } from './controllers/job.js';
import { deletePod } from './controllers/podFactory.js';
import { acquireShared, releaseShared, type SharedState } from './controllers/shared.js';
import { changePod, editConfig, possiblePodChanges, relabel, renewLease } from './workload/mutations.js';
import { Rng } from './workload/random.js';

const log = logger('sim-churn');

/** Annotation every object the churn engine writes carries: the epoch ms of the write. */
export const CHANGED_AT_ANNOTATION = 'sim.kubeatlas.io/changed-at';

/** How often the engine wakes up; each wake-up makes the changes that are due. */
const TICK_MS = 20;
/** Changes never pile up beyond this much time behind (after a longer stall, the excess is dropped). */
const MAX_BACKLOG_S = 2;

type Action = 'podStatus' | 'event' | 'label' | 'config' | 'podDelete' | 'scale' | 'lease' | 'cron';

/** Mix of changes: mostly single-object updates; the ones that make controllers work (deletes, scaling, cron) are rare. */
const MIX: ReadonlyArray<readonly [Action, number]> = [
  ['podStatus', 36],
  ['event', 20],
  ['label', 10],
  ['config', 10],
  ['lease', 15],
  ['podDelete', 5],
  ['scale', 3],
  ['cron', 1],
];

export interface ChurnHandle {
  /** Changes the rate (changes per second, 0 pauses); the rate counts from now. */
  setRate(perSecond: number): void;
  stop(): void;
  /** Changes written so far. */
  readonly changes: number;
}

/**
 * A steady stream of realistic changes so a simulated cluster is live:
 * container restarts, crash loops and recoveries, readiness flips, new
 * events (old ones expire), label and ConfigMap edits, lease renewals, pods
 * deleted (their controllers replace them), deployments scaled up and back
 * down, CronJobs firing. The rate is held per wall-clock second (a timer
 * makes whatever is due); choices come from a generator seeded with `seed`,
 * so the same seed and timing give the same changes. The object count stays
 * around where it started: scaled deployments return to their size, deleted
 * pods are replaced, events and jobs are bounded. Every written object
 * carries CHANGED_AT_ANNOTATION with the write's epoch ms.
 */
export function startChurn(store: SimStore, opts: { seed: number; perSecond: number }): ChurnHandle {
  const engine = createChurnEngine(store, opts.seed);
  let rate = Math.max(0, Number.isFinite(opts.perSecond) ? opts.perSecond : 0);
  let epoch = performance.now();
  let doneSinceEpoch = 0;
  let stopped = false;

  const tick = (): void => {
    if (stopped || rate <= 0) return;
    const elapsed = (performance.now() - epoch) / 1000;
    let due = Math.floor(rate * elapsed) - doneSinceEpoch;
    const cap = Math.ceil(rate * MAX_BACKLOG_S);
    if (due > cap) {
      doneSinceEpoch += due - cap;
      due = cap;
    }
    for (let i = 0; i < due && !stopped; i++) {
      engine.step();
      doneSinceEpoch++;
    }
  };
  const timer = setInterval(tick, TICK_MS);
  timer.unref?.();

  return {
    setRate(perSecond: number) {
      rate = Math.max(0, Number.isFinite(perSecond) ? perSecond : 0);
      epoch = performance.now();
      doneSinceEpoch = 0;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      engine.close();
    },
    get changes() {
      return engine.changes;
    },
  };
}

/** The churn engine without a clock: `step()` makes one change now. */
export interface ChurnEngine {
  step(): void;
  readonly changes: number;
  /** Releases the shared index (the engine must not be used afterwards). */
  close(): void;
}

/**
 * Creates the churn engine of `startChurn` without its timer (tests and
 * benchmarks drive it step by step). Deterministic: the same seed on the
 * same cluster state makes the same changes.
 */
export function createChurnEngine(store: SimStore, seed: number): ChurnEngine {
  const shared = acquireShared(store);
  const engine = new Engine(store, shared, new Rng(seed, 21));
  let closed = false;
  return {
    step: () => engine.one(),
    get changes() {
      return engine.changes;
    },
    close() {
      if (closed) return;
      closed = true;
      releaseShared(store);
    },
  };
}

class Engine {
  changes = 0;
  /** Deployment key → replicas before the churn first scaled it (it always returns there). */
  private readonly baseline = new Map<string, number>();
  /** CronJob key → Jobs it had when first fired (kept constant). */
  private readonly jobsKept = new Map<string, number>();
  private readonly index: ClusterIndex;

  constructor(
    private readonly store: SimStore,
    private readonly shared: SharedState,
    private readonly rng: Rng,
  ) {
    this.index = shared.index;
  }

  /** Makes one change (tries other kinds of change when the chosen one has no target). */
  one(): void {
    for (let attempt = 0; attempt < 4; attempt++) {
      const action = this.rng.weighted(MIX);
      const rv = this.store.resourceVersion;
      try {
        // A change counts when it was written (a write that changes nothing is no write).
        if (this.run(action) && this.store.resourceVersion !== rv) {
          this.changes++;
          return;
        }
      } catch (e) {
        if (!isSimApiError(e) || (e.code !== 404 && e.code !== 409)) log.warn({ err: e, action }, 'churn change failed');
      }
    }
  }

  private pick(list: KeyedList): string | undefined {
    return list.size ? list.at(this.rng.int(0, list.size - 1)) : undefined;
  }

  private stamp(now: number): Record<string, string> {
    return { [CHANGED_AT_ANNOTATION]: String(now) };
  }

  private annotate(obj: { metadata: { annotations?: Record<string, string> } }, now: number): void {
    obj.metadata.annotations = { ...(obj.metadata.annotations ?? {}), ...this.stamp(now) };
  }

  private run(action: Action): boolean {
    const store = this.store;
    const rng = this.rng;
    switch (action) {
      case 'podStatus': {
        const key = this.pick(this.index.podKeys);
        const p = key ? this.index.pods.get(key) : undefined;
        if (!p || p.deleting || p.phase !== 'Running') return false;
        let done = false;
        store.mutate('Pod', p.namespace, p.name, (pod) => {
          const options = possiblePodChanges(pod);
          if (!options.length) return;
          // Crash loops are rare, restarts common.
          const change = options.length === 1 ? options[0] : rng.weighted(options.map((o) => [o, o === 'restart' ? 6 : o === 'notReady' ? 3 : 1] as const));
          const now = Date.now();
          done = changePod(pod, change, rng, now);
          if (done) this.annotate(pod, now);
        }, 'kubelet');
        return done;
      }
      case 'event': {
        const key = this.pick(this.index.podKeys);
        const p = key ? this.index.pods.get(key) : undefined;
        if (!p || !p.nodeName) return false;
        const [reason, type, message] = rng.pick([
          ['Pulled', 'Normal', 'Container image already present on machine'],
          ['Unhealthy', 'Warning', 'Readiness probe failed: HTTP probe failed with statuscode: 503'],
          ['BackOff', 'Warning', 'Back-off restarting failed container'],
          ['Killing', 'Normal', 'Stopping container'],
          ['Started', 'Normal', 'Started container'],
        ] as const);
        const ev = this.shared.recorder.record({
          involved: { kind: 'Pod', namespace: p.namespace, name: p.name, uid: p.uid, apiVersion: 'v1' },
          reason,
          message,
          type,
          component: 'kubelet',
          host: p.nodeName,
          annotations: this.stamp(Date.now()),
        });
        return !!ev;
      }
      case 'label': {
        const deployment = rng.chance(0.3);
        const key = this.pick(deployment ? this.index.deploymentKeys : this.index.podKeys);
        if (!key) return false;
        const [ns, name] = splitKey(key);
        if (!deployment && this.index.pods.get(key)?.deleting) return false;
        const out = store.mutate(deployment ? 'apps/Deployment' : 'Pod', ns, name, (o) => {
          relabel(o, rng);
          this.annotate(o, Date.now());
        }, 'kubectl-label');
        return !!out;
      }
      case 'config': {
        const key = this.pick(this.index.configMapKeys);
        if (!key) return false;
        const [ns, name] = splitKey(key);
        if (name === 'kube-root-ca.crt' || ns === 'kube-system') return false;
        const out = store.mutate('ConfigMap', ns, name, (cm) => {
          const now = Date.now();
          editConfig(cm, rng, now);
          this.annotate(cm, now);
        }, 'kubectl-edit');
        return !!out;
      }
      case 'lease': {
        const name = this.pick(this.index.nodeKeys);
        if (!name || !this.index.nodes.get(name)?.ready) return false;
        let out;
        try {
          out = store.mutate('coordination.k8s.io/Lease', 'kube-node-lease', name, (l) => {
            const now = Date.now();
            renewLease(l, now);
            this.annotate(l, now);
          }, 'kubelet');
        } catch {
          return false;
        }
        return !!out;
      }
      case 'podDelete': {
        const key = this.pick(this.index.podKeys);
        const p = key ? this.index.pods.get(key) : undefined;
        if (!p || p.deleting || p.phase !== 'Running' || p.ownerKind !== 'ReplicaSet' || this.index.terminatingNamespaces.has(p.namespace)) return false;
        deletePod(store, p.namespace, p.name, { manager: 'kubectl', annotate: this.stamp(Date.now()) });
        return true;
      }
      case 'scale': {
        const key = this.pick(this.index.deploymentKeys);
        if (!key) return false;
        const [ns, name] = splitKey(key);
        if (ns === 'kube-system' || this.index.terminatingNamespaces.has(ns)) return false;
        const out = store.mutate('apps/Deployment', ns, name, (d) => {
          const spec = d.spec as { replicas?: number };
          const replicas = spec.replicas ?? 1;
          const base = this.baseline.get(key) ?? replicas;
          this.baseline.set(key, base);
          let next: number;
          if (replicas > base) next = replicas - 1;
          else if (replicas < base) next = replicas + 1;
          else next = replicas <= 1 || rng.chance(0.5) ? replicas + 1 : replicas - 1;
          spec.replicas = next;
          this.annotate(d, Date.now());
        }, 'kubectl');
        return !!out;
      }
      case 'cron': {
        const key = this.pick(this.index.cronJobKeys);
        if (!key) return false;
        const [ns, name] = splitKey(key);
        const cj = store.get('batch/CronJob', ns, name);
        if (!cj) return false;
        const owned = this.index.controllersOf(cj.metadata.uid ?? '').filter((k) => k.startsWith('batch/Job|')).length;
        const keep = this.jobsKept.get(key) ?? Math.max(1, owned);
        this.jobsKept.set(key, keep);
        const job = runCronJobNow({ store, index: this.index, rng, recorder: this.shared.recorder }, ns, name, this.stamp(Date.now()), keep);
        return !!job;
      }
    }
  }
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}

import { logger } from '../../util/logger.js';
import type { SimStore } from '../types.js';
import type { ControllerContext } from './context.js';
import { daemonSetController } from './daemonSet.js';
import { deploymentController } from './deployment.js';
import { endpointSliceController } from './endpointSlice.js';
import { jobController } from './job.js';
import { kubeletController } from './kubelet.js';
import { namespaceController } from './namespace.js';
import { replicaSetController } from './replicaSet.js';
import { acquireShared, releaseShared } from './shared.js';
import { statefulSetController } from './statefulSet.js';
import { WorkQueue } from './workQueue.js';

export { runCronJobNow } from './job.js';

export interface ControllerOptions {
  /** Delay of the simulated kubelet finishing a graceful pod deletion (default 300 ms). */
  kubeletDeleteDelayMs?: number;
  /** Time from a pod being bound to it Running and Ready (default 300 ms, in two steps). */
  kubeletStartDelayMs?: number;
  /** How long a Job's pod runs before it succeeds (default 2 s). */
  jobRunMs?: number;
}

/**
 * Starts the simulated control plane of a cluster: deployment, replicaset,
 * statefulset, daemonset, job, endpointslice and namespace controllers, the
 * scheduler and the kubelets. They react to `store.onChange`, coalesce work
 * per object (a burst of changes to one object is one reconcile), write only
 * through the store, and stop at once on `stop()` (pending work and timers
 * are dropped). Garbage collection of owned objects is not here (the
 * simulator's gc.ts does it).
 */
export function startControllers(store: SimStore, opts: ControllerOptions = {}): { stop(): void } {
  const shared = acquireShared(store);
  const queue = new WorkQueue();
  const ctx: ControllerContext = {
    store,
    index: shared.index,
    queue,
    recorder: shared.recorder,
    rng: shared.rng,
    log: logger('sim-controllers'),
    kubeletDeleteDelayMs: opts.kubeletDeleteDelayMs ?? 300,
    kubeletStartDelayMs: opts.kubeletStartDelayMs ?? 300,
    jobRunMs: opts.jobRunMs ?? 2000,
  };
  const controllers = [
    deploymentController(ctx),
    replicaSetController(ctx),
    statefulSetController(ctx),
    daemonSetController(ctx),
    jobController(ctx),
    endpointSliceController(ctx),
    namespaceController(ctx),
    kubeletController(ctx),
  ];
  const off = shared.index.listen((change, prevPod) => {
    for (const c of controllers) c(change, prevPod);
  });
  let stopped = false;
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      off();
      queue.stop();
      releaseShared(store);
    },
  };
}

import type { KubeObject } from '../../kube/types.js';
import { arr, isTrue, num, obj, str, type Json } from './fields.js';

/**
 * Pod STATUS exactly as `kubectl get pods` computes it: a port of printPod
 * (kubernetes pkg/printers/internalversion/printers.go, v1.28). Examples:
 * Pending, Running, ContainerCreating, CrashLoopBackOff, ImagePullBackOff,
 * ErrImagePull, Completed, Error, OOMKilled, Init:0/2, Init:CrashLoopBackOff,
 * NotReady, SchedulingGated, Terminating, Unknown (node unreachable).
 */
export function podStatus(pod: KubeObject): string | undefined {
  const spec = obj(pod.spec);
  const status = obj(pod.status);
  const phase = str(status?.phase) ?? '';
  let reason = phase;
  const statusReason = str(status?.reason);
  if (statusReason) reason = statusReason;

  for (const c of arr(status?.conditions)) {
    const o = obj(c);
    if (o?.type === 'PodScheduled' && o.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  const initContainers = new Map<string, Json>();
  const specInit = arr(spec?.initContainers);
  for (const c of specInit) {
    const o = obj(c);
    const name = str(o?.name);
    if (o && name !== undefined) initContainers.set(name, o);
  }
  const isRestartableInit = (name: string): boolean => initContainers.get(name)?.restartPolicy === 'Always';

  let initializing = false;
  const initStatuses = arr(status?.initContainerStatuses);
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = obj(initStatuses[i]) ?? {};
    const name = str(cs.name) ?? '';
    const state = obj(cs.state);
    const terminated = obj(state?.terminated);
    const waiting = obj(state?.waiting);
    if (terminated && num(terminated.exitCode) === 0) continue;
    if (isRestartableInit(name) && cs.started === true) continue;
    if (terminated) {
      const r = str(terminated.reason);
      if (!r) {
        const signal = num(terminated.signal) ?? 0;
        reason = signal !== 0 ? `Init:Signal:${signal}` : `Init:ExitCode:${num(terminated.exitCode) ?? 0}`;
      } else {
        reason = `Init:${r}`;
      }
    } else if (waiting && str(waiting.reason) && waiting.reason !== 'PodInitializing') {
      reason = `Init:${str(waiting.reason)}`;
    } else {
      reason = `Init:${i}/${specInit.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || isTrue(status, 'Initialized')) {
    let hasRunning = false;
    const statuses = arr(status?.containerStatuses);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = obj(statuses[i]) ?? {};
      const state = obj(cs.state);
      const waiting = obj(state?.waiting);
      const terminated = obj(state?.terminated);
      const waitingReason = str(waiting?.reason);
      const terminatedReason = str(terminated?.reason);
      if (waiting && waitingReason) {
        reason = waitingReason;
      } else if (terminated && terminatedReason) {
        reason = terminatedReason;
      } else if (terminated) {
        const signal = num(terminated.signal) ?? 0;
        reason = signal !== 0 ? `Signal:${signal}` : `ExitCode:${num(terminated.exitCode) ?? 0}`;
      } else if (cs.ready === true && state?.running !== undefined && state.running !== null) {
        hasRunning = true;
      }
    }
    // kubectl: back to "Running" while at least one container still runs
    if (reason === 'Completed' && hasRunning) reason = isTrue(status, 'Ready') ? 'Running' : 'NotReady';
  }

  const deleting = pod.metadata?.deletionTimestamp !== undefined && pod.metadata?.deletionTimestamp !== null;
  if (deleting && statusReason === 'NodeLost') reason = 'Unknown';
  else if (deleting) reason = 'Terminating';

  return reason || undefined;
}

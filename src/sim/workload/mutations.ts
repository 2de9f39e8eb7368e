import type { KubeObject } from '../../kube/types.js';
import { isoMicros, isoSeconds } from './time.js';
import type { Rng } from './random.js';

/**
 * Realistic in-place changes to objects, as kubelets, users and operators
 * make them: container restarts, crash loops and recoveries, readiness
 * flips, label and config edits, lease renewals. Each function mutates the
 * object it is given (a copy the store handed out) and says whether it
 * changed anything.
 */

type Obj = Record<string, unknown>;
interface ContainerStatus extends Obj {
  name: string;
  ready?: boolean;
  started?: boolean;
  restartCount?: number;
  state?: Obj;
  lastState?: Obj;
  containerID?: string;
}
interface Condition extends Obj {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}
interface PodStatus {
  phase?: string;
  conditions?: Condition[];
  containerStatuses?: ContainerStatus[];
}

export type PodChange = 'restart' | 'crashLoop' | 'recover' | 'notReady' | 'ready';

function statusOf(pod: KubeObject): PodStatus {
  return (pod.status ?? {}) as PodStatus;
}

function setCondition(st: PodStatus, type: string, ok: boolean, now: string, reason?: string, message?: string): void {
  const conds = (st.conditions ??= []);
  let c = conds.find((x) => x.type === type);
  if (!c) conds.push((c = { type, status: 'False', lastProbeTime: null }));
  const status = ok ? 'True' : 'False';
  if (c.status !== status) c.lastTransitionTime = now;
  c.status = status;
  if (ok) {
    delete c.reason;
    delete c.message;
  } else {
    c.reason = reason;
    c.message = message;
  }
}

function setReadiness(st: PodStatus, now: string): void {
  const unready = (st.containerStatuses ?? []).filter((c) => !c.ready).map((c) => c.name);
  const msg = `containers with unready status: [${unready.join(' ')}]`;
  setCondition(st, 'Ready', unready.length === 0, now, 'ContainersNotReady', msg);
  setCondition(st, 'ContainersReady', unready.length === 0, now, 'ContainersNotReady', msg);
}

/** What a running pod can undergo now (empty when it is not a running pod with container statuses). */
export function possiblePodChanges(pod: KubeObject): PodChange[] {
  const st = statusOf(pod);
  if (pod.metadata.deletionTimestamp || st.phase !== 'Running' || !st.containerStatuses?.length) return [];
  const main = st.containerStatuses[0];
  if (main.state && 'waiting' in main.state) return ['recover'];
  if (!main.ready) return ['ready'];
  return ['restart', 'crashLoop', 'notReady'];
}

/** Applies a pod status change (the kubelet's view). */
export function changePod(pod: KubeObject, change: PodChange, rng: Rng, nowMs: number): boolean {
  const st = statusOf(pod);
  const main = st.containerStatuses?.[0];
  if (!main) return false;
  const now = isoSeconds(nowMs);
  const newId = `containerd://${rng.hex(64)}`;
  const lastRun = (reason: string, exitCode: number): Obj => ({
    terminated: { exitCode, reason, startedAt: (main.state?.running as { startedAt?: string } | undefined)?.startedAt ?? now, finishedAt: now, containerID: main.containerID ?? newId },
  });
  switch (change) {
    case 'restart':
      main.lastState = lastRun(rng.chance(0.5) ? 'OOMKilled' : 'Error', rng.chance(0.5) ? 137 : 1);
      main.restartCount = (main.restartCount ?? 0) + 1;
      main.state = { running: { startedAt: now } };
      main.containerID = newId;
      main.ready = true;
      main.started = true;
      break;
    case 'crashLoop':
      main.lastState = lastRun('Error', 1);
      main.restartCount = (main.restartCount ?? 0) + 1;
      main.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off 10s restarting failed container=${main.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})` } };
      main.containerID = newId;
      main.ready = false;
      main.started = false;
      break;
    case 'recover':
      main.state = { running: { startedAt: now } };
      main.ready = true;
      main.started = true;
      main.containerID = newId;
      break;
    case 'notReady':
      main.ready = false;
      break;
    case 'ready':
      main.ready = true;
      break;
  }
  setReadiness(st, now);
  pod.status = st;
  return true;
}

const RELEASES = ['stable', 'canary', 'blue', 'green'] as const;

/** Relabels an object the way a rollout tool or an operator does (a label no selector in the simulator uses). */
export function relabel(obj: KubeObject, rng: Rng): void {
  const labels = { ...(obj.metadata.labels ?? {}) };
  const current = labels.release;
  let next = rng.pick(RELEASES);
  if (next === current) next = RELEASES[(RELEASES.indexOf(next) + 1) % RELEASES.length];
  labels.release = next;
  obj.metadata.labels = labels;
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** Edits a ConfigMap's data like a config rollout: flips log_level (or adds it) and bumps a revision key. */
export function editConfig(cm: KubeObject, rng: Rng, nowMs: number): void {
  const data = { ...((cm.data as Record<string, string> | undefined) ?? {}) };
  data.log_level = rng.pick(LEVELS);
  data['config.revision'] = String(Number(data['config.revision'] ?? '0') + 1);
  data['updated-at'] = isoSeconds(nowMs);
  cm.data = data;
}

/** Renews a node Lease (what kubelets do every 10 s); a renewal is never equal to the previous one. */
export function renewLease(lease: KubeObject, nowMs: number): void {
  const spec = (lease.spec ?? {}) as Obj;
  const prev = typeof spec.renewTime === 'string' ? spec.renewTime : '';
  let next = isoMicros(nowMs);
  if (next <= prev) next = prev.replace(/(\d{6})Z$/, (m, us: string) => `${String(Math.min(999_999, Number(us) + 1)).padStart(6, '0')}Z`);
  spec.renewTime = next;
  lease.spec = spec;
}

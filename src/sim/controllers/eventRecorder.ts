import type { KubeObject } from '../../kube/types.js';
import { buildEvent, eventSuffix, type InvolvedObject } from '../workload/events.js';
import type { Rng } from '../workload/random.js';
import type { SimStore } from '../types.js';

/**
 * Records core/v1 Events the way controllers and kubelets do, and expires
 * the oldest ones so the number of Events stays at the level the cluster
 * started with (real clusters drop events after an hour; here the budget
 * keeps a simulated cluster's size stable however long it runs).
 */
export class EventRecorder {
  /** Event keys, oldest first (entries may be stale: deleted by someone else). */
  private readonly fifo: string[] = [];
  private head = 0;
  private readonly live = new Set<string>();
  private readonly budget: number;
  private off: (() => void) | undefined;

  constructor(
    private readonly store: SimStore,
    private readonly rng: Rng,
    /** Minimum number of events kept. */
    minBudget = 200,
    /** The events already in the store, when known (a primed index has them); listed otherwise. */
    known?: Array<{ key: string; at: number }>,
  ) {
    const events = known && known.length === store.count('Event') ? [...known] : store.list('Event').map((e) => ({ key: keyOfEvent(e), at: stamp(e) }));
    events.sort((a, b) => a.at - b.at);
    for (const e of events) this.track(e.key);
    this.budget = Math.max(minBudget, events.length);
    this.off = store.onChange((ch) => {
      if (ch.kind.group !== '' || ch.kind.kind !== 'Event') return;
      const k = keyOfEvent(ch.object);
      if (ch.type === 'ADDED') this.track(k);
      else if (ch.type === 'DELETED') this.live.delete(k);
    });
  }

  /** Events currently known. */
  get count(): number {
    return this.live.size;
  }

  private track(k: string): void {
    if (this.live.has(k)) return;
    this.live.add(k);
    this.fifo.push(k);
  }

  /** Creates an Event about `involved`; `annotations` lets the churn engine stamp its change time. */
  record(o: { involved: InvolvedObject; reason: string; message: string; type?: 'Normal' | 'Warning'; component: string; host?: string; count?: number; annotations?: Record<string, string> }): KubeObject | undefined {
    const now = Date.now();
    const ev = buildEvent({
      namespace: o.involved.namespace,
      suffix: eventSuffix(now, this.rng.int(0, 999_999)),
      uid: this.rng.uuid(),
      involved: o.involved,
      reason: o.reason,
      message: o.message,
      type: o.type ?? 'Normal',
      component: o.component,
      host: o.host,
      first: now,
      last: now,
      count: o.count ?? 1,
    });
    if (o.annotations) ev.metadata.annotations = o.annotations;
    let created: KubeObject | undefined;
    try {
      created = this.store.create('Event', ev, managerOf(o.component));
    } catch {
      return undefined;
    }
    this.expire();
    return created;
  }

  /** Deletes the oldest events beyond the budget. */
  expire(): number {
    let n = 0;
    while (this.live.size > this.budget && this.head < this.fifo.length) {
      const k = this.fifo[this.head++];
      if (!this.live.has(k)) continue;
      const slash = k.indexOf('/');
      this.store.delete('Event', k.slice(0, slash), k.slice(slash + 1));
      this.live.delete(k);
      n++;
    }
    if (this.head > 4096 && this.head * 2 > this.fifo.length) {
      this.fifo.splice(0, this.head);
      this.head = 0;
    }
    return n;
  }

  stop(): void {
    this.off?.();
    this.off = undefined;
  }
}

function managerOf(component: string): string {
  if (component === 'kubelet') return 'kubelet';
  if (component === 'default-scheduler') return 'kube-scheduler';
  return 'kube-controller-manager';
}

/** "ns/name", as a string of its own (not a slice of the parsed object's JSON, see clusterIndex `detached`). */
function keyOfEvent(e: KubeObject): string {
  return JSON.parse(JSON.stringify(`${e.metadata.namespace ?? ''}/${e.metadata.name ?? ''}`)) as string;
}

function stamp(e: KubeObject): number {
  const t = (e as { lastTimestamp?: string | null; eventTime?: string | null }).lastTimestamp ?? e.metadata.creationTimestamp ?? '';
  return Date.parse(t ?? '') || 0;
}

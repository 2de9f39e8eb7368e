import type { SimEventType, SimKind } from './types.js';
import type { StoredObject } from './storedObject.js';

/** One committed change of one kind, as the watch cache keeps it. */
export interface StoreEvent {
  readonly type: SimEventType;
  readonly rv: number;
  readonly kind: SimKind;
  /** State after the change; for DELETED the final state carrying the deletion's resourceVersion. */
  readonly obj: StoredObject;
  /** State before the change (undefined for ADDED). */
  readonly prev: StoredObject | undefined;
}

/**
 * The bounded event history of one kind (the apiserver's watch cache window).
 * A watch may resume from any resourceVersion >= `startRv`: every event after
 * it is still here. Evicting the oldest event moves `startRv` forward, like
 * the real cache ("too old resource version: X (startRv)").
 */
export class EventHistory {
  private buf: Array<StoreEvent | undefined>;
  private head = 0;
  private size = 0;
  /** The oldest resourceVersion a watch can start from. */
  startRv: number;

  constructor(
    private readonly capacity: number,
    startRv: number,
  ) {
    this.buf = new Array(Math.max(1, capacity));
    this.startRv = startRv;
  }

  get length(): number {
    return this.size;
  }

  push(ev: StoreEvent): void {
    if (this.capacity <= 0) {
      this.startRv = ev.rv;
      return;
    }
    if (this.size === this.capacity) {
      this.head = (this.head + 1) % this.capacity;
      this.size--;
      const oldest = this.buf[this.head]!;
      this.startRv = Math.max(this.startRv, oldest.rv - 1);
    }
    this.buf[(this.head + this.size) % this.capacity] = ev;
    this.size++;
  }

  /** Forgets everything; watches must now start at `rv` or later. */
  reset(rv: number): void {
    this.buf = new Array(Math.max(1, this.capacity));
    this.head = 0;
    this.size = 0;
    this.startRv = rv;
  }

  private at(i: number): StoreEvent {
    return this.buf[(this.head + i) % this.capacity]!;
  }

  /** Events with rv > `rv`, oldest first. Caller checks `rv >= startRv` first. */
  since(rv: number): StoreEvent[] {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid).rv <= rv) lo = mid + 1;
      else hi = mid;
    }
    const out: StoreEvent[] = [];
    for (let i = lo; i < this.size; i++) out.push(this.at(i));
    return out;
  }
}

/**
 * A FIFO ring buffer with a hard capacity, growing its storage by doubling
 * (so an idle subscriber with a large allowed queue costs a few slots, not
 * `capacity`). Random access by position lets the history serve replays.
 *
 * Hand-written on purpose: no direct dependency of the project offers a
 * bounded deque (denque and @repeaterjs are only transitive), and Array#shift
 * is O(n) on large arrays.
 */
export class BoundedQueue<T> {
  private slots: Array<T | undefined>;
  private head = 0;
  private count = 0;

  /** `capacity` is the most items the queue ever holds (0 allowed: always full). */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`capacity must be a non-negative integer, got ${capacity}`);
    this.slots = new Array<T | undefined>(Math.min(capacity, 16));
  }

  get length(): number {
    return this.count;
  }

  isFull(): boolean {
    return this.count >= this.capacity;
  }

  /** Appends; returns false (and keeps nothing) when the queue is full. */
  push(item: T): boolean {
    if (this.count >= this.capacity) return false;
    if (this.count === this.slots.length) this.grow();
    this.slots[(this.head + this.count) % this.slots.length] = item;
    this.count++;
    return true;
  }

  /** Removes and returns the oldest item. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.slots[this.head];
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) % this.slots.length;
    this.count--;
    return item;
  }

  /** The oldest item, without removing it. */
  peek(): T | undefined {
    return this.count === 0 ? undefined : this.slots[this.head];
  }

  /** The item at `index` (0 = oldest), or undefined when out of range. */
  at(index: number): T | undefined {
    if (index < 0 || index >= this.count) return undefined;
    return this.slots[(this.head + index) % this.slots.length];
  }

  /** Drops every item and returns the storage to its initial size. */
  clear(): void {
    this.slots = new Array<T | undefined>(Math.min(this.capacity, 16));
    this.head = 0;
    this.count = 0;
  }

  private grow(): void {
    const size = Math.min(this.capacity, Math.max(16, this.slots.length * 2));
    const next = new Array<T | undefined>(size);
    for (let i = 0; i < this.count; i++) next[i] = this.slots[(this.head + i) % this.slots.length];
    this.slots = next;
    this.head = 0;
  }
}

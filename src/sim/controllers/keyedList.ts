/**
 * A set of keys with O(1) add, remove and uniform random pick (array plus
 * position map, swap-remove). Iteration order is insertion order until a
 * removal swaps the last key into the hole.
 */
export class KeyedList {
  private readonly keys: string[] = [];
  private readonly pos = new Map<string, number>();

  get size(): number {
    return this.keys.length;
  }

  has(key: string): boolean {
    return this.pos.has(key);
  }

  add(key: string): void {
    if (this.pos.has(key)) return;
    this.pos.set(key, this.keys.length);
    this.keys.push(key);
  }

  delete(key: string): void {
    const i = this.pos.get(key);
    if (i === undefined) return;
    const last = this.keys.pop()!;
    if (last !== key) {
      this.keys[i] = last;
      this.pos.set(last, i);
    }
    this.pos.delete(key);
  }

  /** The key at `index` (0 <= index < size). */
  at(index: number): string {
    return this.keys[index];
  }

  values(): readonly string[] {
    return this.keys;
  }
}

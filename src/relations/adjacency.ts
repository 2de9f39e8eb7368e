/**
 * Compact edge lists: for each numeric key, a small array of packed numbers
 * (`id * 16 + relationTypeCode`). Plain arrays of small integers are V8's
 * cheapest container (8 bytes per element, no per-edge object); order inside
 * a list carries no meaning.
 */

/** Packs an id and a relation type code (0..15). Exact for ids below 2^49. */
export function pack(id: number, typeCode: number): number {
  return id * 16 + typeCode;
}

export function packedId(packed: number): number {
  return Math.floor(packed / 16);
}

export function packedType(packed: number): number {
  return packed % 16;
}

/** Rough V8 cost of one list beyond its elements: Map entry, JSArray, backing-store header and growth slack. */
const BYTES_PER_LIST = 96;
const BYTES_PER_ELEMENT = 8;

const EMPTY: readonly number[] = Object.freeze([]);

export class PackedLists {
  private readonly lists = new Map<number, number[]>();
  private elements = 0;

  /** Number of packed values held. */
  get size(): number {
    return this.elements;
  }

  get(key: number): readonly number[] {
    return this.lists.get(key) ?? EMPTY;
  }

  add(key: number, value: number): void {
    const list = this.lists.get(key);
    if (list) list.push(value);
    else this.lists.set(key, [value]);
    this.elements++;
  }

  /** Removes one occurrence of `value`; false when absent. */
  remove(key: number, value: number): boolean {
    const list = this.lists.get(key);
    if (!list) return false;
    const i = list.indexOf(value);
    if (i < 0) return false;
    const last = list.pop()!;
    if (i < list.length) list[i] = last;
    if (list.length === 0) this.lists.delete(key);
    this.elements--;
    return true;
  }

  /** Replaces a whole list (the caller owns `values` from now on). */
  set(key: number, values: number[]): void {
    const old = this.lists.get(key);
    this.elements += values.length - (old ? old.length : 0);
    if (values.length === 0) this.lists.delete(key);
    else this.lists.set(key, values);
  }

  /** Keys that have a non-empty list. */
  keys(): IterableIterator<number> {
    return this.lists.keys();
  }

  approxBytes(): number {
    return this.lists.size * BYTES_PER_LIST + this.elements * BYTES_PER_ELEMENT;
  }
}

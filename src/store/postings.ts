/**
 * A string-keyed index `key -> ids` (owner uid -> owned objects, node name ->
 * pods). The posting's `key` is the interned instance records keep, so every
 * record that names the same owner or node shares one string.
 *
 * Most owners own one object (a ReplicaSet's single pod, a Job's pod): a
 * posting holds its first id inline and allocates a set only for a second.
 */
export interface Posting<Extra> {
  readonly key: string;
  /** Number of ids under the key. */
  readonly size: number;
  /** Per-key data the owner of the index attaches (e.g. a compression anchor). */
  extra: Extra | undefined;
}

/** No inline id (ids are positive). */
const NONE = 0;

class Entry<Extra> implements Posting<Extra> {
  extra: Extra | undefined = undefined;
  /** The only id when `more` is undefined; NONE once `more` holds them all. */
  private one: number;
  private more: Set<number> | undefined = undefined;

  constructor(
    readonly key: string,
    id: number,
  ) {
    this.one = id;
  }

  get size(): number {
    return this.more !== undefined ? this.more.size : this.one === NONE ? 0 : 1;
  }

  add(id: number): void {
    if (this.more !== undefined) this.more.add(id);
    else if (this.one === NONE || this.one === id) this.one = id;
    else {
      this.more = new Set([this.one, id]);
      this.one = NONE;
    }
  }

  delete(id: number): void {
    if (this.more !== undefined) this.more.delete(id);
    else if (this.one === id) this.one = NONE;
  }

  ids(): number[] {
    return this.more !== undefined ? [...this.more] : this.one === NONE ? [] : [this.one];
  }
}

export class Postings<Extra = never> {
  private readonly map = new Map<string, Entry<Extra>>();

  get size(): number {
    return this.map.size;
  }

  /** Adds `id` (a positive integer) under `key`; returns the posting (its `key` is the interned string). */
  add(key: string, id: number): Posting<Extra> {
    let p = this.map.get(key);
    if (p === undefined) {
      p = new Entry<Extra>(key, id);
      this.map.set(key, p);
    } else p.add(id);
    return p;
  }

  remove(key: string, id: number): void {
    const p = this.map.get(key);
    if (!p) return;
    p.delete(id);
    if (p.size === 0) this.map.delete(key);
  }

  get(key: string): Posting<Extra> | undefined {
    return this.map.get(key);
  }

  /** The ids under `key`, ascending (a fresh array). */
  ids(key: string): number[] {
    const p = this.map.get(key);
    return p ? p.ids().sort((a, b) => a - b) : [];
  }
}

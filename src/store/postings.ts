/**
 * A string-keyed index `key -> ids` (owner uid -> owned objects, node name ->
 * pods). The posting's `key` is the interned instance records keep, so every
 * record that names the same owner or node shares one string.
 */
export interface Posting<Extra> {
  readonly key: string;
  readonly ids: Set<number>;
  /** Per-key data the owner of the index attaches (e.g. a compression anchor). */
  extra: Extra | undefined;
}

export class Postings<Extra = never> {
  private readonly map = new Map<string, Posting<Extra>>();

  get size(): number {
    return this.map.size;
  }

  /** Adds `id` under `key`; returns the posting (its `key` is the interned string). */
  add(key: string, id: number): Posting<Extra> {
    let p = this.map.get(key);
    if (!p) {
      p = { key, ids: new Set(), extra: undefined };
      this.map.set(key, p);
    }
    p.ids.add(id);
    return p;
  }

  remove(key: string, id: number): void {
    const p = this.map.get(key);
    if (!p) return;
    p.ids.delete(id);
    if (p.ids.size === 0) this.map.delete(key);
  }

  get(key: string): Posting<Extra> | undefined {
    return this.map.get(key);
  }

  /** The ids under `key`, ascending (a fresh array). */
  ids(key: string): number[] {
    const p = this.map.get(key);
    return p ? [...p.ids].sort((a, b) => a - b) : [];
  }
}

/**
 * The records of one (cluster, kind) collection in (namespace, name) order,
 * kept in chunks so that an insert or delete costs O(log n + chunk size)
 * instead of the O(n) of one big array splice. Keys are unique within a
 * collection (a namespace/name identifies one object).
 *
 * Hand-written because no installed library offers an ordered list with
 * keyset seeks; a B-tree would do the same with more code.
 */

/** What the list needs of an entry: its sort key. */
export interface SortKeyed {
  readonly namespace: string;
  readonly name: string;
}

/** Compares (namespace, name) pairs by UTF-16 code units. */
export function compareKey(aNs: string, aName: string, bNs: string, bName: string): number {
  if (aNs !== bNs) return aNs < bNs ? -1 : 1;
  if (aName !== bName) return aName < bName ? -1 : 1;
  return 0;
}

const MAX_CHUNK = 1024;
const BUILD_CHUNK = 512;

/** A position in the list: chunk index and index within the chunk. */
export interface Position {
  chunk: number;
  index: number;
}

export class SortedRecords<T extends SortKeyed> {
  private chunks: T[][] = [];
  private count = 0;

  /** Builds the list from unsorted entries (one sort). */
  static build<T extends SortKeyed>(entries: T[]): SortedRecords<T> {
    const list = new SortedRecords<T>();
    entries.sort((a, b) => compareKey(a.namespace, a.name, b.namespace, b.name));
    for (let i = 0; i < entries.length; i += BUILD_CHUNK) list.chunks.push(entries.slice(i, i + BUILD_CHUNK));
    list.count = entries.length;
    return list;
  }

  get size(): number {
    return this.count;
  }

  /** Inserts an entry whose key is not present. */
  insert(entry: T): void {
    if (this.chunks.length === 0) {
      this.chunks.push([entry]);
      this.count = 1;
      return;
    }
    const ci = this.chunkFor(entry.namespace, entry.name);
    const chunk = this.chunks[ci];
    const i = lowerBound(chunk, entry.namespace, entry.name, false);
    chunk.splice(i, 0, entry);
    this.count++;
    if (chunk.length > MAX_CHUNK) this.chunks.splice(ci, 1, chunk.slice(0, chunk.length >> 1), chunk.slice(chunk.length >> 1));
  }

  /** Removes the entry with this key; returns whether it was present. */
  remove(namespace: string, name: string): boolean {
    const at = this.find(namespace, name);
    if (!at) return false;
    const chunk = this.chunks[at.chunk];
    chunk.splice(at.index, 1);
    if (chunk.length === 0) this.chunks.splice(at.chunk, 1);
    this.count--;
    return true;
  }

  /** Replaces the entry with the same key (a newer version); returns whether it was present. */
  replace(entry: T): boolean {
    const at = this.find(entry.namespace, entry.name);
    if (!at) return false;
    this.chunks[at.chunk][at.index] = entry;
    return true;
  }

  /**
   * The first position whose key is >= (namespace, name), or > it when
   * `exclusive`. May be the end position (chunk === number of chunks).
   */
  seek(namespace: string, name: string, exclusive: boolean): Position {
    if (this.chunks.length === 0) return { chunk: 0, index: 0 };
    const ci = this.chunkFor(namespace, name);
    const chunk = this.chunks[ci];
    const i = lowerBound(chunk, namespace, name, exclusive);
    return i < chunk.length ? { chunk: ci, index: i } : { chunk: ci + 1, index: 0 };
  }

  /** The entry at a position, or undefined at the end. */
  at(pos: Position): T | undefined {
    return this.chunks[pos.chunk]?.[pos.index];
  }

  /** Moves a position to the next entry (in place). */
  advance(pos: Position): void {
    const chunk = this.chunks[pos.chunk];
    if (chunk === undefined) return;
    pos.index++;
    if (pos.index >= chunk.length) {
      pos.chunk++;
      pos.index = 0;
    }
  }

  /** Every entry in order (for tests and full scans). */
  *[Symbol.iterator](): IterableIterator<T> {
    for (const chunk of this.chunks) yield* chunk;
  }

  private find(namespace: string, name: string): Position | undefined {
    if (this.chunks.length === 0) return undefined;
    const ci = this.chunkFor(namespace, name);
    const chunk = this.chunks[ci];
    const i = lowerBound(chunk, namespace, name, false);
    const e = chunk[i];
    return e !== undefined && e.namespace === namespace && e.name === name ? { chunk: ci, index: i } : undefined;
  }

  /** Index of the first chunk whose last key is >= the key (the last chunk when none is). */
  private chunkFor(namespace: string, name: string): number {
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.chunks[mid];
      const last = c[c.length - 1];
      if (compareKey(last.namespace, last.name, namespace, name) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** First index in a sorted chunk whose key is >= (or > when exclusive) the given key. */
function lowerBound<T extends SortKeyed>(chunk: readonly T[], namespace: string, name: string, exclusive: boolean): number {
  let lo = 0;
  let hi = chunk.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const e = chunk[mid];
    const c = compareKey(e.namespace, e.name, namespace, name);
    if (c < 0 || (exclusive && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

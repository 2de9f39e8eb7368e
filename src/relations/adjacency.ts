/**
 * All edges of the graph in one pool backed by a single Int32Array: an edge
 * is an index; its cells (stride 8, two edges per 64-byte cache line) hold
 * its source record id, target reference id, relation type code and lane,
 * and the links of two doubly-linked lists: the source's outgoing edges (in
 * one of two lanes, so that edges maintained by different mechanisms can be
 * walked apart) and the reference's incoming edges. A new edge goes to the
 * head of both lists.
 *
 * Why this shape: a typed array holds no pointers, so however many edges
 * there are the garbage collector sees one object (an array per list would
 * be two heap objects per source and per reference, each marked on every
 * major GC); and walking a list touches one cache line per edge. An edge
 * takes 32 bytes; adding or removing one is O(1); freed slots are reused.
 *
 * Record ids are stored as unsigned 32-bit integers (ids up to 2^32 - 1).
 * Iteration with removal: read `nextOut` / `nextIn` of an edge before
 * removing it.
 */

export const NONE = -1;

/** Outgoing lanes per source. */
export type Lane = 0 | 1;

const STRIDE = 8;
const SRC = 0;
const REF = 1;
const TYPE_LANE = 2;
const NEXT_OUT = 3;
const PREV_OUT = 4;
const NEXT_IN = 5;
const PREV_IN = 6;
const INITIAL_CAPACITY = 1024;
const MAX_RECORD_ID = 0xffffffff;
/** Measured V8 cost of one entry of a Map<number, number> (the out-list heads). */
const BYTES_PER_HEAD = 37;

export class EdgePool {
  private cells = new Int32Array(INITIAL_CAPACITY * STRIDE);
  /** Head edge of each reference's incoming list, indexed by reference id. */
  private inHead = new Int32Array(INITIAL_CAPACITY).fill(NONE);
  /** Head edge of each source's outgoing list, per lane. */
  private readonly outHeads: readonly [Map<number, number>, Map<number, number>] = [new Map(), new Map()];
  /** Slots in use or on the free list. */
  private highWater = 0;
  /** Free slots, chained through NEXT_OUT. */
  private freeHead = NONE;
  private live = 0;

  /** Number of edges. */
  get size(): number {
    return this.live;
  }

  /** Adds an edge source -> reference of a type code at the head of the source's `lane`, and returns its index. */
  add(sourceId: number, refId: number, typeCode: number, lane: Lane): number {
    if (!(sourceId >= 0 && sourceId <= MAX_RECORD_ID)) throw new RangeError(`record id ${sourceId} out of the edge pool's range`);
    const e = this.allocate();
    const c = this.cells;
    const b = e * STRIDE;
    c[b + SRC] = sourceId | 0;
    c[b + REF] = refId;
    c[b + TYPE_LANE] = (typeCode << 1) | lane;
    const heads = this.outHeads[lane];
    const outFirst = heads.get(sourceId) ?? NONE;
    c[b + PREV_OUT] = NONE;
    c[b + NEXT_OUT] = outFirst;
    if (outFirst !== NONE) c[outFirst * STRIDE + PREV_OUT] = e;
    heads.set(sourceId, e);
    if (refId >= this.inHead.length) this.growRefs(refId + 1);
    const inFirst = this.inHead[refId];
    c[b + PREV_IN] = NONE;
    c[b + NEXT_IN] = inFirst;
    if (inFirst !== NONE) c[inFirst * STRIDE + PREV_IN] = e;
    this.inHead[refId] = e;
    this.live++;
    return e;
  }

  /** Removes an edge by index. */
  remove(e: number): void {
    const c = this.cells;
    const b = e * STRIDE;
    const sourceId = c[b + SRC] >>> 0;
    const refId = c[b + REF];
    const pOut = c[b + PREV_OUT];
    const nOut = c[b + NEXT_OUT];
    const heads = this.outHeads[(c[b + TYPE_LANE] & 1) as Lane];
    if (pOut !== NONE) c[pOut * STRIDE + NEXT_OUT] = nOut;
    else if (nOut !== NONE) heads.set(sourceId, nOut);
    else heads.delete(sourceId);
    if (nOut !== NONE) c[nOut * STRIDE + PREV_OUT] = pOut;
    const pIn = c[b + PREV_IN];
    const nIn = c[b + NEXT_IN];
    if (pIn !== NONE) c[pIn * STRIDE + NEXT_IN] = nIn;
    else this.inHead[refId] = nIn;
    if (nIn !== NONE) c[nIn * STRIDE + PREV_IN] = pIn;
    c[b + REF] = NONE;
    c[b + NEXT_OUT] = this.freeHead;
    this.freeHead = e;
    this.live--;
  }

  /** First outgoing edge of a source in a lane, or NONE. */
  firstOut(sourceId: number, lane: Lane): number {
    return this.outHeads[lane].get(sourceId) ?? NONE;
  }

  nextOut(e: number): number {
    return this.cells[e * STRIDE + NEXT_OUT];
  }

  /** First incoming edge of a reference, or NONE. */
  firstIn(refId: number): number {
    return refId < this.inHead.length ? this.inHead[refId] : NONE;
  }

  nextIn(e: number): number {
    return this.cells[e * STRIDE + NEXT_IN];
  }

  sourceOf(e: number): number {
    return this.cells[e * STRIDE + SRC] >>> 0;
  }

  refOf(e: number): number {
    return this.cells[e * STRIDE + REF];
  }

  typeOf(e: number): number {
    return this.cells[e * STRIDE + TYPE_LANE] >> 1;
  }

  /** Ids of the sources that have outgoing edges (in any lane), each once. */
  sources(): Set<number> {
    return new Set([...this.outHeads[0].keys(), ...this.outHeads[1].keys()]);
  }

  approxBytes(): number {
    return this.cells.byteLength + this.inHead.byteLength + (this.outHeads[0].size + this.outHeads[1].size) * BYTES_PER_HEAD;
  }

  private allocate(): number {
    if (this.freeHead !== NONE) {
      const e = this.freeHead;
      this.freeHead = this.cells[e * STRIDE + NEXT_OUT];
      return e;
    }
    if (this.highWater * STRIDE === this.cells.length) {
      const next = new Int32Array(Math.ceil((this.cells.length / STRIDE) * 1.5) * STRIDE);
      next.set(this.cells);
      this.cells = next;
    }
    return this.highWater++;
  }

  private growRefs(min: number): void {
    const next = new Int32Array(Math.max(min, Math.ceil(this.inHead.length * 1.5))).fill(NONE);
    next.set(this.inHead);
    this.inHead = next;
  }
}

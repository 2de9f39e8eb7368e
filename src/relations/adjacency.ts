/**
 * All edges of the graph in one pool of typed arrays (struct of arrays): an
 * edge is an index; its source record id, target reference id and relation
 * type code sit at that index, and so do the links of two doubly-linked
 * lists: the source's outgoing edges (in one of two lanes, so that edges
 * maintained by different mechanisms can be walked apart) and the
 * reference's incoming edges. A new edge goes to the head of both lists.
 *
 * Why not an array per list: typed arrays hold no pointers, so however many
 * edges there are, the garbage collector sees a handful of objects instead of
 * two per source and per reference (it has to mark every one of those on each
 * major GC, which cost the store more than the graph's own work). An edge
 * takes 30 bytes; adding or removing one is O(1); freed slots are reused.
 *
 * The pool is not reentrant-safe for iteration with removal: read `nextOut` /
 * `nextIn` of an edge before removing it.
 */

export const NONE = -1;

const INITIAL_CAPACITY = 1024;
/** Outgoing lanes per source. */
export type Lane = 0 | 1;
/** Measured V8 cost of one entry of a Map<number, number> (the out-list heads). */
const BYTES_PER_HEAD = 37;
const BYTES_PER_EDGE = 8 + 4 + 1 + 1 + 4 * 4;

export class EdgePool {
  private src = new Float64Array(INITIAL_CAPACITY);
  private ref = new Int32Array(INITIAL_CAPACITY);
  private kind = new Uint8Array(INITIAL_CAPACITY);
  private laneArr = new Uint8Array(INITIAL_CAPACITY);
  private nextOutArr = new Int32Array(INITIAL_CAPACITY);
  private prevOutArr = new Int32Array(INITIAL_CAPACITY);
  private nextInArr = new Int32Array(INITIAL_CAPACITY);
  private prevInArr = new Int32Array(INITIAL_CAPACITY);
  /** Head edge of each reference's incoming list, indexed by reference id. */
  private inHead = new Int32Array(INITIAL_CAPACITY).fill(NONE);
  /** Head edge of each source's outgoing list, per lane. */
  private readonly outHeads: readonly [Map<number, number>, Map<number, number>] = [new Map(), new Map()];
  /** Slots in use or on the free list. */
  private highWater = 0;
  /** Free slots, chained through nextOut. */
  private freeHead = NONE;
  private live = 0;

  /** Number of edges. */
  get size(): number {
    return this.live;
  }

  /** Adds an edge source -> reference of a type code at the head of the source's `lane`, and returns its index. */
  add(sourceId: number, refId: number, typeCode: number, lane: Lane): number {
    const e = this.allocate();
    this.src[e] = sourceId;
    this.ref[e] = refId;
    this.kind[e] = typeCode;
    this.laneArr[e] = lane;
    const heads = this.outHeads[lane];
    const outFirst = heads.get(sourceId) ?? NONE;
    this.prevOutArr[e] = NONE;
    this.nextOutArr[e] = outFirst;
    if (outFirst !== NONE) this.prevOutArr[outFirst] = e;
    heads.set(sourceId, e);
    if (refId >= this.inHead.length) this.growRefs(refId + 1);
    const inFirst = this.inHead[refId];
    this.prevInArr[e] = NONE;
    this.nextInArr[e] = inFirst;
    if (inFirst !== NONE) this.prevInArr[inFirst] = e;
    this.inHead[refId] = e;
    this.live++;
    return e;
  }

  /** Removes an edge by index. */
  remove(e: number): void {
    const sourceId = this.src[e];
    const refId = this.ref[e];
    const pOut = this.prevOutArr[e];
    const nOut = this.nextOutArr[e];
    const heads = this.outHeads[this.laneArr[e] as Lane];
    if (pOut !== NONE) this.nextOutArr[pOut] = nOut;
    else if (nOut !== NONE) heads.set(sourceId, nOut);
    else heads.delete(sourceId);
    if (nOut !== NONE) this.prevOutArr[nOut] = pOut;
    const pIn = this.prevInArr[e];
    const nIn = this.nextInArr[e];
    if (pIn !== NONE) this.nextInArr[pIn] = nIn;
    else this.inHead[refId] = nIn;
    if (nIn !== NONE) this.prevInArr[nIn] = pIn;
    this.ref[e] = NONE;
    this.nextOutArr[e] = this.freeHead;
    this.freeHead = e;
    this.live--;
  }

  /** First outgoing edge of a source in a lane, or NONE. */
  firstOut(sourceId: number, lane: Lane): number {
    return this.outHeads[lane].get(sourceId) ?? NONE;
  }

  nextOut(e: number): number {
    return this.nextOutArr[e];
  }

  /** First incoming edge of a reference, or NONE. */
  firstIn(refId: number): number {
    return refId < this.inHead.length ? this.inHead[refId] : NONE;
  }

  nextIn(e: number): number {
    return this.nextInArr[e];
  }

  sourceOf(e: number): number {
    return this.src[e];
  }

  refOf(e: number): number {
    return this.ref[e];
  }

  typeOf(e: number): number {
    return this.kind[e];
  }

  /** Ids of the sources that have outgoing edges (in any lane), each once. */
  sources(): Set<number> {
    return new Set([...this.outHeads[0].keys(), ...this.outHeads[1].keys()]);
  }

  approxBytes(): number {
    return this.src.length * BYTES_PER_EDGE + this.inHead.length * 4 + (this.outHeads[0].size + this.outHeads[1].size) * BYTES_PER_HEAD;
  }

  private allocate(): number {
    if (this.freeHead !== NONE) {
      const e = this.freeHead;
      this.freeHead = this.nextOutArr[e];
      return e;
    }
    if (this.highWater === this.src.length) this.growEdges(Math.ceil(this.src.length * 1.5));
    return this.highWater++;
  }

  private growEdges(capacity: number): void {
    this.src = grown(this.src, new Float64Array(capacity));
    this.ref = grown(this.ref, new Int32Array(capacity));
    this.kind = grown(this.kind, new Uint8Array(capacity));
    this.laneArr = grown(this.laneArr, new Uint8Array(capacity));
    this.nextOutArr = grown(this.nextOutArr, new Int32Array(capacity));
    this.prevOutArr = grown(this.prevOutArr, new Int32Array(capacity));
    this.nextInArr = grown(this.nextInArr, new Int32Array(capacity));
    this.prevInArr = grown(this.prevInArr, new Int32Array(capacity));
  }

  private growRefs(min: number): void {
    const next = new Int32Array(Math.max(min, Math.ceil(this.inHead.length * 1.5))).fill(NONE);
    next.set(this.inHead);
    this.inHead = next;
  }
}

function grown<T extends Float64Array | Int32Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

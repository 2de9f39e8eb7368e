import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { LRUCache } from 'lru-cache';

/**
 * Compact storage of slimmed JSON. Objects of one kind, and above all the
 * pods of one ReplicaSet/DaemonSet/Job, differ in a few fields; raw deflate
 * (zlib, level 1) with a preset dictionary taken from a similar object
 * stores a 4 KB pod in ~150-300 bytes instead of 4 KB.
 *
 * Two kinds of dictionary ("base"):
 * - a KindDictionary: the JSON of the first object of a kind seen by the
 *   store, immutable, kept for the store's lifetime;
 * - an anchor: another stored record (itself encoded against a
 *   KindDictionary or stored plain), typically a sibling with the same
 *   controller owner. Its decoded bytes are cached in a bounded LRU.
 * Chains are at most two deep: an anchor never has an anchor as its base.
 *
 * With `compression: 'none'` the JSON is stored as is (faster apply, ~4x
 * the memory for pods).
 */

export type Compression = 'deflate' | 'none';

/** The dictionary of a kind: the JSON bytes of a representative object. */
export class KindDictionary {
  constructor(readonly bytes: Buffer) {}
}

/** Something stored through the codec that can serve as another record's dictionary. */
export interface Packed {
  /** The JSON itself when `base` is undefined; else the deflated bytes as a latin1 string. */
  readonly packed: string;
  readonly base: Base | undefined;
}

export type Base = KindDictionary | Packed;

export interface JsonCodecOptions {
  compression?: Compression;
  /** Bytes of decoded anchors kept for encoding and decoding their siblings (default 8 MiB). */
  anchorCacheBytes?: number;
}

const DEFLATE_LEVEL = 1;
const INFLATE_WINDOW_BITS = 15;
/** Objects smaller than this are not worth a zlib call. */
const MIN_COMPRESS_LENGTH = 96;

export class JsonCodec {
  readonly compression: Compression;
  private readonly kindDictionaries = new Map<string, KindDictionary>();
  private readonly anchors: LRUCache<Packed, Buffer>;

  constructor(options: JsonCodecOptions = {}) {
    this.compression = options.compression ?? 'deflate';
    this.anchors = new LRUCache<Packed, Buffer>({
      maxSize: Math.max(1, options.anchorCacheBytes ?? 8 * 1024 * 1024),
      sizeCalculation: (b) => Math.max(1, b.length),
    });
  }

  /**
   * Makes `dictionary` the kind's dictionary for new encodes when the kind
   * has none yet (records loaded from a snapshot and the ones encoded after
   * them then share one dictionary). Returns the kind's dictionary.
   */
  adoptKindDictionary(kindKey: string, dictionary: KindDictionary): KindDictionary {
    let d = this.kindDictionaries.get(kindKey);
    if (!d) {
      d = dictionary;
      this.kindDictionaries.set(kindKey, d);
    }
    return d;
  }

  /** The dictionary of a kind, created from `sampleJson` the first time a kind is seen. */
  kindDictionary(kindKey: string, sampleJson: string): KindDictionary {
    let d = this.kindDictionaries.get(kindKey);
    if (!d) {
      d = new KindDictionary(Buffer.from(sampleJson, 'utf8'));
      this.kindDictionaries.set(kindKey, d);
    }
    return d;
  }

  /**
   * Stores `json` compressed against `base` (plain when compression is off,
   * the object is tiny, or deflate does not make it smaller).
   */
  encode(json: string, base: Base | undefined): Packed {
    if (this.compression === 'none' || base === undefined || json.length < MIN_COMPRESS_LENGTH) return { packed: json, base: undefined };
    try {
      const dictionary = this.dictionaryBytes(base);
      const input = Buffer.from(json, 'utf8');
      const out = deflateRawSync(input, { level: DEFLATE_LEVEL, dictionary, windowBits: windowBitsFor(dictionary.length + input.length) });
      if (out.length >= json.length) return { packed: json, base: undefined };
      return { packed: out.toString('latin1'), base };
    } catch {
      return { packed: json, base: undefined };
    }
  }

  /** The JSON text of something encoded by `encode`. */
  decode(p: Packed): string {
    if (p.base === undefined) return p.packed;
    return this.inflate(p).toString('utf8');
  }

  /** Bytes the stored form occupies (for size estimates). */
  storedLength(p: Packed): number {
    return p.packed.length;
  }

  private dictionaryBytes(base: Base): Buffer {
    if (base instanceof KindDictionary) return base.bytes;
    let bytes = this.anchors.get(base);
    if (!bytes) {
      const decoded = base.base === undefined ? Buffer.from(base.packed, 'utf8') : this.inflate(base);
      // zlib output may be a view on a larger chunk: keep an exact-size copy.
      bytes = Buffer.allocUnsafeSlow(decoded.length);
      decoded.copy(bytes);
      this.anchors.set(base, bytes);
    }
    return bytes;
  }

  private inflate(p: Packed): Buffer {
    return inflateRawSync(Buffer.from(p.packed, 'latin1'), { dictionary: this.dictionaryBytes(p.base!), windowBits: INFLATE_WINDOW_BITS });
  }
}

const baseIds = new WeakMap<object, string>();

/**
 * A stable, content-derived id of a compression base, equal in every
 * process for equal bytes: "d" + 20 hex digits of the SHA-1 of a
 * dictionary's bytes; for an anchor, "a" + 20 hex digits of the SHA-1 of its
 * own base's id and its packed bytes. Undefined for an anchor whose base is
 * itself an anchor (the codec never builds such chains). Cached per object.
 */
export function baseIdOf(base: Base): string | undefined {
  const known = baseIds.get(base);
  if (known !== undefined) return known;
  let id: string;
  if (base instanceof KindDictionary) {
    id = `d${createHash('sha1').update(base.bytes).digest('hex').slice(0, 20)}`;
  } else {
    if (base.base !== undefined && !(base.base instanceof KindDictionary)) return undefined;
    const parent = base.base === undefined ? '' : baseIdOf(base.base)!;
    id = `a${createHash('sha1').update(parent).update('\n').update(base.packed, base.base === undefined ? 'utf8' : 'latin1').digest('hex').slice(0, 20)}`;
  }
  baseIds.set(base, id);
  return id;
}

/** Smallest deflate window (9..15 bits) covering dictionary and input, so zlib allocates no more than needed. */
function windowBitsFor(bytes: number): number {
  let bits = 9;
  while (bits < 15 && 1 << bits < bytes + 262) bits++;
  return bits;
}

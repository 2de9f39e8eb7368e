/**
 * Interning of whole label maps. Pods of one ReplicaSet (and most objects
 * of one app) carry identical labels; they share one frozen map, and the
 * label index works on these sets instead of on every object.
 */

/** One distinct label map. `labels` is frozen: it is shared by many records. */
export interface LabelSet {
  /** Canonical form: sorted `key\u0001value\u0002` pairs. */
  readonly key: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Number of live records holding this set (the interner forgets it at 0). */
  refs: number;
}

const EMPTY_LABELS: Readonly<Record<string, string>> = Object.freeze({});

export class LabelSetInterner {
  private readonly sets = new Map<string, LabelSet>();
  private readonly empty: LabelSet = { key: '', labels: EMPTY_LABELS, refs: 0 };

  /** Number of distinct label maps held by live records. */
  get size(): number {
    return this.sets.size + (this.empty.refs > 0 ? 1 : 0);
  }

  /**
   * The shared set equal to `labels` (non-string values are dropped, as the
   * API server would never send them). Takes a reference: pair with `release`.
   * `hint` is a set the labels probably equal (the object's previous version,
   * a sibling's): checked first, without building the canonical key.
   */
  acquire(labels: Readonly<Record<string, unknown>> | null | undefined, hint?: LabelSet): LabelSet {
    if (hint !== undefined && (hint.refs > 0 || hint === this.empty) && sameLabels(labels, hint.labels) && (hint === this.empty || this.sets.get(hint.key) === hint)) {
      hint.refs++;
      return hint;
    }
    const key = canonicalKey(labels);
    if (key === '') {
      this.empty.refs++;
      return this.empty;
    }
    let set = this.sets.get(key);
    if (!set) {
      set = { key, labels: freezeCopy(labels!), refs: 0 };
      this.sets.set(key, set);
    }
    set.refs++;
    return set;
  }

  /**
   * The shared set whose canonical key (`LabelSet.key`, see `labelSetKey`)
   * is `key`; like `acquire` (takes a reference), without building the map
   * unless the set is new. Throws on a key that is not canonical.
   */
  acquireKey(key: string, hint?: LabelSet): LabelSet {
    if (hint !== undefined && hint.key === key && (hint.refs > 0 || hint === this.empty) && (hint === this.empty || this.sets.get(key) === hint)) {
      hint.refs++;
      return hint;
    }
    if (key === '') {
      this.empty.refs++;
      return this.empty;
    }
    let set = this.sets.get(key);
    if (!set) {
      const labels: Record<string, string> = {};
      const pairs = key.split('\u0002');
      if (pairs.pop() !== '') throw new Error('malformed label set key');
      for (const pair of pairs) {
        const i = pair.indexOf('\u0001');
        if (i < 0) throw new Error('malformed label set key');
        labels[pair.slice(0, i)] = pair.slice(i + 1);
      }
      if (canonicalKey(labels) !== key) throw new Error('label set key is not canonical');
      set = { key, labels: freezeCopy(labels), refs: 0 };
      this.sets.set(key, set);
    }
    set.refs++;
    return set;
  }

  /** Drops a reference taken by `acquire`. */
  release(set: LabelSet): void {
    set.refs--;
    if (set.refs <= 0 && set !== this.empty && this.sets.get(set.key) === set) this.sets.delete(set.key);
  }
}

/** Whether `labels` has exactly the entries of `set` (string values only). Allocates nothing. */
function sameLabels(labels: Readonly<Record<string, unknown>> | null | undefined, set: Readonly<Record<string, string>>): boolean {
  let n = 0;
  if (labels) {
    for (const k in labels) {
      if (!Object.prototype.hasOwnProperty.call(labels, k)) continue;
      const v = labels[k];
      if (typeof v !== 'string') return false;
      if (set[k] !== v || !Object.prototype.hasOwnProperty.call(set, k)) return false;
      n++;
    }
  }
  let m = 0;
  for (const k in set) if (Object.prototype.hasOwnProperty.call(set, k)) m++;
  return n === m;
}

/** The canonical key of a label map (`LabelSet.key`): sorted `key\u0001value\u0002` pairs, "" when empty. */
export function labelSetKey(labels: Readonly<Record<string, unknown>> | null | undefined): string {
  return canonicalKey(labels);
}

function canonicalKey(labels: Readonly<Record<string, unknown>> | null | undefined): string {
  if (!labels) return '';
  const keys = Object.keys(labels);
  if (keys.length === 0) return '';
  let sorted = true;
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1] > keys[i]) {
      sorted = false;
      break;
    }
  }
  if (!sorted) keys.sort();
  let out = '';
  for (const k of keys) {
    const v = labels[k];
    if (typeof v === 'string') out += `${k}\u0001${v}\u0002`;
  }
  return out;
}

function freezeCopy(labels: Readonly<Record<string, unknown>>): Readonly<Record<string, string>> {
  const keys = Object.keys(labels).sort();
  const out: Record<string, string> = {};
  for (const k of keys) {
    const v = labels[k];
    if (typeof v === 'string') out[k] = v;
  }
  return Object.freeze(out);
}

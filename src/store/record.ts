import type { KindInfo } from '../kube/kinds.js';
import type { ResourceRecord } from './types.js';
import type { Base, JsonCodec, Packed } from './jsonCodec.js';
import type { LabelSet } from './labelSets.js';

/**
 * The store's ResourceRecord: immutable content, compact. Repeating strings
 * (cluster, namespace, status, owner uids, node name, label maps) are shared
 * instances; the slimmed JSON is kept packed (see JsonCodec). The stored
 * form of the JSON may change once, from plain to compressed (`repack`, by
 * the store's deferred compression); the JSON it decodes to never does.
 *
 * `json` and `labels` are getters: `json` decodes on every access (a few
 * microseconds; use the store's `objectOf` for the parsed, cached form and
 * `retainedBytesOf` for size estimates). Being getters, they are not own
 * properties: spread or JSON.stringify a record and they are missing.
 */
export class StoredRecord implements ResourceRecord, Packed {
  constructor(
    readonly id: number,
    readonly clusterId: string,
    readonly kind: KindInfo,
    readonly kindKey: string,
    readonly namespace: string,
    readonly name: string,
    readonly uid: string,
    readonly resourceVersion: string,
    readonly creationTimestamp: string | undefined,
    readonly status: string | undefined,
    /** Interned label set (shared with every record of equal labels). */
    readonly labelSet: LabelSet,
    /** uid(s) of metadata.ownerReferences (interned); one string for the usual single owner; the controller first. */
    readonly owners: string | readonly string[] | undefined,
    /** spec.nodeName of a pod (interned). */
    readonly nodeName: string | undefined,
    private packedJson: string,
    private packedBase: Base | undefined,
    private readonly codec: JsonCodec,
  ) {}

  /** The stored JSON: the text itself when `base` is undefined, else deflated against `base` (see Packed). */
  get packed(): string {
    return this.packedJson;
  }

  get base(): Base | undefined {
    return this.packedBase;
  }

  /** Replaces the stored form of a plain record with a compressed one of the same JSON. */
  repack(packed: string, base: Base): void {
    if (this.packedBase !== undefined) throw new Error('StoredRecord.repack: the record is already compressed');
    this.packedJson = packed;
    this.packedBase = base;
  }

  get labels(): Readonly<Record<string, string>> {
    return this.labelSet.labels;
  }

  get json(): string {
    return this.codec.decode(this);
  }

  /** Owner uids, the controller (when there is one) first. */
  ownerUids(): readonly string[] {
    const o = this.owners;
    return o === undefined ? [] : typeof o === 'string' ? [o] : o;
  }

  /** The uid anchoring compression and "owned by" defaults: the controller, else the first owner. */
  primaryOwnerUid(): string | undefined {
    const o = this.owners;
    return o === undefined || typeof o === 'string' ? o : o[0];
  }
}

/** Rough fixed cost of a record besides its packed JSON: the object, name/uid/rv strings, index entries. */
const RECORD_OVERHEAD_BYTES = 400;

/**
 * Estimated heap bytes a record keeps alive when held alone (e.g. by an
 * event history): the packed JSON plus a fixed overhead. Cheap: no decoding.
 * Records from elsewhere are estimated from their JSON length.
 */
export function retainedBytesOf(record: ResourceRecord): number {
  if (record instanceof StoredRecord) return RECORD_OVERHEAD_BYTES + record.packed.length;
  return RECORD_OVERHEAD_BYTES + record.json.length;
}

import type { Base } from './jsonCodec.js';

/**
 * A stored record in the form it can leave the store and come back in
 * without being parsed, slimmed or compressed again (the Redis snapshot
 * keeps this form): the index fields the store would otherwise derive from
 * the object, and the slimmed JSON exactly as the store keeps it, `packed`
 * against `base` (see JsonCodec).
 *
 * Contract: `packed`/`base` decode (JsonCodec.decode) to the slimmed JSON of
 * the object, and every other field is what the store derives from that
 * JSON (labels, owner uids with the controller first, spec.nodeName of a
 * pod, the status summary). A record made by `ResourceStore.portableOf` has
 * this property; one rebuilt from a snapshot has it when the snapshot was
 * written that way (the loader checks checksums and base ids, not meaning).
 */
export interface PortableRecord {
  /** "" for cluster-scoped objects. */
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly resourceVersion: string;
  readonly creationTimestamp: string | undefined;
  readonly status: string | undefined;
  /** The labels in canonical form (`labelSetKey`, the LabelSet key): no map is built when the set is known. */
  readonly labelKey: string;
  /** ownerReferences uids, the controller first. */
  readonly owners: readonly string[];
  /** spec.nodeName of a pod. */
  readonly nodeName: string | undefined;
  /** The JSON itself when `base` is undefined; else deflated bytes as a latin1 string. */
  readonly packed: string;
  readonly base: Base | undefined;
}

import { crc32 } from 'node:zlib';
import type { LazyRelationFacts, RelationFacts } from '../relations/facts.js';
import type { TargetRef } from '../relations/types.js';
import { baseIdOf, KindDictionary, type Base, type Packed } from '../store/jsonCodec.js';
import type { PortableRecord } from '../store/portable.js';
import { parseObjectField } from './snapshotFormat.js';

/**
 * The snapshot's value of one object (format 2): the store's own record
 * form, so that a warm restart inserts records without parsing, slimming
 * or compressing them, and re-creates their relation edges without
 * decoding them.
 *
 *   <header JSON>\n<facts JSON>\n<packed bytes>
 *
 * Header: [uid, resourceVersion, creationTimestamp|null, status|null,
 * label set key (canonical form, see labelSetKey), ownerUids|0,
 * nodeName|null, baseId ("" = plain JSON), crc32 of the packed bytes].
 * Facts: null, or the relation rules' output as 7 entries per target:
 * type code, apiVersion, kind, namespace, name, uid ("" = none), byUid
 * (0/1); a loader hands them to the graph undecoded (decoded when the
 * graph indexes the record; malformed facts = none). The packed bytes are the
 * record's JSON as UTF-8 when the base id is "", else the deflated bytes
 * (latin1 string in the store) against that base.
 *
 * Compression bases live in a per-kind hash next to the objects (field =
 * base id, see `baseIdOf`: content-derived, equal in every process):
 *   dictionary: "D\n" + the dictionary's bytes
 *   anchor:     "A<parent base id, "" = plain>\n" + its packed bytes
 * A loader verifies every base's id against its content and every
 * record's checksum; what fails is reported, never inserted.
 */

const NL = 0x0a;
const FACT_WIDTH = 7;

/** Bases a record needs in Redis, in dependency order (a dictionary before the anchor packed against it). */
export function basesOf(base: Base | undefined): Base[] {
  if (base === undefined) return [];
  if (base instanceof KindDictionary) return [base];
  return base.base === undefined ? [base] : [base.base, base];
}

/** The snapshot value of a base (its id is `baseIdOf(base)`). */
export function encodeBase(base: Base): Buffer {
  if (base instanceof KindDictionary) return Buffer.concat([Buffer.from('D\n'), base.bytes]);
  const parent = base.base === undefined ? '' : baseIdOf(base.base)!;
  return Buffer.concat([Buffer.from(`A${parent}\n`), Buffer.from(base.packed, base.base === undefined ? 'utf8' : 'latin1')]);
}

/**
 * Rebuilds a base from its value, given the bases it may depend on.
 * Returns the base or the reason it is unusable (its id does not match its
 * content, its parent is missing, malformed value).
 */
export function decodeBase(id: string, value: Buffer, known: ReadonlyMap<string, Base>): Base | string {
  const nl = value.indexOf(NL);
  if (nl < 1) return `base ${id} is malformed`;
  let base: Base;
  if (value[0] === 0x44 /* D */ && nl === 1) {
    base = new KindDictionary(Buffer.from(value.subarray(nl + 1)));
  } else if (value[0] === 0x41 /* A */) {
    const parentId = value.toString('latin1', 1, nl);
    const parent = parentId === '' ? undefined : known.get(parentId);
    if (parentId !== '' && !(parent instanceof KindDictionary)) return `base ${id} depends on base ${parentId}, which is missing`;
    const anchor: Packed = { packed: value.toString(parent === undefined ? 'utf8' : 'latin1', nl + 1), base: parent };
    base = anchor;
  } else {
    return `base ${id} is malformed`;
  }
  if (baseIdOf(base) !== id) return `base ${id} does not match its content`;
  return base;
}

/**
 * The snapshot value of a record. Returns undefined when its base has no
 * stable id (never for records of the ResourceStore); the caller then
 * writes the plain JSON instead.
 */
export function encodeRecord(p: PortableRecord, facts: RelationFacts | undefined): Buffer | undefined {
  let baseId = '';
  if (p.base !== undefined) {
    const id = baseIdOf(p.base);
    if (id === undefined) return undefined;
    baseId = id;
  }
  const bytes = Buffer.from(p.packed, p.base === undefined ? 'utf8' : 'latin1');
  const header = JSON.stringify([
    p.uid,
    p.resourceVersion,
    p.creationTimestamp ?? null,
    p.status ?? null,
    p.labelKey,
    p.owners.length > 0 ? p.owners : 0,
    p.nodeName ?? null,
    baseId,
    crc32(bytes),
  ]);
  const factsJson = facts === undefined ? 'null' : JSON.stringify(encodeFacts(facts));
  return Buffer.concat([Buffer.from(`${header}\n${factsJson}\n`, 'utf8'), bytes]);
}

/** A decoded record value. */
export interface DecodedRecord {
  record: PortableRecord;
  /** Undefined when the snapshot holds none for it. */
  facts: LazyRelationFacts | undefined;
}

/** Result of decoding a value: the record, a base id to fetch first, or the reason it is unusable. */
export type DecodeResult = DecodedRecord | { missingBase: string } | string;

/**
 * Decodes a record value stored under `field` ("<namespace>/<name>").
 * `bases` must hold the bases read for the kind; a base it lacks is
 * returned as `{ missingBase }` (written after the bases were read: fetch
 * it and decode again).
 */
export function decodeRecord(field: string, value: Buffer, namespaced: boolean, bases: ReadonlyMap<string, Base>): DecodeResult {
  const at = parseObjectField(field);
  if (!at || (at.namespace !== '') !== namespaced) return `field ${field} does not name an object of this kind`;
  const nl = value.indexOf(NL);
  let h: unknown;
  try {
    h = JSON.parse(value.toString('utf8', 0, nl < 0 ? value.length : nl));
  } catch {
    return `value of ${field} is not JSON (its header)`;
  }
  const nl2 = nl < 0 ? -1 : value.indexOf(NL, nl + 1);
  if (nl2 < 0 || !Array.isArray(h) || h.length !== 9) return `value of ${field} is not a snapshot record`;
  const [uid, rv, created, status, labels, owners, nodeName, baseId, crc] = h as unknown[];
  if (typeof uid !== 'string' || typeof rv !== 'string' || rv === '' || typeof baseId !== 'string' || typeof crc !== 'number') return `value of ${field} has a malformed header`;
  if ((created !== null && typeof created !== 'string') || (status !== null && typeof status !== 'string') || (nodeName !== null && typeof nodeName !== 'string')) return `value of ${field} has a malformed header`;
  if (typeof labels !== 'string') return `value of ${field} has malformed labels`;
  if (owners !== 0 && !(Array.isArray(owners) && owners.every((o) => typeof o === 'string'))) return `value of ${field} has malformed owners`;
  const bytes = value.subarray(nl2 + 1);
  if (crc32(bytes) !== crc) return `value of ${field} fails its checksum`;
  let base: Base | undefined;
  if (baseId !== '') {
    base = bases.get(baseId);
    if (base === undefined) return { missingBase: baseId };
  }
  let lazyFacts: LazyRelationFacts | undefined;
  if (nl2 - nl - 1 !== 4 || value[nl + 1] !== 0x6e /* n(ull) */) {
    // kept off the JS heap until the graph indexes the record (a copy: the reply buffer is not retained)
    lazyFacts = decodeFactsBytes.bind(undefined, Buffer.from(value.subarray(nl + 1, nl2)));
  }
  return {
    record: {
      namespace: at.namespace,
      name: at.name,
      uid,
      resourceVersion: rv,
      creationTimestamp: created ?? undefined,
      status: status ?? undefined,
      labelKey: labels,
      owners: owners === 0 ? [] : (owners as string[]),
      nodeName: nodeName ?? undefined,
      packed: bytes.toString(base === undefined ? 'utf8' : 'latin1'),
      base,
    },
    facts: lazyFacts,
  };
}

function encodeFacts(f: RelationFacts): Array<string | number> {
  const out: Array<string | number> = [];
  for (let i = 0; i < f.targets.length; i++) {
    const t = f.targets[i];
    out.push(f.codes[i], t.apiVersion, t.kind, t.namespace, t.name, t.uid ?? '', t.byUid ? 1 : 0);
  }
  return out;
}

function decodeFactsBytes(bytes: Buffer): RelationFacts | undefined {
  try {
    return decodeFacts(JSON.parse(bytes.toString('utf8')));
  } catch {
    return undefined;
  }
}

function decodeFacts(x: unknown): RelationFacts | undefined {
  if (!Array.isArray(x) || x.length % FACT_WIDTH !== 0) return undefined;
  const codes: number[] = [];
  const targets: TargetRef[] = [];
  for (let i = 0; i < x.length; i += FACT_WIDTH) {
    const [code, apiVersion, kind, namespace, name, uid, byUid] = x.slice(i, i + FACT_WIDTH) as unknown[];
    if (typeof code !== 'number' || !Number.isInteger(code) || code < 0 || code > 15) return undefined;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string' || typeof namespace !== 'string' || typeof name !== 'string' || typeof uid !== 'string') return undefined;
    if (byUid !== 0 && byUid !== 1) return undefined;
    if (byUid === 1 && uid === '') return undefined;
    codes.push(code);
    targets.push({ apiVersion, kind, namespace, name, uid: uid === '' ? undefined : uid, byUid: byUid === 1 });
  }
  return { codes, targets };
}


import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { z } from 'zod';
import type { SyncReport } from '../clusters/clusterStatus.js';
import type { KindInfo } from '../kube/kinds.js';
import type { KubeObject } from '../kube/types.js';

/**
 * The Redis representation of a cluster's snapshot and change stream
 * (keys in keys.ts). Bump SNAPSHOT_FORMAT on any incompatible change: a
 * replica that finds another format discards the snapshot (log line, cold
 * list) and, once owner, rewrites it.
 *
 * Meta hash fields: `format`, `epoch` (random, new whenever the meta is
 * created: a Redis that lost its data gets a new epoch), `seq` (number of
 * the last committed batch; the stream entry of batch n has id "n-0"),
 * `at`, `by` (replica id), `report` (the owner's SyncReport, JSON) and one
 * `kind:<kindKey>` per collection (KindMeta, JSON). A batch updates objects,
 * meta and stream in one atomic script, so the objects of a kind always
 * agree with the resourceVersion and count in its KindMeta.
 *
 * Format history: 1 = object values were the slimmed JSON (every load
 * parsed, slimmed and compressed each object again); 2 = object values are
 * the store's record form with relation facts, and compression bases are
 * kept per kind (recordFormat.ts). Stream entries carry JSON in both.
 */
export const SNAPSHOT_FORMAT = '2';

export const KIND_FIELD_PREFIX = 'kind:';

/** What the snapshot records per (cluster, kind). */
export interface KindMeta {
  kind: KindInfo;
  /** The resourceVersion the objects reflect; null while the owner's first list of the kind is incomplete. */
  rv: string | null;
  /** Objects in the kind's hash. */
  count: number;
  /** Whether Secret values were kept (cluster opt-in) when written. */
  secrets: boolean;
  /** RELATION_RULES_VERSION of the relation facts stored with the objects; absent = no facts (the rules run on load). */
  rules?: number;
}

const KindInfoSchema = z.object({
  group: z.string(),
  version: z.string().min(1),
  kind: z.string().min(1),
  plural: z.string().min(1),
  namespaced: z.boolean(),
  shortNames: z.array(z.string()).optional(),
});

const KindMetaSchema = z.object({
  kind: KindInfoSchema,
  rv: z.string().min(1).nullable(),
  count: z.int().min(0),
  secrets: z.boolean(),
  rules: z.int().optional(),
});

const SyncReportSchema = z.object({
  kindsTotal: z.int().min(0),
  kindsSynced: z.int().min(0),
  objects: z.int().min(0),
  failingKinds: z.array(z.object({ kind: z.string(), reason: z.string() })),
  stale: z.boolean(),
});

/** A decoded meta hash. */
export interface SnapshotMeta {
  epoch: string;
  seq: number;
  by: string | undefined;
  report: SyncReport | undefined;
  kinds: Map<string, KindMeta>;
  /** Kinds whose KindMeta could not be read (they are treated as absent). */
  unreadableKinds: string[];
}

export type MetaDecodeResult = { ok: true; meta: SnapshotMeta } | { ok: false; reason: string; epoch: string | undefined; seq: number | undefined };

/** Decodes HGETALL of a meta hash. `undefined` = no snapshot (empty hash). */
export function decodeMeta(fields: Record<string, string>): MetaDecodeResult | undefined {
  if (Object.keys(fields).length === 0) return undefined;
  const seq = Number(fields.seq ?? '0');
  const epoch = fields.epoch;
  const safeSeq = Number.isSafeInteger(seq) && seq >= 0 ? seq : undefined;
  if (fields.format !== SNAPSHOT_FORMAT) {
    return { ok: false, reason: `format ${JSON.stringify(fields.format ?? null)} (this version reads ${SNAPSHOT_FORMAT})`, epoch, seq: safeSeq };
  }
  if (!epoch || safeSeq === undefined) return { ok: false, reason: 'meta without epoch or sequence number', epoch, seq: safeSeq };
  const kinds = new Map<string, KindMeta>();
  const unreadableKinds: string[] = [];
  for (const [field, value] of Object.entries(fields)) {
    if (!field.startsWith(KIND_FIELD_PREFIX)) continue;
    const key = field.slice(KIND_FIELD_PREFIX.length);
    const parsed = parseJson(value, KindMetaSchema);
    if (parsed) kinds.set(key, parsed as KindMeta);
    else unreadableKinds.push(key);
  }
  const report = fields.report ? (parseJson(fields.report, SyncReportSchema) as SyncReport | undefined) : undefined;
  return { ok: true, meta: { epoch, seq: safeSeq, by: fields.by, report, kinds, unreadableKinds } };
}

export function encodeKindMeta(m: KindMeta): string {
  return JSON.stringify(m);
}

/** The hash field of an object: "<namespace>/<name>" ("" namespace for cluster-scoped objects). */
export function objectField(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** Splits an object field; undefined when malformed. */
export function parseObjectField(field: string): { namespace: string; name: string } | undefined {
  const i = field.indexOf('/');
  if (i < 0 || i === field.length - 1) return undefined;
  return { namespace: field.slice(0, i), name: field.slice(i + 1) };
}

/**
 * Parses a snapshot value and checks it is the object its field names.
 * Returns the object or the reason it is unusable.
 */
export function decodeObject(field: string, json: string, namespaced: boolean): KubeObject | string {
  let obj: unknown;
  try {
    obj = JSON.parse(json);
  } catch {
    return `value of ${field} is not JSON`;
  }
  const meta = (obj as { metadata?: { name?: unknown; namespace?: unknown; resourceVersion?: unknown } } | null)?.metadata;
  if (typeof meta?.name !== 'string' || typeof meta.resourceVersion !== 'string') return `value of ${field} is not an object with name and resourceVersion`;
  const ns = namespaced && typeof meta.namespace === 'string' ? meta.namespace : '';
  if (objectField(ns, meta.name) !== field) return `value of ${field} names another object`;
  return obj as KubeObject;
}

// ------------------------------------------------------------------ stream

export type OpType = 'A' | 'M' | 'D';

/** One change in a stream entry; its object is the line of the same index. */
export type StreamOp = [type: OpType, kindKey: string, field: string];

/** First line of a stream entry. */
export interface EntryHeader {
  epoch: string;
  seq: number;
  at: number;
  by: string;
  /** KindMeta of every kind this batch touched; `null` = the kind left the snapshot. */
  kinds: Record<string, KindMeta | null>;
  /** Kinds rewritten in full by this batch: a follower reloads them from the snapshot (their ops here are redundant). */
  reset: string[];
  report?: SyncReport;
  ops: StreamOp[];
}

export interface StreamEntry {
  header: EntryHeader;
  /** JSON of each op's object (the new state; for D the last known state). */
  objects: string[];
}

/** Entries larger than this are stored deflated (one zlib call per batch: cheap, and Redis keeps ~4x less). */
const COMPRESS_ENTRY_FROM = 4096;
const COMPRESSED_PREFIX = 'z:';

/**
 * Encodes an entry as one string: the header JSON, then one line per op
 * with the object's JSON (JSON.stringify never emits a raw newline, so
 * lines split exactly; no re-escaping of the objects' JSON). A large entry
 * is raw-deflated and base64-encoded behind the prefix "z:" (replies are
 * read as text, so the bytes must be text too).
 */
export function encodeEntry(header: EntryHeader, objects: readonly string[]): string {
  const text = objects.length === 0 ? JSON.stringify(header) : `${JSON.stringify(header)}\n${objects.join('\n')}`;
  if (text.length < COMPRESS_ENTRY_FROM) return text;
  return COMPRESSED_PREFIX + deflateRawSync(Buffer.from(text, 'utf8'), { level: 1 }).toString('base64');
}

/** Decodes an entry; a string with the reason when it is unusable. */
export function decodeEntry(value: string): StreamEntry | string {
  if (value.startsWith(COMPRESSED_PREFIX)) {
    try {
      value = inflateRawSync(Buffer.from(value.slice(COMPRESSED_PREFIX.length), 'base64')).toString('utf8');
    } catch {
      return 'compressed entry does not inflate';
    }
  }
  const lines = value.split('\n');
  let header: EntryHeader;
  try {
    header = JSON.parse(lines[0]) as EntryHeader;
  } catch {
    return 'entry header is not JSON';
  }
  if (typeof header !== 'object' || header === null || typeof header.seq !== 'number' || typeof header.epoch !== 'string' || !Array.isArray(header.ops) || !Array.isArray(header.reset) || typeof header.kinds !== 'object' || header.kinds === null) {
    return 'entry header is malformed';
  }
  const objects = lines.slice(1);
  if (objects.length !== header.ops.length) return `entry has ${objects.length} objects for ${header.ops.length} changes`;
  return { header, objects };
}

/** Stream entry id of batch `seq`. */
export function entryId(seq: number): string {
  return `${seq}-0`;
}

/** Batch number of a stream entry id; NaN when the id was not written by kubeatlas. */
export function seqOfEntryId(id: string): number {
  const dash = id.indexOf('-');
  return dash > 0 && id.slice(dash + 1) === '0' ? Number(id.slice(0, dash)) : Number.NaN;
}

function parseJson(text: string, schema: z.ZodType): unknown {
  try {
    const r = schema.safeParse(JSON.parse(text));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

import { randomBytes } from 'node:crypto';

/**
 * Resume cursors of the event bus.
 *
 * A cursor names one position in the bus's change sequence: "every change up
 * to and including this one". Clients treat it as opaque; the format is
 * `<epoch>.<seq>`:
 *   - `epoch`: the incarnation id of the sequence (random per bus by default,
 *     8 chars of base64url). A cursor from another process run, or another
 *     replica, carries a different epoch and is rejected as unknown instead of
 *     being misread as a position in this sequence.
 *   - `seq`: the change's sequence number (1, 2, 3, ...) in base 36, zero-padded
 *     to 11 digits (Number.MAX_SAFE_INTEGER fits), so that within one epoch
 *     cursors sort the same as strings and as numbers.
 *
 * Making cursors globally meaningful across replicas (Redis fan-out): the
 * sequence must come from one shared, ordered log instead of a per-process
 * counter. With a Redis Stream, XADD assigns every change an id `<ms>-<n>`
 * that is strictly increasing for all publishers; the epoch becomes the
 * stream's incarnation (a random id stored next to the stream when it is
 * created, renewed if the stream is ever lost), and `seq` becomes the stream
 * id. Every replica ingests the same stream in the same order, so a cursor
 * issued by one replica resumes on any other. The codec is the only place
 * that would change (a `v2` shape `<epoch>.<ms>-<n>`, told apart by its
 * syntax); the bus compares positions only through `seq` numbers it assigns
 * on ingest, so the replica version would map stream ids to local seqs.
 */
export interface CursorPosition {
  readonly epoch: string;
  readonly seq: number;
}

const SEQ_WIDTH = 11;
const EPOCH_RE = /^[A-Za-z0-9_-]{1,32}$/;
const SEQ_RE = /^[0-9a-z]{11}$/;
/** Longer inputs are rejected before any parsing. */
const MAX_CURSOR_LENGTH = 64;

/** A fresh random incarnation id. */
export function newEpoch(): string {
  return randomBytes(6).toString('base64url');
}

export function isValidEpoch(epoch: string): boolean {
  return EPOCH_RE.test(epoch);
}

export function encodeCursor(epoch: string, seq: number): string {
  return `${epoch}.${seq.toString(36).padStart(SEQ_WIDTH, '0')}`;
}

/** Parses a cursor; undefined when it is not one this codec produced. */
export function decodeCursor(cursor: string): CursorPosition | undefined {
  if (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_LENGTH) return undefined;
  const dot = cursor.indexOf('.');
  if (dot < 0) return undefined;
  const epoch = cursor.slice(0, dot);
  const digits = cursor.slice(dot + 1);
  if (!EPOCH_RE.test(epoch) || !SEQ_RE.test(digits)) return undefined;
  const seq = parseInt(digits, 36);
  if (!Number.isSafeInteger(seq)) return undefined;
  return { epoch, seq };
}

/** A per-epoch encoder that reuses the prefix string. */
export class CursorCodec {
  private readonly prefix: string;

  constructor(readonly epoch: string) {
    if (!isValidEpoch(epoch)) throw new RangeError('epoch must be 1-32 characters of [A-Za-z0-9_-]');
    this.prefix = `${epoch}.`;
  }

  encode(seq: number): string {
    return this.prefix + seq.toString(36).padStart(SEQ_WIDTH, '0');
  }
}

import { KubeatlasError } from '../util/errors.js';

/**
 * Frames a watch body into lines. HTTP chunk boundaries mean nothing: one
 * event can span several chunks and one chunk can hold many events (seen on
 * a real v1.28 server), so bytes are buffered until a newline.
 *
 * Hand-written instead of `node:readline` because a watch line must have a
 * byte limit (a runaway or hostile stream without newlines would otherwise
 * grow without bound) and readline has none; it also works on Buffers
 * without decoding partial UTF-8 sequences.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private pendingBytes = 0;

  /** @param maxLineBytes a line longer than this throws WatchLineTooLargeError. */
  constructor(private readonly maxLineBytes: number) {}

  /** Bytes received that do not yet form a complete line. */
  get pending(): number {
    return this.pendingBytes;
  }

  /**
   * Feeds one chunk; returns the complete lines it finished (without the
   * newline, empty lines dropped). Throws WatchLineTooLargeError as soon as
   * the current line exceeds the limit.
   */
  push(chunk: Buffer): Buffer[] {
    const lines: Buffer[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) break;
      const piece = chunk.subarray(start, nl);
      this.check(this.pendingBytes + piece.length);
      const line = this.parts.length === 0 ? piece : Buffer.concat([...this.parts, piece], this.pendingBytes + piece.length);
      this.parts = [];
      this.pendingBytes = 0;
      if (!isBlank(line)) lines.push(line);
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.check(this.pendingBytes + rest.length);
      this.parts.push(rest);
      this.pendingBytes += rest.length;
    }
    return lines;
  }

  /** The unterminated tail at the end of the stream (undefined when the stream ended on a newline). */
  end(): Buffer | undefined {
    const tail = this.parts.length === 0 ? undefined : Buffer.concat(this.parts, this.pendingBytes);
    this.parts = [];
    this.pendingBytes = 0;
    return tail && !isBlank(tail) ? tail : undefined;
  }

  private check(bytes: number): void {
    if (bytes > this.maxLineBytes) {
      this.parts = [];
      this.pendingBytes = 0;
      throw new WatchLineTooLargeError(this.maxLineBytes);
    }
  }
}

/** A watch line (one event) larger than the configured limit. */
export class WatchLineTooLargeError extends KubeatlasError {
  constructor(readonly maxLineBytes: number) {
    super('UPSTREAM_ERROR', `watch event larger than ${maxLineBytes} bytes`, { maxLineBytes });
    this.name = 'WatchLineTooLargeError';
  }
}

function isBlank(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

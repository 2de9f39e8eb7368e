import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LineSplitter, WatchLineTooLargeError } from '../../src/watch/lineSplitter.js';
import { decodeWatchLine, WatchDecodeError } from '../../src/watch/watchDecoder.js';

const fixture = (name: string) => new URL(`../fixtures/real-apiserver/watch/${name}`, import.meta.url);

/** The chunk sizes the real server used, from a .times capture (0 = terminating chunk). */
function chunkSizes(name: string): number[] {
  return readFileSync(fixture(name), 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => Number(l.split('\t')[2]))
    .filter((n) => n > 0);
}

function replayChunks(body: Buffer, sizes: number[], maxLine = 4 * 1024 * 1024) {
  const splitter = new LineSplitter(maxLine);
  const events = [];
  let off = 0;
  for (const size of sizes) {
    for (const line of splitter.push(body.subarray(off, off + size))) events.push(decodeWatchLine(line));
    off += size;
  }
  return { events, consumed: off, tail: splitter.end() };
}

describe('watch framing on real kube-apiserver v1.28.7 captures', () => {
  it('frames the WatchList burst whose chunks cut an event in two (nginx-run spans two chunks)', () => {
    const body = readFileSync(fixture('watchlist-pods-demo.jsonl'));
    const sizes = chunkSizes('watchlist-pods-demo.times');
    const { events, consumed, tail } = replayChunks(body, sizes);
    expect(consumed).toBe(body.length);
    expect(tail).toBeUndefined();
    const expected = body.toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; object: { metadata: { name?: string; resourceVersion: string } } });
    expect(events.map((e) => e.type)).toEqual(expected.map((e) => e.type));
    expect(events.map((e) => (e.type !== 'ERROR' ? e.resourceVersion : 'error'))).toEqual(expected.map((e) => e.object.metadata.resourceVersion));
    const names = events.flatMap((e) => (e.type === 'ADDED' ? [e.object.metadata.name] : []));
    expect(names).toContain('nginx-run');
    expect(names).toContain('node-exporter-8bl2m');
    const end = events.find((e) => e.type === 'BOOKMARK');
    expect(end && end.type === 'BOOKMARK' ? end.object.metadata.annotations?.['k8s.io/initial-events-end'] : undefined).toBe('true');
  });

  it('frames the same stream delivered one byte at a time and all at once', () => {
    const body = readFileSync(fixture('pods-demo-main.jsonl'));
    const lines = body.toString('utf8').trim().split('\n').length;
    expect(replayChunks(body, new Array(body.length).fill(1)).events).toHaveLength(lines);
    expect(replayChunks(body, [body.length]).events).toHaveLength(lines);
  });

  it('decodes the 410 ERROR event and the WatchList 504 ERROR event as Statuses', () => {
    const gone = decodeWatchLine(readFileSync(fixture('pods-all-from-compacted-rv-after-cache-eviction.jsonl')).toString().trim());
    expect(gone.type === 'ERROR' && gone.status.code).toBe(410);
    const tooLarge = decodeWatchLine(readFileSync(fixture('watchlist-pods-all-explicit-rv-ahead-of-cache.jsonl')).toString().trim());
    expect(tooLarge.type === 'ERROR' && tooLarge.status.code).toBe(504);
    expect(tooLarge.type === 'ERROR' && tooLarge.status.details?.retryAfterSeconds).toBe(1);
  });

  it('keeps an unterminated tail for the caller to treat as a truncated event', () => {
    const s = new LineSplitter(1000);
    expect(s.push(Buffer.from('{"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"5"}}}\n{"type":"MOD'))).toHaveLength(1);
    expect(s.end()?.toString()).toBe('{"type":"MOD');
  });

  it('throws as soon as one line exceeds the byte limit, before the newline arrives', () => {
    const s = new LineSplitter(100);
    expect(s.push(Buffer.alloc(60, 0x61))).toEqual([]);
    expect(() => s.push(Buffer.alloc(60, 0x61))).toThrow(WatchLineTooLargeError);
  });

  it('rejects garbage, truncated and shapeless lines with WatchDecodeError without quoting them', () => {
    for (const bad of ['garbage{{', '{"type":"ADDED","object":{"metadata":{"name":"x","resourceVer', '{"type":"SOMETHING","object":{}}', '{"type":"ADDED","object":{"metadata":{"name":"x"}}}', '[1,2]', '{"type":"ERROR","object":{"kind":"Pod"}}']) {
      let err: unknown;
      try {
        decodeWatchLine(bad);
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(WatchDecodeError);
      expect((err as Error).message).not.toContain('resourceVer"');
    }
  });
});

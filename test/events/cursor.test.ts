import { describe, expect, it } from 'vitest';
import { CursorCodec, decodeCursor, encodeCursor, newEpoch } from '../../src/events/cursor.js';
import { BoundedQueue } from '../../src/events/boundedQueue.js';

describe('cursor codec', () => {
  it('round-trips and sorts like its sequence numbers within an epoch', () => {
    const codec = new CursorCodec('abc_DEF-1');
    const seqs = [0, 1, 35, 36, 1295, 1296, 10_000_000, Number.MAX_SAFE_INTEGER];
    const cursors = seqs.map((s) => codec.encode(s));
    expect(cursors.map((c) => decodeCursor(c))).toEqual(seqs.map((seq) => ({ epoch: 'abc_DEF-1', seq })));
    expect([...cursors].sort()).toEqual(cursors);
    expect(encodeCursor('abc_DEF-1', 42)).toBe(codec.encode(42));
  });

  it('gives each incarnation a different epoch', () => {
    const epochs = new Set(Array.from({ length: 100 }, newEpoch));
    expect(epochs.size).toBe(100);
    for (const e of epochs) expect(e).toMatch(/^[A-Za-z0-9_-]{8}$/);
  });

  it('refuses anything it did not produce', () => {
    for (const bad of ['', '.', 'abc', 'abc.', '.00000000001', 'a b.00000000001', 'abc.0000000001', 'abc.000000000001', 'abc.0000000000Z', `abc.${'z'.repeat(11)}`, `${'a'.repeat(40)}.00000000001`]) {
      expect(decodeCursor(bad)).toBeUndefined();
    }
    expect(() => new CursorCodec('has.dot')).toThrow(RangeError);
  });
});

describe('BoundedQueue', () => {
  it('is FIFO, refuses beyond capacity, and indexes from the oldest across wrap-around', () => {
    const q = new BoundedQueue<number>(40);
    for (let i = 0; i < 40; i++) expect(q.push(i)).toBe(true);
    expect(q.push(40)).toBe(false);
    for (let i = 0; i < 25; i++) expect(q.shift()).toBe(i);
    for (let i = 40; i < 65; i++) q.push(i);
    expect(q.length).toBe(40);
    expect(q.at(0)).toBe(25);
    expect(q.at(39)).toBe(64);
    expect(q.at(40)).toBeUndefined();
    expect(q.peek()).toBe(25);
    q.clear();
    expect(q.length).toBe(0);
    expect(q.shift()).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { Backoff } from '../../src/watch/backoff.js';
import { createListGate } from '../../src/watch/listGate.js';

describe('Backoff (client-go reflector semantics)', () => {
  it('doubles from 800 ms to a 30 s cap, with jitter adding up to 100 % of the base', () => {
    let now = 0;
    const noJitter = new Backoff({ random: () => 0, now: () => now });
    const seq = Array.from({ length: 8 }, () => noJitter.next());
    expect(seq).toEqual([800, 1600, 3200, 6400, 12_800, 25_600, 30_000, 30_000]);
    const fullJitter = new Backoff({ random: () => 0.999, now: () => now });
    expect(fullJitter.next()).toBe(1599);
    expect(fullJitter.next()).toBe(3198);
  });

  it('starts over after two quiet minutes, not before', () => {
    let now = 0;
    const b = new Backoff({ random: () => 0, now: () => now });
    b.next();
    b.next();
    now += 119_000;
    expect(b.next()).toBe(3200);
    now += 120_001;
    expect(b.next()).toBe(800);
  });
});

describe('createListGate', () => {
  it('admits at most N at once, in FIFO order, and an aborted waiter leaves the queue', async () => {
    const gate = createListGate(2);
    const r1 = await gate.acquire();
    const r2 = await gate.acquire();
    const order: string[] = [];
    const ctl = new AbortController();
    const w3 = gate.acquire().then((r) => (order.push('3'), r));
    const w4 = gate.acquire(ctl.signal).then(
      (r) => (order.push('4'), r),
      () => (order.push('4 aborted'), undefined),
    );
    const w5 = gate.acquire().then((r) => (order.push('5'), r));
    ctl.abort();
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['4 aborted']);
    r1();
    r1(); // a second release of the same slot changes nothing
    const r3 = await w3;
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['4 aborted', '3']);
    r2();
    const r5 = await w5;
    expect(order).toEqual(['4 aborted', '3', '5']);
    await w4;
    r3();
    r5();
    const again = await Promise.race([gate.acquire(), new Promise((r) => setTimeout(() => r('blocked'), 50))]);
    expect(typeof again).toBe('function');
  });
});

import { setImmediate as tick } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/events/eventBus.js';
import type { BusEvent, Subscription } from '../../src/events/types.js';
import { KubeatlasError } from '../../src/util/errors.js';
import { POD, createCatalog, filterOf, pod, type TestCatalog } from './support/catalog.js';
import { heapUsedAfterGc } from './support/heap.js';
import { take } from './support/iterate.js';

/** MODIFIED churn over 500 pods (each with ~800 B of incompressible annotation), in bursts with a turn of the event loop between. */
async function churn(catalog: TestCatalog, changes: number, startAt: number): Promise<void> {
  for (let n = startAt; n < startAt + changes; n++) {
    const name = `p${n % 500}`;
    catalog.apply('c1', POD, n < 500 ? 'ADDED' : 'MODIFIED', pod(name, { labels: { app: 'web', gen: String(n) }, padding: 800 }));
    if (n % 500 === 499) await tick();
  }
}

describe('EventBus backpressure', () => {
  const buses: EventBus[] = [];
  afterEach(() => buses.splice(0).forEach((b) => b.close()));

  it('cuts off a stalled and a slow subscriber with LIMIT_EXCEEDED while 200 others receive everything, with bounded memory', async () => {
    const catalog = createCatalog();
    const bus = new EventBus(catalog.store, { queueSize: 1000 });
    buses.push(bus);

    const counts = new Array<number>(200).fill(0);
    const lastCursor = new Array<string>(200).fill('');
    const consumers = Array.from({ length: 200 }, async (_, i) => {
      // a mix of filters, all of which match every change
      const filter = [filterOf(), filterOf({ clusters: ['c1'] }), filterOf({ kinds: ['Pod'] }), filterOf({ labelSelector: 'app=web' })][i % 4];
      const sub = bus.subscribe(filter);
      for await (const e of sub) {
        counts[i]++;
        lastCursor[i] = e.cursor;
        if (e.record.name === 'stop') return;
      }
    });

    const stalled = bus.subscribe(filterOf()); // never reads until the end
    const slowGot: BusEvent[] = [];
    const slow = bus.subscribe(filterOf());
    const slowReader = (async () => {
      try {
        for (;;) {
          const r = await slow.next();
          if (r.done) return 'done';
          slowGot.push(r.value);
          await tick(); // one event per turn: far slower than 500 per turn
        }
      } catch (e) {
        return e;
      }
    })();

    await churn(catalog, 12_000, 0); // warm-up: history (10 000) full, queues of the cut-off subscribers full
    const heapAfterFirst = await heapUsedAfterGc();
    await churn(catalog, 12_000, 12_000);
    const heapAfterSecond = await heapUsedAfterGc();
    catalog.apply('c1', POD, 'ADDED', pod('stop', { labels: { app: 'web' } }));
    await Promise.all(consumers);

    // every fast subscriber got every change, in order, up to the last one
    expect(new Set(counts)).toEqual(new Set([24_001]));
    expect(new Set(lastCursor)).toEqual(new Set([bus.headCursor]));

    // the stalled one holds exactly its queue, is detached, and learns why after draining it
    expect(stalled.queued).toBe(1000);
    const drained = await take(stalled, 1000);
    expect(drained[0].record.labels.gen).toBe('0');
    expect(drained[999].record.labels.gen).toBe('999');
    const err = await stalled.next().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KubeatlasError);
    expect(err).toMatchObject({ code: 'LIMIT_EXCEEDED', details: { lastCursor: drained[999].cursor, queueSize: 1000 } });
    expect((err as Error).message).toMatch(/too slow.*resubscribe with `since`/);
    expect(await stalled.next()).toEqual({ done: true, value: undefined });

    // the slow reader too, and its error names the cursor of the last event it received
    const slowEnd = await slowReader;
    expect(slowEnd).toMatchObject({ code: 'LIMIT_EXCEEDED', details: { lastCursor: slowGot.at(-1)?.cursor } });
    expect(slowGot.length).toBeGreaterThan(1000);
    expect(slowGot.length).toBeLessThan(1100);

    // 12 000 more changes (~15 MB of records and events, had anything kept them) did not grow the heap:
    // the history (10 000 events) and the cut-off subscribers' queues are bounded
    const growthMb = (heapAfterSecond - heapAfterFirst) / 1024 / 1024;
    console.log(`heap after 12k changes ${(heapAfterFirst / 1048576).toFixed(1)} MB, after 24k ${(heapAfterSecond / 1048576).toFixed(1)} MB (growth ${growthMb.toFixed(1)} MB)`);
    expect(growthMb).toBeLessThan(4);
    expect(bus.stats().subscriptions).toBe(0);
  }, 90_000);

  it('limits the total number of subscriptions', () => {
    const catalog = createCatalog();
    const bus = new EventBus(catalog.store, { maxSubscriptions: 3 });
    buses.push(bus);
    const subs: Subscription<BusEvent>[] = [bus.subscribe(filterOf()), bus.subscribe(filterOf()), bus.subscribe(filterOf({ kinds: ['Pod'] }))];
    expect(() => bus.subscribe(filterOf())).toThrow(expect.objectContaining({ code: 'LIMIT_EXCEEDED', details: { limit: 3 } }));
    subs[1].close();
    subs.push(bus.subscribe(filterOf()));
    expect(bus.stats().subscriptions).toBe(3);
  });

  it('rejects a queue size outside 1..maxQueueSize', () => {
    const catalog = createCatalog();
    const bus = new EventBus(catalog.store, { maxQueueSize: 500, queueSize: 100 });
    buses.push(bus);
    for (const queueSize of [0, -1, 1.5, 501]) {
      expect(() => bus.subscribe(filterOf(), { queueSize })).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT', details: { field: 'queueSize', max: 500 } }));
    }
    bus.subscribe(filterOf(), { queueSize: 500 }).close();
  });
});

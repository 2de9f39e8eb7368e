import { afterEach, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/events/cursor.js';
import { EventBus } from '../../src/events/eventBus.js';
import { metricsRegistry } from '../../src/util/metrics.js';
import { POD, createCatalog, filterOf, pod } from './support/catalog.js';
import { take } from './support/iterate.js';

async function metricValue(name: string): Promise<number> {
  const m = (await metricsRegistry.getMetricsAsJSON()).find((x) => x.name === name);
  return (m?.values[0]?.value as number | undefined) ?? NaN;
}

describe('EventBus history bounds', () => {
  const buses: EventBus[] = [];
  afterEach(() => buses.splice(0).forEach((b) => b.close()));

  it('keeps at most historySize events; the oldest resumable cursor moves with it', async () => {
    const catalog = createCatalog();
    const bus = new EventBus(catalog.store, { historySize: 100 });
    buses.push(bus);
    for (let i = 0; i < 1000; i++) catalog.apply('c1', POD, 'ADDED', pod(`p${i}`));
    const stats = bus.stats();
    expect(stats.historySize).toBe(100);
    expect(stats.headCursor).toBe(encodeCursor(bus.epoch, 1000));
    expect(stats.oldestResumableCursor).toBe(encodeCursor(bus.epoch, 900));
    const sub = bus.subscribe(filterOf(), { since: stats.oldestResumableCursor });
    const replayed = await take(sub, 100);
    expect(replayed[0].record.name).toBe('p900');
    expect(replayed[99].record.name).toBe('p999');
    expect(() => bus.subscribe(filterOf(), { since: encodeCursor(bus.epoch, 899) })).toThrow(expect.objectContaining({ code: 'RESYNC_REQUIRED' }));
  });

  it('drops events older than historyMaxAgeMs, also while no change arrives', async () => {
    let now = 1_000_000;
    const catalog = createCatalog();
    const bus = new EventBus(catalog.store, { historyMaxAgeMs: 60_000, now: () => now });
    buses.push(bus);
    const start = bus.headCursor;
    for (let i = 0; i < 10; i++) {
      catalog.apply('c1', POD, 'ADDED', pod(`early${i}`));
      now += 1000;
    }
    const middle = bus.headCursor;
    now += 45_000; // early0 is 55 s old, early9 46 s
    for (let i = 0; i < 5; i++) catalog.apply('c1', POD, 'ADDED', pod(`late${i}`));
    expect(bus.stats().historySize).toBe(15);
    bus.subscribe(filterOf(), { since: start }).close();

    now += 9_500; // early0..early4 are 64.5..60.5 s old; early5 is 59.5 s old
    expect(bus.stats().historySize).toBe(10);
    expect(() => bus.subscribe(filterOf(), { since: start })).toThrow(expect.objectContaining({ code: 'RESYNC_REQUIRED', details: { reason: 'expired' } }));
    const sub = bus.subscribe(filterOf(), { since: encodeCursor(bus.epoch, 5) });
    expect((await take(sub, 10)).map((e) => e.record.name)).toEqual([...[5, 6, 7, 8, 9].map((i) => `early${i}`), ...[0, 1, 2, 3, 4].map((i) => `late${i}`)]);

    now += 60_000; // everything is old: only "now" is resumable
    expect(bus.stats().historySize).toBe(0);
    expect(() => bus.subscribe(filterOf(), { since: middle })).toThrow(expect.objectContaining({ code: 'RESYNC_REQUIRED' }));
    bus.subscribe(filterOf(), { since: bus.headCursor }).close();
  });

  it('bounds the bytes of records the history keeps alive', () => {
    const catalog = createCatalog();
    const bus = new EventBus(catalog.store, { historyMaxBytes: 1_000_000 });
    buses.push(bus);
    for (let i = 0; i < 200; i++) catalog.apply('c1', POD, 'ADDED', pod(`big${i}`, { padding: 20_000 }));
    const stats = bus.stats();
    // each pod keeps ~15 KB packed alive: the oldest events went, the newest stayed, right under the bound
    expect(stats.historyBytes).toBeLessThanOrEqual(1_000_000);
    expect(stats.historyBytes).toBeGreaterThan(950_000);
    expect(stats.historySize).toBeGreaterThan(30);
    expect(stats.historySize).toBeLessThan(100);
    expect(stats.oldestResumableCursor).toBe(encodeCursor(bus.epoch, 200 - stats.historySize));
  });

  it('reports history size and subscribers through the Prometheus registry', async () => {
    const catalog = createCatalog();
    const before = await metricValue('kubeatlas_event_history_size');
    const bus = new EventBus(catalog.store, { historySize: 30 });
    buses.push(bus);
    for (let i = 0; i < 50; i++) catalog.apply('c1', POD, 'ADDED', pod(`m${i}`));
    expect(await metricValue('kubeatlas_event_history_size')).toBe(before + 30);
    const subs = [bus.subscribe(filterOf()), bus.subscribe(filterOf())];
    const text = await metricsRegistry.metrics();
    expect(text).toMatch(/kubeatlas_event_subscribers\{stream="resource"\} 2\b/);
    subs.forEach((s) => s.close());
    bus.close();
    expect(await metricValue('kubeatlas_event_history_size')).toBe(before);
    expect(await metricsRegistry.metrics()).toMatch(/kubeatlas_event_subscribers\{stream="resource"\} 0\b/);
  });
});

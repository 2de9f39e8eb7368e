import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/events/eventBus.js';
import { tallies } from '../../src/events/metrics.js';
import { SubscriptionQuota } from '../../src/events/subscriptionQuota.js';
import { matchesFilter } from '../../src/store/filter.js';
import { KubeatlasError } from '../../src/util/errors.js';
import { CONFIGMAP, DEPLOYMENT, POD, configMap, createCatalog, filterOf, pod } from './support/catalog.js';
import { heapUsedAfterGc } from './support/heap.js';
import { nextWithin, take } from './support/iterate.js';

describe('EventBus subscription lifecycle', () => {
  const buses: EventBus[] = [];
  const setup = (options: ConstructorParameters<typeof EventBus>[1] = {}) => {
    const catalog = createCatalog();
    const bus = new EventBus(catalog.store, options);
    buses.push(bus);
    return { catalog, bus };
  };
  afterEach(() => buses.splice(0).forEach((b) => b.close()));

  it('return() from for-await releases the listener, the queue and the abort listener at once', async () => {
    const { catalog, bus } = setup();
    const ac = new AbortController();
    let closedCalls = 0;
    const sub = bus.subscribe(filterOf({ clusters: ['c1'], kinds: ['Pod'] }), { signal: ac.signal, onClose: () => closedCalls++ });
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(1);
    expect(bus.stats()).toMatchObject({ subscriptions: 1, live: 1 });
    for (let i = 0; i < 5; i++) catalog.apply('c1', POD, 'ADDED', pod(`p${i}`));
    for await (const e of sub) {
      expect(e.record.name).toBe('p0');
      break; // the client goes away with 4 events still queued
    }
    expect(sub.closed).toBe(true);
    expect(sub.queued).toBe(0);
    expect(closedCalls).toBe(1);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    expect(bus.stats()).toMatchObject({ subscriptions: 0, live: 0 });
    expect(bus.indexBuckets).toBe(0);
    expect(await sub.next()).toEqual({ done: true, value: undefined });
    sub.close();
    expect(closedCalls).toBe(1);
  });

  it('close() resolves a pending next() as done; close(reason) rejects it once', async () => {
    const { bus } = setup();
    const a = bus.subscribe(filterOf());
    const pendingA = a.next();
    a.close();
    expect(await pendingA).toEqual({ done: true, value: undefined });

    const b = bus.subscribe(filterOf());
    const pendingB = b.next();
    const reason = new KubeatlasError('CLUSTER_UNAVAILABLE', 'going away');
    b.close(reason);
    await expect(pendingB).rejects.toBe(reason);
    expect(await b.next()).toEqual({ done: true, value: undefined });

    const c = bus.subscribe(filterOf());
    c.close(reason); // no pending next(): the next one rejects
    await expect(c.next()).rejects.toBe(reason);
    expect(await c.next()).toEqual({ done: true, value: undefined });
    expect(bus.stats().subscriptions).toBe(0);
  });

  it('aborting the signal ends the stream (done), before or after subscribing', async () => {
    const { catalog, bus } = setup();
    const ac = new AbortController();
    const sub = bus.subscribe(filterOf(), { signal: ac.signal });
    catalog.apply('c1', POD, 'ADDED', pod('a'));
    expect((await take(sub, 1))[0].record.name).toBe('a');
    const pending = sub.next();
    ac.abort();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(bus.stats().subscriptions).toBe(0);

    let closed = false;
    const late = bus.subscribe(filterOf(), { signal: ac.signal, onClose: () => (closed = true) });
    expect(late.closed).toBe(true);
    expect(closed).toBe(true);
    expect(await late.next()).toEqual({ done: true, value: undefined });
    expect(bus.stats().subscriptions).toBe(0);
  });

  it('leaves nothing behind after 10 000 subscribe/close cycles', async () => {
    const { catalog, bus } = setup();
    const baseline = tallies.resource.subscribers;
    const filters = [filterOf(), filterOf({ clusters: ['c1', 'c2'] }), filterOf({ kinds: ['Pod', 'deployments.apps'], clusters: ['c3'] }), filterOf({ namespaces: ['payments'], labelSelector: 'app=web' })];
    const ac = new AbortController();
    const cycle = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const since = i % 3 === 0 ? bus.headCursor : undefined;
        const sub = bus.subscribe(filters[i % filters.length], { signal: ac.signal, ...(since ? { since } : {}) });
        if (i % 10 === 0) catalog.apply('c1', POD, 'ADDED', pod(`p${i}`)); // some have something queued
        if (i % 2 === 0) sub.close();
        else await sub.return();
      }
    };
    await cycle(1000); // warm-up
    const heapBefore = await heapUsedAfterGc();
    await cycle(10_000);
    const heapAfter = await heapUsedAfterGc();
    expect(bus.stats()).toMatchObject({ subscriptions: 0, live: 0 });
    expect(bus.indexBuckets).toBe(0);
    expect(tallies.resource.subscribers).toBe(baseline);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    // 1 000 new pods were added to the catalog meanwhile (history of ~1 KB each); subscriptions add nothing
    expect((heapAfter - heapBefore) / 1048576).toBeLessThan(3);
  });

  it('bus.close() ends every stream and stops listening to the source', async () => {
    const { catalog, bus } = setup();
    const live = bus.subscribe(filterOf());
    catalog.apply('c1', POD, 'ADDED', pod('a'));
    const since = bus.headCursor;
    catalog.apply('c1', POD, 'ADDED', pod('b'));
    const replaying = bus.subscribe(filterOf(), { since });
    const pending = bus.subscribe(filterOf()).next();
    bus.close();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(await live.next()).toEqual({ done: true, value: undefined });
    expect(await replaying.next()).toEqual({ done: true, value: undefined });
    const head = bus.headCursor;
    catalog.apply('c1', POD, 'ADDED', pod('c'));
    expect(bus.headCursor).toBe(head);
    expect(() => bus.subscribe(filterOf())).toThrow(KubeatlasError);
    expect(bus.stats()).toMatchObject({ subscriptions: 0, historySize: 0 });
  });

  it('a subscriber whose filtering throws is ended with INTERNAL; the others and the store are unaffected', async () => {
    const poisoned = filterOf({ name: 'poison' });
    const { catalog, bus } = setup({
      matches: (f, r) => {
        if (f === poisoned) throw new Error('boom');
        return matchesFilter(f, r);
      },
    });
    const bad = bus.subscribe(poisoned);
    const good = bus.subscribe(filterOf());
    expect(() => catalog.apply('c1', CONFIGMAP, 'ADDED', configMap('x'))).not.toThrow();
    await expect(bad.next()).rejects.toMatchObject({ code: 'INTERNAL' });
    expect((await take(good, 1))[0].record.name).toBe('x');
    expect(await nextWithin(good, 20)).toBe('pending');
  });
});

describe('SubscriptionQuota', () => {
  it('counts per key, refuses beyond the limit, and releases once per lease', () => {
    const quota = new SubscriptionQuota(2);
    const a1 = quota.acquire('conn-a');
    const a2 = quota.acquire('conn-a');
    quota.acquire('conn-b');
    expect(() => quota.acquire('conn-a')).toThrow(expect.objectContaining({ code: 'LIMIT_EXCEEDED', details: { limit: 2 } }));
    a1();
    a1(); // a second release of the same lease changes nothing
    expect(quota.count('conn-a')).toBe(1);
    quota.acquire('conn-a');
    expect(() => quota.acquire('conn-a')).toThrow(KubeatlasError);
    a2();
    expect(quota.count('conn-a')).toBe(1);
    expect(quota.keys).toBe(2);
  });

  it('ties a slot to a subscription through onClose', async () => {
    const catalog = createCatalog();
    const bus = new EventBus(catalog.store);
    const quota = new SubscriptionQuota(1);
    const open = () => {
      const release = quota.acquire('conn');
      try {
        return bus.subscribe(filterOf(), { onClose: release });
      } catch (e) {
        release();
        throw e;
      }
    };
    const sub = open();
    expect(() => open()).toThrow(expect.objectContaining({ code: 'LIMIT_EXCEEDED' }));
    await sub.return();
    expect(quota.count('conn')).toBe(0);
    open().close();
    expect(quota.count('conn')).toBe(0);
    bus.close();
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/events/eventBus.js';
import type { BusEvent } from '../../src/events/types.js';
import { CONFIGMAP, POD, configMap, createCatalog, filterOf, pod } from './support/catalog.js';
import { nextWithin, take } from './support/iterate.js';

const summary = (e: BusEvent) => `${e.type} ${e.clusterId}/${e.record.namespace}/${e.record.name} rv=${e.record.resourceVersion}`;

describe('EventBus filter semantics (Kubernetes watch with a selector)', () => {
  const buses: EventBus[] = [];
  const setup = () => {
    const catalog = createCatalog();
    const bus = new EventBus(catalog.store);
    buses.push(bus);
    return { catalog, bus };
  };
  afterEach(() => buses.splice(0).forEach((b) => b.close()));

  it('turns label changes into ADDED / MODIFIED / DELETED as the object enters, stays in, and leaves the selector', async () => {
    const { catalog, bus } = setup();
    const sub = bus.subscribe(filterOf({ labelSelector: 'app=web' }));
    const v1 = pod('p1', { labels: { app: 'api' } });
    const v2 = pod('p1', { labels: { app: 'web' } });
    const v3 = pod('p1', { labels: { app: 'web', tier: 'fe' } });
    const v4 = pod('p1', { labels: { app: 'api' } });
    const v5 = pod('p1', { labels: { app: 'batch' } });
    const v6 = pod('p1', { labels: { app: 'web' } });
    for (const [type, obj] of [['ADDED', v1], ['MODIFIED', v2], ['MODIFIED', v3], ['MODIFIED', v4], ['MODIFIED', v5], ['MODIFIED', v6], ['DELETED', v6]] as const) {
      catalog.apply('c1', POD, type, obj);
    }
    const got = await take(sub, 5);
    expect(got.map(summary)).toEqual([
      `ADDED c1/default/p1 rv=${v2.metadata.resourceVersion}`, // started matching
      `MODIFIED c1/default/p1 rv=${v3.metadata.resourceVersion}`, // matched before and after
      `DELETED c1/default/p1 rv=${v3.metadata.resourceVersion}`, // stopped matching: the last state that matched
      `ADDED c1/default/p1 rv=${v6.metadata.resourceVersion}`, // v4 -> v5 matched neither: nothing
      `DELETED c1/default/p1 rv=${v6.metadata.resourceVersion}`, // deleted while matching
    ]);
    // the DELETED for "stopped matching" tells the new state apart from a real deletion
    expect(got[2].current?.resourceVersion).toBe(v4.metadata.resourceVersion);
    expect(got[2].current?.labels).toEqual({ app: 'api' });
    expect(got[4].current).toBeUndefined();
    // cursors grow strictly, in string order too
    const cursors = got.map((e) => e.cursor);
    expect([...cursors].sort()).toEqual(cursors);
    expect(new Set(cursors).size).toBe(cursors.length);
    expect(await nextWithin(sub, 50)).toBe('pending');
    sub.close();
  });

  it('follows status changes: a pod going into CrashLoopBackOff arrives as ADDED, recovering as DELETED', async () => {
    const { catalog, bus } = setup();
    const crashing = bus.subscribe(filterOf({ kinds: ['Pod'], status: 'CrashLoopBackOff', clusters: ['prod-1', 'prod-2'] }));
    catalog.apply('prod-1', POD, 'ADDED', pod('api-1', { namespace: 'payments' }));
    catalog.apply('prod-2', POD, 'ADDED', pod('api-2', { namespace: 'payments' }));
    catalog.apply('dev-1', POD, 'ADDED', pod('api-3', { namespace: 'payments', crashing: true })); // other cluster
    catalog.apply('prod-2', POD, 'MODIFIED', pod('api-2', { namespace: 'payments', crashing: true }));
    catalog.apply('prod-2', CONFIGMAP, 'ADDED', configMap('settings', 'payments')); // other kind
    catalog.apply('prod-2', POD, 'MODIFIED', pod('api-2', { namespace: 'payments', crashing: true })); // still crashing (restart count)
    catalog.apply('prod-2', POD, 'MODIFIED', pod('api-2', { namespace: 'payments' }));
    const got = await take(crashing, 3);
    expect(got.map((e) => [e.type, e.clusterId, e.record.name, e.record.status])).toEqual([
      ['ADDED', 'prod-2', 'api-2', 'CrashLoopBackOff'],
      ['MODIFIED', 'prod-2', 'api-2', 'CrashLoopBackOff'],
      ['DELETED', 'prod-2', 'api-2', 'CrashLoopBackOff'],
    ]);
    expect(got[2].current?.status).toBe('Running');
    expect(await nextWithin(crashing, 50)).toBe('pending');
  });

  it('delivers to each subscriber only what its cluster, kind and namespace filter names', async () => {
    const { catalog, bus } = setup();
    const everything = bus.subscribe(filterOf());
    const podsC1 = bus.subscribe(filterOf({ clusters: ['c1'], kinds: ['Pod'] }));
    const payments = bus.subscribe(filterOf({ namespaces: ['payments'] }));
    const cmsAnywhere = bus.subscribe(filterOf({ kinds: ['cm'] }));
    catalog.apply('c1', POD, 'ADDED', pod('a', { namespace: 'payments' }));
    catalog.apply('c2', POD, 'ADDED', pod('b', { namespace: 'payments' }));
    catalog.apply('c1', CONFIGMAP, 'ADDED', configMap('c', 'default'));
    catalog.apply('c2', CONFIGMAP, 'ADDED', configMap('d', 'payments'));
    const names = async (s: typeof everything, n: number) => (await take(s, n)).map((e) => `${e.clusterId}/${e.record.name}`);
    expect(await names(everything, 4)).toEqual(['c1/a', 'c2/b', 'c1/c', 'c2/d']);
    expect(await names(podsC1, 1)).toEqual(['c1/a']);
    expect(await names(payments, 3)).toEqual(['c1/a', 'c2/b', 'c2/d']);
    expect(await names(cmsAnywhere, 2)).toEqual(['c1/c', 'c2/d']);
    for (const s of [podsC1, payments, cmsAnywhere]) expect(await nextWithin(s, 20)).toBe('pending');
  });

  it('shares one immutable event object among subscribers that see the change the same way', async () => {
    const { catalog, bus } = setup();
    const a = bus.subscribe(filterOf());
    const b = bus.subscribe(filterOf({ kinds: ['Pod'] }));
    catalog.apply('c1', POD, 'ADDED', pod('x'));
    const [ea] = await take(a, 1);
    const [eb] = await take(b, 1);
    expect(ea).toBe(eb);
    expect(Object.isFrozen(ea)).toBe(true);
  });

  it('emits DELETED (origin "removed") for the matching objects of a removed cluster', async () => {
    const { catalog, bus } = setup();
    catalog.apply('c1', POD, 'ADDED', pod('a', { labels: { app: 'web' } }));
    catalog.apply('c1', POD, 'ADDED', pod('b', { labels: { app: 'db' } }));
    const sub = bus.subscribe(filterOf({ labelSelector: 'app=web' }));
    catalog.removeCluster('c1');
    const [e] = await take(sub, 1);
    expect([e.type, e.record.name, e.origin]).toEqual(['DELETED', 'a', 'removed']);
    expect(await nextWithin(sub, 20)).toBe('pending');
  });
});

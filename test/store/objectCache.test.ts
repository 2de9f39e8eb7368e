import { describe, expect, it } from 'vitest';
import { ResourceStore } from '../../src/store/resourceStore.js';
import { ObjectCache } from '../../src/store/objectCache.js';
import type { ResourceRecord } from '../../src/store/types.js';
import { POD, fixture, pod } from './helpers.js';

describe('objectOf and its LRU of parsed objects', () => {
  it('never returns a parse of another version of the object', () => {
    const store = new ResourceStore();
    const sink = store.sinkFor('c1', POD);
    sink.apply('ADDED', pod({ name: 'x', rv: 1, labels: { v: '1' } }));
    const v1 = store.get('c1', 'Pod', 'default', 'x')!;
    expect(store.objectOf(v1).metadata.labels).toEqual({ v: '1' });
    sink.apply('MODIFIED', pod({ name: 'x', rv: 2, labels: { v: '2' } }));
    const v2 = store.get('c1', 'Pod', 'default', 'x')!;
    expect(v2.id).toBe(v1.id);
    expect(store.objectOf(v2).metadata.labels).toEqual({ v: '2' });
    expect(store.objectOf(v2).metadata.resourceVersion).toBe('2');
    // the old record (e.g. held by an event history) still gives its own state
    expect(store.objectOf(v1).metadata.labels).toEqual({ v: '1' });
    expect(store.objectOf(v1).metadata.resourceVersion).toBe('1');
    expect(store.objectOf(v2).metadata.resourceVersion).toBe('2');
    // and a deleted object's last record still parses
    sink.apply('DELETED', pod({ name: 'x', rv: 2 }));
    expect(store.objectOf(v2).metadata.resourceVersion).toBe('2');
  });

  it('serves repeated reads from the cache and re-parses after eviction', () => {
    const store = new ResourceStore({ objectCacheBytes: 64 * 1024 });
    const sink = store.sinkFor('c1', POD);
    for (let i = 0; i < 150; i++) sink.apply('ADDED', { ...fixture('pod-runner'), metadata: { ...fixture('pod-runner').metadata, name: `p${i}`, uid: `u${i}` } });
    const first = store.get('c1', 'Pod', 'demo', 'p0')!;
    const o1 = store.objectOf(first);
    expect(store.objectOf(first)).toBe(o1); // the same instance
    // ~2.6 KB * 3 each, every one read twice (so cached), then 100 more read once: p0 is evicted and out of the recent parses
    for (let i = 1; i < 50; i++) for (let k = 0; k < 2; k++) store.objectOf(store.get('c1', 'Pod', 'demo', `p${i}`)!);
    for (let i = 50; i < 150; i++) store.objectOf(store.get('c1', 'Pod', 'demo', `p${i}`)!);
    const o2 = store.objectOf(first);
    expect(o2).not.toBe(o1);
    expect(o2).toEqual(o1);
  });

  it('caches a record version on its second request; one read once stays out of the LRU', () => {
    const cache = new ObjectCache(1024 * 1024);
    const mk = (id: number, rv: string): ResourceRecord => ({ id, clusterId: 'c', kind: POD, namespace: 'd', name: `n${id}`, uid: `u${id}`, resourceVersion: rv, labels: {}, creationTimestamp: undefined, status: undefined, json: JSON.stringify({ metadata: { name: `n${id}`, resourceVersion: rv } }) });
    const once = Array.from({ length: 100 }, (_, i) => mk(i, '1'));
    const o0 = cache.get(once[0]);
    expect(cache.get(once[0])).toBe(o0); // reused while among the recent parses
    for (const r of once.slice(1)) cache.get(r);
    expect(cache.size).toBe(0); // each read once: nothing admitted
    expect(cache.misses).toBe(100);
    // once[0] fell out of the recent parses; its second parse is admitted and then served from the LRU
    const again = cache.get(once[0]);
    expect(again).not.toBe(o0);
    expect(cache.size).toBe(1);
    for (let i = 400; i < 500; i++) cache.get(mk(i, '1')); // read once: out of the recent parses go the others
    for (const r of once.slice(1)) cache.get(r); // second requests: admitted
    expect(cache.size).toBe(100);
    expect(cache.get(once[0])).toBe(again);
    // a new version of an admitted id is not admitted by the old version's requests
    const v2 = mk(0, '2');
    expect(cache.get(v2).metadata.resourceVersion).toBe('2');
    expect(cache.get(once[0])).toBe(again);
    for (let i = 200; i < 300; i++) cache.get(mk(i, '1'));
    const v2again = cache.get(v2);
    expect(v2again.metadata.resourceVersion).toBe('2');
    expect(cache.get(v2)).toBe(v2again); // second request of v2: admitted, replacing v1's entry
    expect(cache.get(once[0])).not.toBe(again);
  });

  it('ObjectCache checks record identity, not just the id', () => {
    const cache = new ObjectCache(1024 * 1024);
    const mk = (rv: string): ResourceRecord => ({ id: 7, clusterId: 'c', kind: POD, namespace: 'd', name: 'n', uid: 'u', resourceVersion: rv, labels: {}, creationTimestamp: undefined, status: undefined, json: JSON.stringify({ metadata: { resourceVersion: rv } }) });
    const a = mk('1');
    const b = mk('2');
    expect(cache.get(a).metadata.resourceVersion).toBe('1');
    expect(cache.get(b).metadata.resourceVersion).toBe('2');
    expect(cache.get(a).metadata.resourceVersion).toBe('1');
  });
});

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
    for (let i = 0; i < 50; i++) sink.apply('ADDED', { ...fixture('pod-runner'), metadata: { ...fixture('pod-runner').metadata, name: `p${i}`, uid: `u${i}` } });
    const first = store.get('c1', 'Pod', 'demo', 'p0')!;
    const o1 = store.objectOf(first);
    expect(store.objectOf(first)).toBe(o1); // cached: the same instance
    for (let i = 1; i < 50; i++) store.objectOf(store.get('c1', 'Pod', 'demo', `p${i}`)!); // ~2.6 KB * 3 each: evicts p0
    const o2 = store.objectOf(first);
    expect(o2).not.toBe(o1);
    expect(o2).toEqual(o1);
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

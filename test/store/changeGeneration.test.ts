import { describe, expect, it } from 'vitest';
import { ResourceStore } from '../../src/store/resourceStore.js';
import { CONFIGMAP, POD, pod } from './helpers.js';

describe('changeGeneration (for caches of query results)', () => {
  it('changes exactly when an object of the matching collections changes', () => {
    const store = new ResourceStore();
    const pods = store.sinkFor('c1', POD);
    const cms = store.sinkFor('c1', CONFIGMAP);
    pods.apply('ADDED', pod({ name: 'a', rv: 1 }));
    const podsOnly = new Set(['Pod']);
    const c1 = new Set(['c1']);
    const g0 = store.changeGeneration(c1, podsOnly);
    const all0 = store.changeGeneration(undefined, undefined);
    pods.apply('ADDED', pod({ name: 'a', rv: 1 })); // same RV: no change
    expect(store.changeGeneration(c1, podsOnly)).toBe(g0);
    cms.apply('ADDED', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'default', uid: 'cm', resourceVersion: '1' } });
    expect(store.changeGeneration(c1, podsOnly)).toBe(g0);
    expect(store.changeGeneration(undefined, undefined)).not.toBe(all0);
    pods.apply('MODIFIED', pod({ name: 'a', rv: 2 }));
    const g1 = store.changeGeneration(c1, podsOnly);
    expect(g1).not.toBe(g0);
    pods.apply('DELETED', pod({ name: 'a', rv: 3 }));
    expect(store.changeGeneration(c1, podsOnly)).not.toBe(g1);
    const g2 = store.changeGeneration(new Set(['c2']), undefined);
    store.sinkFor('c2', POD).apply('ADDED', pod({ name: 'x' }));
    expect(store.changeGeneration(new Set(['c2']), undefined)).not.toBe(g2);
    const g3 = store.changeGeneration(undefined, undefined);
    store.removeCluster('c2');
    expect(store.changeGeneration(undefined, undefined)).not.toBe(g3);
  });

  it('objectCacheStats counts hits and misses', () => {
    const store = new ResourceStore();
    store.sinkFor('c1', POD).apply('ADDED', pod({ name: 'a' }));
    const r = store.get('c1', 'Pod', 'default', 'a')!;
    store.objectOf(r);
    store.objectOf(r); // reused among the recent parses, not yet cached
    expect(store.objectCacheStats()).toMatchObject({ hits: 1, misses: 1, entries: 0, bytes: 0 });
    for (let i = 0; i < 100; i++) {
      store.sinkFor('c1', POD).apply('ADDED', pod({ name: `b${i}` }));
      store.objectOf(store.get('c1', 'Pod', 'default', `b${i}`)!);
    }
    store.objectOf(r); // requested again: cached
    store.objectOf(r);
    expect(store.objectCacheStats()).toMatchObject({ hits: 2, misses: 102, entries: 1 });
    expect(store.objectCacheStats().bytes).toBeGreaterThan(0);
  });
});

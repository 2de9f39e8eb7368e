import { describe, expect, it } from 'vitest';
import { ResourceStore } from '../../src/store/resourceStore.js';
import type { ChangeEvent } from '../../src/store/types.js';
import { POD, pod } from './helpers.js';

describe('change listeners', () => {
  it('every change reaches every listener synchronously, in order', () => {
    const store = new ResourceStore();
    const a: string[] = [];
    const b: string[] = [];
    store.onChange((e) => a.push(`${e.type}:${e.record.name}`));
    store.onChange((e) => b.push(`${e.type}:${e.record.name}`));
    const sink = store.sinkFor('c1', POD);
    sink.apply('ADDED', pod({ name: 'x', rv: 1 }));
    expect(a).toEqual(['ADDED:x']); // before apply returned
    sink.apply('MODIFIED', pod({ name: 'x', rv: 2 }));
    sink.apply('DELETED', pod({ name: 'x', rv: 3 }));
    expect(a).toEqual(['ADDED:x', 'MODIFIED:x', 'DELETED:x']);
    expect(b).toEqual(a);
  });

  it('a listener that throws breaks neither the store nor the other listeners', () => {
    const store = new ResourceStore();
    const seen: ChangeEvent[] = [];
    store.onChange(() => {
      throw new Error('listener bug');
    });
    store.onChange((e) => seen.push(e));
    const sink = store.sinkFor('c1', POD);
    expect(() => sink.apply('ADDED', pod({ name: 'x', rv: 1 }))).not.toThrow();
    expect(() => sink.apply('MODIFIED', pod({ name: 'x', rv: 2 }))).not.toThrow();
    expect(() => store.removeCluster('c1')).not.toThrow();
    expect(seen.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    expect(store.size).toBe(0);
  });

  it('a listener can read the store, which already holds the change', () => {
    const store = new ResourceStore();
    const views: Array<string | undefined> = [];
    store.onChange((e) => views.push(store.get('c1', 'Pod', 'default', e.record.name)?.resourceVersion));
    const sink = store.sinkFor('c1', POD);
    sink.apply('ADDED', pod({ name: 'x', rv: 1 }));
    sink.apply('MODIFIED', pod({ name: 'x', rv: 2 }));
    sink.apply('DELETED', pod({ name: 'x', rv: 2 }));
    expect(views).toEqual(['1', '2', undefined]);
  });

  it('unsubscribing stops delivery; a listener removing itself mid-emit does not disturb others', () => {
    const store = new ResourceStore();
    const a: string[] = [];
    const b: string[] = [];
    const offA = store.onChange((e) => a.push(e.record.name));
    const offSelf: () => void = store.onChange(() => offSelf());
    store.onChange((e) => b.push(e.record.name));
    const sink = store.sinkFor('c1', POD);
    sink.apply('ADDED', pod({ name: 'x' }));
    offA();
    sink.apply('ADDED', pod({ name: 'y' }));
    expect(a).toEqual(['x']);
    expect(b).toEqual(['x', 'y']);
  });
});

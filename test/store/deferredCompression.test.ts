import { describe, expect, it } from 'vitest';
import { KindDictionary } from '../../src/store/jsonCodec.js';
import type { StoredRecord } from '../../src/store/record.js';
import { ResourceStore } from '../../src/store/resourceStore.js';
import { slimObject } from '../../src/store/slim.js';
import type { KubeObject } from '../../src/kube/types.js';
import { POD, fixture } from './helpers.js';

/**
 * Records stored by watch events are kept plain and compressed later, off
 * the event path; what a reader sees (JSON, events) must not depend on when
 * that happens, the wait is bounded, and a record that other records use as
 * their compression base is never among them.
 */

/** The web ReplicaSet's pod number `i` at resourceVersion `rv`: siblings of one controller. */
function sibling(i: number, rv: number, note = 'n'): KubeObject {
  const p = fixture('pod-web-f77c755dc-2bdwq');
  p.metadata.name = `web-${i}`;
  p.metadata.uid = `uid-${i}`;
  p.metadata.resourceVersion = String(rv);
  p.metadata.annotations = { ...p.metadata.annotations, note };
  return p;
}

function record(store: ResourceStore, i: number): StoredRecord {
  return store.get('c1', 'Pod', 'demo', `web-${i}`) as StoredRecord;
}

const slimJson = (o: KubeObject) => JSON.stringify(slimObject(o, { isSecret: false }));

describe('deferred compression', () => {
  it('a watch-path record is plain at first, compressed after the delay, and decodes to the same JSON throughout', async () => {
    const store = new ResourceStore({ compressionDelayMs: 50 });
    const sink = store.sinkFor('c1', POD);
    for (let i = 0; i < 10; i++) sink.apply('ADDED', sibling(i, 100 + i));
    const anchor = record(store, 0);
    // the first of a controller's pods is the siblings' anchor: compressed at once
    expect(anchor.base).toBeInstanceOf(KindDictionary);
    const leaf = record(store, 5);
    expect(leaf.base).toBeUndefined();
    expect(leaf.packed).toBe(slimJson(sibling(5, 105)));
    expect(store.deferredCompressionStats().pending).toBe(9);
    await new Promise((r) => setTimeout(r, 200));
    expect(store.deferredCompressionStats()).toEqual({ pending: 0, compressed: 9, superseded: 0 });
    expect(record(store, 5)).toBe(leaf); // same record, new stored form
    expect(leaf.base).toBe(anchor);
    expect(leaf.packed.length).toBeLessThan(slimJson(sibling(5, 105)).length / 4);
    expect(leaf.json).toBe(slimJson(sibling(5, 105)));
  });

  it('a record changed again before its turn is never compressed; its successor is', async () => {
    const store = new ResourceStore({ compressionDelayMs: 50 });
    const sink = store.sinkFor('c1', POD);
    sink.apply('ADDED', sibling(0, 100));
    sink.apply('ADDED', sibling(1, 101));
    const first = record(store, 1);
    sink.apply('MODIFIED', sibling(1, 102, 'second'));
    const second = record(store, 1);
    sink.apply('DELETED', sibling(0, 103)); // the anchor goes; the pending record keeps its base
    await new Promise((r) => setTimeout(r, 200));
    expect(store.deferredCompressionStats()).toEqual({ pending: 0, compressed: 1, superseded: 1 });
    expect(first.base).toBeUndefined(); // superseded: left as it was (the event history may still hold it)
    expect(JSON.parse(first.json).metadata.annotations.note).toBe('n');
    expect(second.base).toBeDefined();
    expect(JSON.parse(second.json).metadata.annotations.note).toBe('second');
  });

  it('at most maxDeferredCompressions records wait: past it the oldest is compressed at once', () => {
    const store = new ResourceStore({ compressionDelayMs: 60_000, maxDeferredCompressions: 5 });
    const sink = store.sinkFor('c1', POD);
    for (let i = 0; i < 20; i++) sink.apply('ADDED', sibling(i, 100 + i));
    expect(store.deferredCompressionStats()).toEqual({ pending: 5, compressed: 14, superseded: 0 });
    for (let i = 1; i < 15; i++) expect(record(store, i).base, `pod ${i}`).toBeDefined();
    for (let i = 15; i < 20; i++) expect(record(store, i).base, `pod ${i}`).toBeUndefined();
    for (let i = 0; i < 20; i++) expect(record(store, i).json).toBe(slimJson(sibling(i, 100 + i)));
  });

  it('a list (replace) compresses at once; a waiting record is compressed before it is copied out (snapshot)', () => {
    const store = new ResourceStore({ compressionDelayMs: 60_000 });
    const sink = store.sinkFor('c1', POD);
    sink.beginReplace();
    for (let i = 0; i < 5; i++) sink.replaceItem(sibling(i, 100 + i));
    sink.endReplace('104');
    for (let i = 0; i < 5; i++) expect(record(store, i).base).toBeDefined();
    expect(store.deferredCompressionStats().pending).toBe(0);

    sink.apply('MODIFIED', sibling(3, 200, 'changed'));
    const waiting = record(store, 3);
    expect(waiting.base).toBeUndefined();
    const portable = store.portableOf(waiting);
    expect(portable.base).toBeDefined();
    expect(portable.packed).toBe(waiting.packed);
    expect(waiting.json).toBe(slimJson(sibling(3, 200, 'changed')));
    expect(store.deferredCompressionStats()).toEqual({ pending: 0, compressed: 1, superseded: 0 });
  });

  it('the last state a DELETED event carries is kept plain, never deflated', () => {
    const store = new ResourceStore({ compressionDelayMs: 0 });
    const sink = store.sinkFor('c1', POD);
    const events: Array<{ type: string; record: StoredRecord }> = [];
    store.onChange((e) => events.push({ type: e.type, record: e.record as StoredRecord }));
    sink.apply('ADDED', sibling(0, 100));
    sink.apply('ADDED', sibling(1, 101));
    sink.apply('DELETED', sibling(1, 102, 'last words'));
    const deleted = events.at(-1)!;
    expect(deleted.type).toBe('DELETED');
    expect(deleted.record.base).toBeUndefined();
    expect(deleted.record.json).toBe(slimJson(sibling(1, 102, 'last words')));
    expect(store.deferredCompressionStats().pending).toBe(0);
  });

  it('compressionDelayMs 0 compresses on the event path, as before', () => {
    const store = new ResourceStore({ compressionDelayMs: 0 });
    const sink = store.sinkFor('c1', POD);
    for (let i = 0; i < 3; i++) sink.apply('ADDED', sibling(i, 100 + i));
    expect(record(store, 2).base).toBe(record(store, 0));
    expect(store.deferredCompressionStats().pending).toBe(0);
  });
});

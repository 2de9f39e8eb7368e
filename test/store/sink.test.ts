import { describe, expect, it } from 'vitest';
import { ResourceStore } from '../../src/store/resourceStore.js';
import { compileFilter } from '../../src/store/filter.js';
import { CONFIGMAP, POD, SECRET, fixture, pod, recordEvents, summary } from './helpers.js';

describe('ReflectorSink semantics', () => {
  it('a first replace emits ADDED for every object and records the list resourceVersion', () => {
    const store = new ResourceStore();
    const events = recordEvents(store);
    const sink = store.sinkFor('c1', POD);
    sink.beginReplace();
    sink.replaceItem(pod({ name: 'a', rv: 10 }));
    sink.replaceItem(pod({ name: 'b', rv: 11 }));
    sink.endReplace('12');
    expect(summary(events)).toEqual(['ADDED default/a@10 (relist)', 'ADDED default/b@11 (relist)']);
    expect(store.resourceVersionOf('c1', 'Pod')).toBe('12');
    expect(events[0].previous).toBeUndefined();
    expect(events[0].object?.metadata.name).toBe('a');
  });

  it('a relist emits exactly the difference: MODIFIED for a changed RV, nothing for an equal one, DELETED (last known state) for the vanished', () => {
    const store = new ResourceStore();
    const sink = store.sinkFor('c1', POD);
    sink.beginReplace();
    sink.replaceItem(pod({ name: 'same', rv: 1 }));
    sink.replaceItem(pod({ name: 'changed', rv: 2, labels: { v: '1' } }));
    sink.replaceItem(pod({ name: 'gone', rv: 3, labels: { last: 'state' } }));
    sink.endReplace('3');
    const before = store.get('c1', 'Pod', 'default', 'changed')!;
    const gone = store.get('c1', 'Pod', 'default', 'gone')!;

    const events = recordEvents(store);
    sink.beginReplace();
    sink.replaceItem(pod({ name: 'same', rv: 1 }));
    sink.replaceItem(pod({ name: 'changed', rv: 7, labels: { v: '2' } }));
    sink.replaceItem(pod({ name: 'new', rv: 8 }));
    sink.endReplace('9');

    expect(summary(events)).toEqual(['MODIFIED default/changed@7 (relist)', 'ADDED default/new@8 (relist)', 'DELETED default/gone@3 (relist)']);
    const modified = events[0];
    expect(modified.previous).toBe(before);
    expect(modified.record.id).toBe(before.id);
    expect(modified.record.labels).toEqual({ v: '2' });
    const deleted = events[2];
    expect(deleted.record).toBe(gone);
    expect(deleted.previous).toBe(gone);
    expect(deleted.record.labels).toEqual({ last: 'state' });
    expect(store.get('c1', 'Pod', 'default', 'gone')).toBeUndefined();
    expect(store.getById(gone.id)).toBeUndefined();
    expect(store.resourceVersionOf('c1', 'Pod')).toBe('9');
  });

  it('an unchanged relist emits nothing', () => {
    const store = new ResourceStore();
    const sink = store.sinkFor('c1', POD);
    const objs = [pod({ name: 'a', rv: 1 }), pod({ name: 'b', rv: 2 })];
    sink.beginReplace();
    for (const o of objs) sink.replaceItem(o);
    sink.endReplace('2');
    const events = recordEvents(store);
    sink.beginReplace();
    for (const o of objs) sink.replaceItem(structuredClone(o));
    sink.endReplace('2');
    expect(events).toEqual([]);
    expect(store.size).toBe(2);
  });

  it('abortReplace keeps what was upserted and deletes nothing', () => {
    const store = new ResourceStore();
    const sink = store.sinkFor('c1', POD);
    sink.beginReplace();
    sink.replaceItem(pod({ name: 'a', rv: 1 }));
    sink.replaceItem(pod({ name: 'b', rv: 1 }));
    sink.endReplace('1');
    const events = recordEvents(store);
    sink.beginReplace();
    sink.replaceItem(pod({ name: 'a', rv: 5 }));
    sink.abortReplace();
    expect(summary(events)).toEqual(['MODIFIED default/a@5 (relist)']);
    expect(store.get('c1', 'Pod', 'default', 'b')).toBeDefined();
    expect(store.resourceVersionOf('c1', 'Pod')).toBe('1');
    // a later endReplace without beginReplace deletes nothing either
    sink.endReplace('6');
    expect(store.size).toBe(2);
    expect(store.resourceVersionOf('c1', 'Pod')).toBe('6');
  });

  it('a relist replaces only its own collection', () => {
    const store = new ResourceStore();
    const pods = store.sinkFor('c1', POD);
    const cms = store.sinkFor('c1', CONFIGMAP);
    const other = store.sinkFor('c2', POD);
    pods.apply('ADDED', pod({ name: 'p' }));
    other.apply('ADDED', pod({ name: 'p' }));
    cms.apply('ADDED', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'default', uid: 'cm1', resourceVersion: '1' } });
    const events = recordEvents(store);
    pods.beginReplace();
    pods.endReplace('5');
    expect(summary(events)).toEqual(['DELETED default/p@1 (relist)']);
    expect(events[0].record.clusterId).toBe('c1');
    expect(store.get('c1', 'ConfigMap', 'default', 'cm')).toBeDefined();
    expect(store.get('c2', 'Pod', 'default', 'p')).toBeDefined();
  });

  it('watch events: ADDED/MODIFIED upsert, an equal RV is no change, DELETED removes with the final state, unknown DELETED is ignored', () => {
    const store = new ResourceStore();
    const events = recordEvents(store);
    const sink = store.sinkFor('c1', POD);
    sink.apply('ADDED', pod({ name: 'a', rv: 1 }));
    sink.apply('ADDED', pod({ name: 'a', rv: 1 }));
    sink.apply('MODIFIED', pod({ name: 'a', rv: 2, phase: 'Running' }));
    sink.apply('MODIFIED', pod({ name: 'b', rv: 3 }));
    sink.apply('DELETED', pod({ name: 'zzz', rv: 4 }));
    sink.apply('DELETED', pod({ name: 'a', rv: 5, phase: 'Succeeded' }));
    expect(summary(events)).toEqual(['ADDED default/a@1 (watch)', 'MODIFIED default/a@2 (watch)', 'ADDED default/b@3 (watch)', 'DELETED default/a@5 (watch)']);
    const del = events[3];
    expect(del.record.status).toBe('Succeeded');
    expect(del.record.id).toBe(events[0].record.id);
    expect(del.previous).toBe(del.record);
    expect(del.object?.status).toEqual({ phase: 'Succeeded' });
    expect(store.get('c1', 'Pod', 'default', 'a')).toBeUndefined();
  });

  it('a DELETED with the stored RV carries the stored record', () => {
    const store = new ResourceStore();
    const events = recordEvents(store);
    const sink = store.sinkFor('c1', POD);
    sink.apply('ADDED', pod({ name: 'a', rv: 1 }));
    const stored = store.get('c1', 'Pod', 'default', 'a');
    sink.apply('DELETED', pod({ name: 'a', rv: 1 }));
    expect(events[1].record).toBe(stored);
  });

  it('an object re-created under the same name (new uid) is DELETED + ADDED with a new id', () => {
    const store = new ResourceStore();
    const sink = store.sinkFor('c1', POD);
    sink.apply('ADDED', pod({ name: 'a', uid: 'u1', rv: 1 }));
    const old = store.get('c1', 'Pod', 'default', 'a')!;
    const events = recordEvents(store);
    sink.beginReplace();
    sink.replaceItem(pod({ name: 'a', uid: 'u2', rv: 9 }));
    sink.endReplace('9');
    expect(summary(events)).toEqual(['DELETED default/a@1 (relist)', 'ADDED default/a@9 (relist)']);
    expect(events[1].record.id).not.toBe(old.id);
    expect(store.getByUid('c1', 'u1')).toBeUndefined();
    expect(store.getByUid('c1', 'u2')?.id).toBe(events[1].record.id);
    // a late DELETED of the old incarnation does not remove the new one
    sink.apply('DELETED', pod({ name: 'a', uid: 'u1', rv: 10 }));
    expect(store.get('c1', 'Pod', 'default', 'a')?.uid).toBe('u2');
  });

  it('ids are stable across MODIFIED and never reused', () => {
    const store = new ResourceStore();
    const sink = store.sinkFor('c1', POD);
    sink.apply('ADDED', pod({ name: 'a', rv: 1 }));
    const id = store.get('c1', 'Pod', 'default', 'a')!.id;
    sink.apply('MODIFIED', pod({ name: 'a', rv: 2 }));
    expect(store.get('c1', 'Pod', 'default', 'a')!.id).toBe(id);
    sink.apply('DELETED', pod({ name: 'a', rv: 2 }));
    sink.apply('ADDED', pod({ name: 'a', rv: 3, uid: 'again' }));
    expect(store.get('c1', 'Pod', 'default', 'a')!.id).not.toBe(id);
  });

  it('setResourceVersion records bookmarks; kinds register through sinkFor', () => {
    const store = new ResourceStore();
    const sink = store.sinkFor('c1', POD);
    expect(store.resourceVersionOf('c1', 'Pod')).toBeUndefined();
    sink.setResourceVersion('42');
    expect(store.resourceVersionOf('c1', 'Pod')).toBe('42');
    expect(store.knownKinds('c1')).toEqual([POD]);
    expect(store.kinds('c1')).toEqual([{ kind: POD, count: 0 }]);
    expect(store.knownKinds('nope')).toEqual([]);
  });

  it('bad objects are dropped without throwing at the reflector', () => {
    const store = new ResourceStore();
    const events = recordEvents(store);
    const sink = store.sinkFor('c1', POD);
    expect(() => sink.apply('ADDED', { metadata: {} })).not.toThrow();
    expect(() => sink.apply('ADDED', null as never)).not.toThrow();
    expect(() => sink.replaceItem({ metadata: { name: 'x', labels: 'not-a-map' as never } })).not.toThrow();
    expect(() => sink.apply('DELETED', { metadata: { name: 42 as never } })).not.toThrow();
    expect(summary(events)).toEqual(['ADDED x@ (relist)']);
    expect(events[0].record.labels).toEqual({});
  });

  it('a cluster-scoped kind ignores metadata.namespace', () => {
    const store = new ResourceStore();
    const sink = store.sinkFor('c1', { group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false });
    sink.apply('ADDED', fixture('node-a'));
    expect(store.get('c1', 'Node', '', 'node-a')?.namespace).toBe('');
  });

  it('removeCluster emits DELETED (origin "removed") for every object and drops every index of that cluster only', () => {
    const store = new ResourceStore();
    const a = store.sinkFor('c1', POD);
    const b = store.sinkFor('c2', POD);
    a.apply('ADDED', pod({ name: 'p1', labels: { app: 'x' }, node: 'n1', owners: [{ uid: 'rs1', controller: true }] }));
    a.apply('ADDED', pod({ name: 'p2', labels: { app: 'x' }, node: 'n1', owners: [{ uid: 'rs1', controller: true }] }));
    b.apply('ADDED', pod({ name: 'p1', labels: { app: 'x' }, node: 'n1', owners: [{ uid: 'rs1', controller: true }] }));
    const ids = [store.get('c1', 'Pod', 'default', 'p1')!.id, store.get('c1', 'Pod', 'default', 'p2')!.id];
    const events = recordEvents(store);
    store.removeCluster('c1');
    expect(summary(events).sort()).toEqual(['DELETED default/p1@1 (removed)', 'DELETED default/p2@1 (removed)']);
    expect(events.every((e) => e.record.clusterId === 'c1')).toBe(true);
    for (const id of ids) expect(store.getById(id)).toBeUndefined();
    expect(store.get('c1', 'Pod', 'default', 'p1')).toBeUndefined();
    expect(store.getByUid('c1', 'uid-default-p1')).toBeUndefined();
    expect(store.ownedBy('c1', 'rs1')).toEqual([]);
    expect(store.podsOnNode('c1', 'n1')).toEqual([]);
    expect(store.kinds('c1')).toEqual([]);
    expect(store.knownKinds('c1')).toEqual([]);
    expect(store.resourceVersionOf('c1', 'Pod')).toBeUndefined();
    expect(store.count(compileFilter({}, []))).toBe(1);
    expect(store.ownedBy('c2', 'rs1')).toHaveLength(1);
    store.removeCluster('c1'); // idempotent
    expect(events).toHaveLength(2);
  });

  it('a replace can be declared a warm-restart snapshot', () => {
    const store = new ResourceStore();
    const events = recordEvents(store);
    const sink = store.sinkFor('c1', POD, { replaceOrigin: 'snapshot' });
    sink.beginReplace();
    sink.replaceItem(pod({ name: 'a' }));
    sink.endReplace('1');
    sink.apply('MODIFIED', pod({ name: 'a', rv: 2 }));
    expect(summary(events)).toEqual(['ADDED default/a@1 (snapshot)', 'MODIFIED default/a@2 (watch)']);
  });
});

describe('sink lifecycle', () => {
  it('turning keepSecretValues off drops the kept values at once; the next list brings the objects back redacted', () => {
    const store = new ResourceStore();
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default', uid: 's1', resourceVersion: '1' }, data: { password: 'c2VjcmV0' } };
    store.sinkFor('c1', SECRET, { keepSecretValues: true }).apply('ADDED', structuredClone(secret));
    expect(store.get('c1', 'Secret', 'default', 's')!.json).toContain('c2VjcmV0');
    const events = recordEvents(store);
    const sink = store.sinkFor('c1', SECRET, { keepSecretValues: false });
    expect(summary(events)).toEqual(['DELETED default/s@1 (relist)']);
    expect(store.get('c1', 'Secret', 'default', 's')).toBeUndefined();
    sink.beginReplace();
    sink.replaceItem(structuredClone(secret));
    sink.endReplace('1');
    const back = store.get('c1', 'Secret', 'default', 's')!;
    expect(back.json).not.toContain('c2VjcmV0');
    expect(JSON.parse(back.json).data).toEqual({ password: '' });
    // the same policy again changes nothing
    store.sinkFor('c1', SECRET);
    expect(store.get('c1', 'Secret', 'default', 's')).toBe(back);
  });

  it('a sink of a removed cluster ignores every call', () => {
    const store = new ResourceStore();
    const sink = store.sinkFor('c1', POD);
    sink.apply('ADDED', pod({ name: 'a' }));
    store.removeCluster('c1');
    const events = recordEvents(store);
    sink.beginReplace();
    sink.replaceItem(pod({ name: 'b' }));
    sink.endReplace('5');
    sink.apply('ADDED', pod({ name: 'c' }));
    sink.setResourceVersion('6');
    expect(events).toEqual([]);
    expect(store.size).toBe(0);
    expect(store.resourceVersionOf('c1', 'Pod')).toBeUndefined();
    expect(store.kinds()).toEqual([]);
    // a new sink for the re-added cluster works
    store.sinkFor('c1', POD).apply('ADDED', pod({ name: 'd' }));
    expect(store.get('c1', 'Pod', 'default', 'd')).toBeDefined();
  });
});

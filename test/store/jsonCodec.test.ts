import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { JsonCodec, KindDictionary } from '../../src/store/jsonCodec.js';
import { StoredRecord, retainedBytesOf } from '../../src/store/record.js';
import { ResourceStore } from '../../src/store/resourceStore.js';
import { slimObject } from '../../src/store/slim.js';
import type { KindInfo } from '../../src/kube/kinds.js';
import { POD, fixture, pod, rng } from './helpers.js';

const OBJECTS = fileURLToPath(new URL('../fixtures/real-apiserver/objects/', import.meta.url));

/** The web ReplicaSet's pod, renamed: siblings as a ReplicaSet creates them. */
function sibling(i: number, extra: Record<string, string> = {}) {
  const p = fixture('pod-web-f77c755dc-2bdwq');
  p.metadata.name = `web-f77c755dc-${String(i).padStart(5, 'x')}`;
  p.metadata.uid = `uid-${i}`;
  p.metadata.resourceVersion = String(1000 + i);
  p.metadata.annotations = { ...p.metadata.annotations, ...extra };
  return p;
}

describe('packed JSON', () => {
  it('every captured real object round-trips exactly (slimmed), in both modes', () => {
    for (const compression of ['deflate', 'none'] as const) {
      const store = new ResourceStore({ compression });
      for (const file of readdirSync(OBJECTS).filter((f) => f.endsWith('.json'))) {
        const obj = fixture(file.replace(/\.json$/, ''));
        const [group, version] = obj.apiVersion!.includes('/') ? obj.apiVersion!.split('/') : ['', obj.apiVersion!];
        const k: KindInfo = { group, version, kind: obj.kind!, plural: `${obj.kind!.toLowerCase()}s`, namespaced: obj.metadata.namespace !== undefined };
        // one cluster per file: the autoscaling v1 and v2 captures are the same object (same kindKey, uid and RV)
        store.sinkFor(file, k, { keepSecretValues: true }).apply('ADDED', obj);
        const r = store.get(file, `${k.group ? `${k.group}/` : ''}${k.kind}`, k.namespaced ? obj.metadata.namespace! : '', obj.metadata.name!)!;
        expect(JSON.parse(r.json), `${compression} ${file}`).toEqual(JSON.parse(JSON.stringify(slimObject(fixture(file.replace(/\.json$/, '')), { isSecret: false }))));
      }
    }
  });

  it('siblings of one controller compress against each other and stay decodable when the anchor goes away', () => {
    const store = new ResourceStore({ anchorCacheBytes: 1 }); // every decode of an anchor misses the cache
    const sink = store.sinkFor('c1', POD);
    const note = { note: 'é ü 日本 🚀' };
    for (let i = 0; i < 20; i++) sink.apply('ADDED', sibling(i, note));
    store.settleDeferredCompression(); // watch-path records are compressed off the event path; do it now
    const records = Array.from({ length: 20 }, (_, i) => store.get('c1', 'Pod', 'demo', `web-f77c755dc-${String(i).padStart(5, 'x')}`) as StoredRecord);
    const first = records[0];
    const plainLength = Buffer.byteLength(records[5].json);
    // the first is the anchor (kind dictionary); the others name it as their base and are tiny
    expect(first.base).toBeInstanceOf(KindDictionary);
    for (const r of records.slice(1)) {
      expect(r.base).toBe(first);
      expect(r.packed.length).toBeLessThan(plainLength / 8);
    }
    // delete the anchor and modify a sibling: everything still decodes to its own state
    sink.apply('DELETED', sibling(0));
    sink.apply('MODIFIED', { ...sibling(3, note), metadata: { ...sibling(3, note).metadata, resourceVersion: '5000' } });
    for (let i = 1; i < 20; i++) {
      const r = store.get('c1', 'Pod', 'demo', `web-f77c755dc-${String(i).padStart(5, 'x')}`)!;
      const parsed = JSON.parse(r.json);
      expect(parsed.metadata.uid).toBe(`uid-${i}`);
      expect(parsed.metadata.annotations.note).toBe('é ü 日本 🚀');
    }
    // the modified sibling re-anchors (the old anchor is gone from the store)
    const modified = store.get('c1', 'Pod', 'demo', 'web-f77c755dc-xxxx3') as StoredRecord;
    expect(modified.base).toBeInstanceOf(KindDictionary);
    expect(JSON.parse(first.json).metadata.uid).toBe('uid-0');
    // size estimates use the packed form, without decoding
    expect(retainedBytesOf(records[5])).toBe(400 + records[5].packed.length);
  });

  it('random objects round-trip through the codec', () => {
    const r = rng(5);
    const codec = new JsonCodec();
    const dict = codec.kindDictionary('X', JSON.stringify(pod({ name: 'seed' })));
    const chars = 'abc{}[]":,\\\u0000\u001f\u007f\u00ff\u0100\u2028\ud83d\ude80 xyz';
    let anchor = codec.encode(JSON.stringify({ a: 1, pad: 'x'.repeat(200) }), dict);
    for (let i = 0; i < 300; i++) {
      let s = '';
      const n = Math.floor(r() * 3000);
      for (let k = 0; k < n; k++) s += chars[Math.floor(r() * chars.length)];
      const json = JSON.stringify({ i, s, nested: { list: [s.slice(0, 10), i] } });
      const base = r() < 0.5 ? dict : anchor;
      const packed = codec.encode(json, base);
      expect(codec.decode(packed)).toBe(json);
      if (i % 50 === 0 && packed.base instanceof KindDictionary) anchor = packed;
    }
    const off = new JsonCodec({ compression: 'none' });
    const p = off.encode('{"a":1}'.repeat(100), off.kindDictionary('X', '{}'));
    expect(p.base).toBeUndefined();
    expect(off.decode(p)).toBe('{"a":1}'.repeat(100));
  });
});

import { describe, expect, it } from 'vitest';
import { SortedRecords, compareKey } from '../../src/store/sortedRecords.js';
import { pick, rng } from './helpers.js';

interface E {
  namespace: string;
  name: string;
  v: number;
}

const cmp = (a: E, b: E) => compareKey(a.namespace, a.name, b.namespace, b.name);

function toArray(list: SortedRecords<E>): E[] {
  return [...list];
}

function fromPosition(list: SortedRecords<E>, ns: string, name: string, exclusive: boolean): E[] {
  const out: E[] = [];
  const pos = list.seek(ns, name, exclusive);
  for (let e = list.at(pos); e !== undefined; e = list.at(pos)) {
    out.push(e);
    list.advance(pos);
  }
  return out;
}

describe('SortedRecords (chunked ordered list)', () => {
  it('matches a sorted array model through builds, inserts (with chunk splits), replaces, removes and seeks', () => {
    const r = rng(99);
    const model = new Map<string, E>();
    const initial: E[] = [];
    for (let i = 0; i < 3000; i++) {
      const e = { namespace: pick(r, ['a', 'b', 'c', '']), name: `n${Math.floor(r() * 100_000)}`, v: 0 };
      const k = `${e.namespace}/${e.name}`;
      if (model.has(k)) continue;
      model.set(k, e);
      initial.push(e);
    }
    const list = SortedRecords.build([...initial]);
    for (let step = 0; step < 8000; step++) {
      const roll = r();
      if (roll < 0.7) {
        const e = { namespace: pick(r, ['a', 'b', 'c', '', 'b']), name: `m${Math.floor(r() * 5000)}`, v: step };
        const k = `${e.namespace}/${e.name}`;
        if (model.has(k)) {
          expect(list.replace(e)).toBe(true);
        } else {
          list.insert(e);
        }
        model.set(k, e);
      } else if (roll < 0.85 && model.size > 0) {
        const k = pick(r, [...model.keys()]);
        const e = model.get(k)!;
        expect(list.remove(e.namespace, e.name)).toBe(true);
        model.delete(k);
      } else {
        expect(list.remove('zz', `absent-${step}`)).toBe(false);
      }
      if (step % 500 === 0) expect(toArray(list)).toEqual([...model.values()].sort(cmp));
    }
    const expected = [...model.values()].sort(cmp);
    expect(toArray(list)).toEqual(expected);
    expect(list.size).toBe(expected.length);
    // the insert phase split chunks (3000 built in 6 chunks of 512, then ~5000 net inserts, mostly into "b")
    expect((list as unknown as { chunks: unknown[] }).chunks.length).toBeGreaterThan(6);
    // seeks: inclusive and exclusive, existing and absent keys
    for (let i = 0; i < 200; i++) {
      const probe = i % 2 === 0 ? pick(r, expected) : { namespace: pick(r, ['a', 'b', 'c', '', 'bb']), name: `m${Math.floor(r() * 2000)}`, v: 0 };
      for (const exclusive of [false, true]) {
        const want = expected.filter((e) => {
          const c = cmp(e, probe);
          return exclusive ? c > 0 : c >= 0;
        });
        expect(fromPosition(list, probe.namespace, probe.name, exclusive)).toEqual(want);
      }
    }
  });

  it('handles the empty list', () => {
    const list = new SortedRecords<E>();
    expect(list.remove('a', 'b')).toBe(false);
    expect(list.replace({ namespace: 'a', name: 'b', v: 1 })).toBe(false);
    expect(fromPosition(list, 'a', 'b', false)).toEqual([]);
    list.insert({ namespace: 'a', name: 'b', v: 1 });
    expect(list.remove('a', 'b')).toBe(true);
    expect(toArray(list)).toEqual([]);
    expect(fromPosition(list, '', '', false)).toEqual([]);
  });
});

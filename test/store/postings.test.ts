import { describe, expect, it } from 'vitest';
import { Postings } from '../../src/store/postings.js';

describe('Postings', () => {
  it('holds one id, then many, then none; the posting key is the first string added', () => {
    const p = new Postings<string>();
    const key = 'uid-1';
    const posting = p.add(key, 5);
    expect(posting.key).toBe(key);
    expect(p.add('uid-1'.slice(0), 5).size, 'the same id twice is one').toBe(1);
    p.add('uid-1', 3);
    p.add('uid-1', 9);
    expect(p.ids('uid-1')).toEqual([3, 5, 9]);
    expect(p.get('uid-1')).toBe(posting);
    p.remove('uid-1', 5);
    p.remove('uid-1', 42);
    expect(p.ids('uid-1')).toEqual([3, 9]);
    p.remove('uid-1', 3);
    p.remove('uid-1', 9);
    expect(p.get('uid-1'), 'an empty posting is forgotten').toBeUndefined();
    expect(p.size).toBe(0);
  });

  it('a single-id posting keeps its extra data and is dropped when its id goes', () => {
    const p = new Postings<string>();
    p.add('node-a', 1).extra = 'anchor';
    expect(p.get('node-a')?.extra).toBe('anchor');
    expect(p.ids('node-a')).toEqual([1]);
    p.remove('node-a', 2);
    expect(p.ids('node-a')).toEqual([1]);
    p.remove('node-a', 1);
    expect(p.ids('node-a')).toEqual([]);
    expect(p.size).toBe(0);
    p.add('node-a', 7);
    expect(p.get('node-a')?.extra, 'a new posting starts without extra data').toBeUndefined();
  });
});

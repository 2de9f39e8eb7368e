import { describe, expect, it } from 'vitest';
import { LabelSetInterner } from '../../src/store/labelSets.js';

describe('LabelSetInterner', () => {
  it('equal maps share one frozen set whatever their key order; the set is forgotten with its last reference', () => {
    const i = new LabelSetInterner();
    const a = i.acquire({ app: 'web', tier: 'fe' });
    const b = i.acquire({ tier: 'fe', app: 'web' });
    expect(b).toBe(a);
    expect(Object.isFrozen(a.labels)).toBe(true);
    expect(a.labels).toEqual({ app: 'web', tier: 'fe' });
    expect(i.acquire({ app: 'web' })).not.toBe(a);
    expect(i.size).toBe(2);
    i.release(a);
    i.release(b);
    expect(i.size).toBe(1);
    expect(i.acquire({ app: 'web', tier: 'fe' })).not.toBe(a);
  });

  it('a hint is used only when equal and still interned', () => {
    const i = new LabelSetInterner();
    const a = i.acquire({ app: 'web', tier: 'fe' });
    expect(i.acquire({ tier: 'fe', app: 'web' }, a)).toBe(a);
    expect(a.refs).toBe(2);
    const other = i.acquire({ app: 'web', tier: 'be' }, a);
    expect(other).not.toBe(a);
    expect(other.labels).toEqual({ app: 'web', tier: 'be' });
    expect(i.acquire({ app: 'web' }, a).labels).toEqual({ app: 'web' });
    expect(i.acquire({ app: 'web', tier: 'fe', extra: 'x' }, a).labels).toEqual({ app: 'web', tier: 'fe', extra: 'x' });
    // a released (forgotten) hint is not resurrected
    i.release(a);
    i.release(a);
    const fresh = i.acquire({ app: 'web', tier: 'fe' }, a);
    expect(fresh).not.toBe(a);
    expect(i.acquire({ app: 'web', tier: 'fe' })).toBe(fresh);
  });

  it('empty, missing and non-string values', () => {
    const i = new LabelSetInterner();
    const e = i.acquire(undefined);
    expect(i.acquire({})).toBe(e);
    expect(i.acquire(null, e)).toBe(e);
    expect(i.acquire({ a: 1 as unknown as string })).toBe(e);
    expect(i.acquire({ a: 'x', b: 2 as unknown as string }).labels).toEqual({ a: 'x' });
  });
});

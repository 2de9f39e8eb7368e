import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { crc32 } from 'node:zlib';
import { RedisKeys } from '../../src/cache/keys.js';
import { LeaseManager } from '../../src/cache/leaseManager.js';
import { RedisLink } from '../../src/cache/redisLink.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { waitUntil } from '../helpers/wait.js';
import { memoryLogger } from './support/cacheHarness.js';

const TTL = 900;
let redis: TestRedis;
const cleanups: Array<() => Promise<void> | void> = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Replica {
  id: string;
  leases: LeaseManager;
  link: RedisLink;
  held: Set<string>;
  handoffs: string[];
  elsewhere: Map<string, string>;
}

async function replica(id: string, prefix: string, clusters: string[], opts: { releaseOnHandoff?: boolean } = {}): Promise<Replica> {
  const log = memoryLogger();
  const link = new RedisLink({ url: redis.url, connectTimeoutMs: 1000, commandTimeoutMs: 2000, maxBlockMs: 1000, log: log.log, name: id });
  expect(await link.connect(3000)).toBe(true);
  const r: Replica = { id, link, held: new Set(), handoffs: [], elsewhere: new Map(), leases: undefined as unknown as LeaseManager };
  r.leases = new LeaseManager({
    link,
    keys: new RedisKeys(prefix),
    replicaId: id,
    ttlMs: TTL,
    log: log.log,
    onAcquired: (c) => r.held.add(c),
    onLost: (c) => r.held.delete(c),
    onHandoff: (c) => {
      r.handoffs.push(c);
      if (opts.releaseOnHandoff) void r.leases.release(c).then(() => r.held.delete(c));
    },
    onHeldElsewhere: (c, holder) => r.elsewhere.set(c, holder),
  });
  link.sub.on('message', (channel) => channel === `${prefix}leases:released` && r.leases.nudge());
  await link.sub.subscribe(`${prefix}leases:released`);
  r.leases.start();
  for (const c of clusters) r.leases.track(c);
  cleanups.push(async () => {
    await r.leases.close();
    await link.close();
  });
  return r;
}

/** A cluster id whose preferred replica (rendezvous hashing) is `want` among `ids`. */
function preferredBy(want: string, ids: string[], prefix: string): string {
  for (let i = 0; ; i++) {
    const c = `${prefix}-${i}`;
    const best = [...ids].sort((x, y) => crc32(`${c}|${y}`) - crc32(`${c}|${x}`))[0];
    if (best === want) return c;
  }
}

describe('owner leases', () => {
  it('exactly one holder per cluster; the holder renews; a free lease is taken, a held one is not', async () => {
    const a = await replica('a', 'l1:', ['c1', 'c2']);
    await waitUntil(() => a.held.size === 2, 'a to hold both');
    const b = await replica('b', 'l1:', ['c1', 'c2']);
    await new Promise((r) => setTimeout(r, TTL * 2)); // several renewal rounds
    expect([...a.held].sort()).toEqual(['c1', 'c2']);
    expect(b.held.size).toBe(0);
    expect(b.elsewhere.get('c1')).toBe('a');
    expect(await a.link.cmd.get('l1:lease:c1')).toBe('a');
    expect(await a.link.cmd.pttl('l1:lease:c1')).toBeGreaterThan(0);
  });

  it('an owner that stops renewing is replaced as soon as its lease expires (within the TTL of its last renewal)', async () => {
    const a = await replica('a', 'l2:', ['c1']);
    await waitUntil(() => a.held.has('c1'), 'a to hold c1');
    const b = await replica('b', 'l2:', ['c1']);
    await waitUntil(() => b.elsewhere.has('c1'), 'b to see a holding c1');
    // "Crash": a is cut off from redis (no renewal, no release).
    const pttl = await a.link.cmd.pttl('l2:lease:c1');
    const expiresAt = Date.now() + pttl;
    await a.link.close();
    await waitUntil(() => b.held.has('c1'), 'b to take over', TTL * 4, 5);
    const at = Date.now();
    expect(at).toBeGreaterThanOrEqual(expiresAt - 20);
    expect(at - expiresAt).toBeLessThanOrEqual(300);
    expect(await b.link.cmd.get('l2:lease:c1')).toBe('b');
  });

  it('spreads clusters over replicas: a holder hands its preferred replica the cluster once that one has been live for a TTL', async () => {
    const forB = preferredBy('b', ['a', 'b'], 'spread');
    const forA = preferredBy('a', ['a', 'b'], 'spread');
    const a = await replica('a', 'l3:', [forA, forB], { releaseOnHandoff: true });
    await waitUntil(() => a.held.size === 2, 'a alone holds both');
    const joinedAt = Date.now();
    const b = await replica('b', 'l3:', [forA, forB]);
    await waitUntil(() => b.held.has(forB), 'b to get its share', TTL * 6);
    expect(Date.now() - joinedAt).toBeGreaterThanOrEqual(TTL - 100);
    expect(a.handoffs).toEqual([forB]);
    expect([...a.held]).toEqual([forA]);
    expect([...b.held]).toEqual([forB]);
    await new Promise((r) => setTimeout(r, TTL * 2));
    expect([...a.held]).toEqual([forA]);
    expect([...b.held]).toEqual([forB]);
  });

  it('close releases the leases at once: another replica takes them without waiting for the TTL', async () => {
    const a = await replica('a', 'l4:', ['c1']);
    await waitUntil(() => a.held.has('c1'), 'a to hold c1');
    const b = await replica('b', 'l4:', ['c1']);
    await waitUntil(() => b.elsewhere.has('c1'), 'b to see a');
    const t = Date.now();
    await a.leases.close();
    await waitUntil(() => b.held.has('c1'), 'b to take c1', TTL * 3, 5);
    expect(Date.now() - t).toBeLessThan(TTL / 2);
  });
});

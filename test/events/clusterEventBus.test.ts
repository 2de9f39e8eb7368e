import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ClusterRegistry, type ClusterEvent } from '../../src/clusters/registry.js';
import { loadConfig } from '../../src/config/index.js';
import { ClusterEventBus, type ClusterEventSource } from '../../src/events/clusterEventBus.js';
import { freePort } from '../helpers/ports.js';
import { take, nextWithin } from './support/iterate.js';

interface RegistryEvent {
  type: 'ADDED' | 'REMOVED' | 'STATUS_CHANGED';
  clusterId: string;
  cluster?: { clusterId: string; status: string };
  at: number;
}

/** A stand-in for the cluster registry's onEvent (the registry is a colleague's module). */
function registry(): ClusterEventSource<RegistryEvent> & { emit(e: RegistryEvent): void; listeners: number } {
  const listeners = new Set<(e: RegistryEvent) => void>();
  return {
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(e) {
      for (const l of listeners) l(e);
    },
    get listeners() {
      return listeners.size;
    },
  };
}

const ev = (type: RegistryEvent['type'], clusterId: string, status = 'READY'): RegistryEvent => ({ type, clusterId, cluster: type === 'REMOVED' ? undefined : { clusterId, status }, at: Date.now() });

describe('ClusterEventBus', () => {
  it('carries the real cluster registry\'s events (added, unreachable, removed) to every subscriber', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeatlas-events-'));
    const registry = new ClusterRegistry({ config: loadConfig({ argv: [], env: {}, cwd: dir }), health: { initialBackoffMs: 60_000 } });
    await registry.start();
    const bus = new ClusterEventBus<ClusterEvent>(registry);
    try {
      const a = bus.subscribe();
      const b = bus.subscribe();
      const port = await freePort(); // nothing listens there: the cluster becomes UNREACHABLE
      const token = 'sekret-token-value-123';
      await registry.add({ clusterId: 'edge-1', authMethod: 'TOKEN', server: `https://127.0.0.1:${port}`, token, timeoutSeconds: 2 }, { waitForReady: true });
      await registry.remove('edge-1');
      const seen = async (sub: typeof a) => {
        const events: ClusterEvent[] = [];
        while (events.at(-1)?.type !== 'REMOVED') events.push(...(await take(sub, 1, 10_000)));
        return events;
      };
      const [fromA, fromB] = await Promise.all([seen(a), seen(b)]);
      expect(fromA).toEqual(fromB);
      expect(fromA[0]).toMatchObject({ type: 'ADDED', clusterId: 'edge-1' });
      expect(fromA.some((e) => e.type === 'STATUS_CHANGED' && e.cluster?.status === 'UNREACHABLE')).toBe(true);
      expect(fromA.at(-1)).toMatchObject({ type: 'REMOVED', clusterId: 'edge-1' });
      expect(JSON.stringify(fromA)).not.toContain(token);
    } finally {
      bus.close();
      await registry.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fans every registry event out to every subscriber, in order, unchanged', async () => {
    const reg = registry();
    const bus = new ClusterEventBus(reg);
    const subs = Array.from({ length: 50 }, () => bus.subscribe());
    const sent = [ev('ADDED', 'prod-1', 'CONNECTING'), ev('STATUS_CHANGED', 'prod-1', 'SYNCING'), ev('STATUS_CHANGED', 'prod-1', 'READY'), ev('REMOVED', 'prod-1')];
    sent.forEach((e) => reg.emit(e));
    for (const s of subs) expect(await take(s, 4)).toEqual(sent);
    expect(await nextWithin(subs[0], 20)).toBe('pending');
    bus.close();
    expect(reg.listeners).toBe(0);
  });

  it('cuts off a subscriber that does not read, after it drained its queue; the others go on', async () => {
    const reg = registry();
    const bus = new ClusterEventBus(reg, { queueSize: 10 });
    const stalled = bus.subscribe();
    const reader = bus.subscribe();
    const got: RegistryEvent[] = [];
    const reading = (async () => {
      for await (const e of reader) {
        got.push(e);
        if (got.length === 100) return;
      }
    })();
    for (let i = 0; i < 100; i++) {
      reg.emit(ev('STATUS_CHANGED', `c${i}`));
      if (i % 5 === 4) await tick();
    }
    await reading;
    expect(got.map((e) => e.clusterId)).toEqual(Array.from({ length: 100 }, (_, i) => `c${i}`));
    expect(stalled.queued).toBe(10);
    expect((await take(stalled, 10)).map((e) => e.clusterId)).toEqual(Array.from({ length: 10 }, (_, i) => `c${i}`));
    await expect(stalled.next()).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED', details: { queueSize: 10 } });
    expect(bus.subscriptions).toBe(0);
    bus.close();
  });

  it('limits subscriptions, and return()/abort release them at once', async () => {
    const reg = registry();
    const bus = new ClusterEventBus(reg, { maxSubscriptions: 2 });
    const ac = new AbortController();
    const a = bus.subscribe({ signal: ac.signal });
    const b = bus.subscribe();
    expect(() => bus.subscribe()).toThrow(expect.objectContaining({ code: 'LIMIT_EXCEEDED' }));
    const pending = a.next();
    ac.abort();
    expect(await pending).toEqual({ done: true, value: undefined });
    await b.return();
    expect(bus.subscriptions).toBe(0);
    for (let i = 0; i < 10_000; i++) bus.subscribe().close();
    expect(bus.subscriptions).toBe(0);
    const c = bus.subscribe();
    bus.close();
    expect(await c.next()).toEqual({ done: true, value: undefined });
    expect(reg.listeners).toBe(0);
  });
});

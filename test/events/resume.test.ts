import { setImmediate as tick } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/events/cursor.js';
import { EventBus } from '../../src/events/eventBus.js';
import { MAX_EVICTED_SCOPES } from '../../src/events/eventHistory.js';
import type { BusEvent, Subscription } from '../../src/events/types.js';
import { KubeatlasError } from '../../src/util/errors.js';
import { POD, createCatalog, filterOf, pod, type TestCatalog } from './support/catalog.js';
import { take } from './support/iterate.js';

const key = (e: BusEvent) => `${e.cursor} ${e.type} ${e.record.name}@${e.record.resourceVersion}`;

function expectResync(fn: () => unknown, reason: string): KubeatlasError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(KubeatlasError);
  const err = caught as KubeatlasError;
  expect(err.code).toBe('RESYNC_REQUIRED');
  expect(err.details.reason).toBe(reason);
  expect(err.message).toMatch(/list the resources again/);
  return err;
}

/** Churns 30 pods whose `app` label flips in and out of the filter; ends with a marker pod. */
async function produce(catalog: TestCatalog, rounds: number): Promise<void> {
  const live = new Set<string>();
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < 30; i++) {
      if (i % 10 === 0) await tick(); // let consumers run between bursts of 10 changes
      const name = `p${i}`;
      const app = Math.floor((r + i) / 2) % 2 === 0 ? 'web' : 'api'; // two rounds in, two rounds out
      if ((r * 7 + i) % 11 === 0 && live.has(name)) {
        catalog.apply('c1', POD, 'DELETED', pod(name, { labels: { app } }));
        live.delete(name);
      } else {
        catalog.apply('c1', POD, live.has(name) ? 'MODIFIED' : 'ADDED', pod(name, { labels: { app } }));
        live.add(name);
      }
    }
  }
  catalog.apply('c1', POD, 'ADDED', pod('marker', { labels: { app: 'web' } }));
}

/**
 * Reads until the marker pod arrives, or until `out` holds `stopAfter` events
 * (then leaves: for-await calls return()). From its `slowFrom`th to its
 * `slowUntil`th event it yields to the producer after every event (a slow client).
 */
async function readUntilMarker(
  sub: Subscription<BusEvent>,
  out: BusEvent[],
  opts: { stopAfter?: number; slowFrom?: number; slowUntil?: number } = {},
): Promise<void> {
  let n = 0;
  for await (const e of sub) {
    out.push(e);
    if (e.record.name === 'marker') return;
    if (opts.stopAfter !== undefined && out.length >= opts.stopAfter) return;
    n++;
    if (opts.slowFrom !== undefined && n > opts.slowFrom && n <= (opts.slowUntil ?? Infinity)) await tick();
  }
}

describe('EventBus resume with since', () => {
  const buses: EventBus[] = [];
  afterEach(() => buses.splice(0).forEach((b) => b.close()));

  it('a client that disconnects mid-stream (or is cut off as too slow) and resumes receives exactly what a client that stayed received', async () => {
    const catalog = createCatalog();
    const bus = new EventBus(catalog.store);
    buses.push(bus);
    const filter = filterOf({ labelSelector: 'app=web' });

    const steady: BusEvent[] = [];
    const steadyDone = readUntilMarker(bus.subscribe(filter), steady);

    // A slow client with a small queue: it leaves on its own now and then, and
    // is cut off with LIMIT_EXCEEDED when it falls behind; each time it resumes
    // from the cursor of the last event it got, replaying while changes keep coming.
    const resumed: BusEvent[] = [];
    const outcomes = { voluntary: 0, cutOff: 0 };
    const resumer = (async () => {
      let since: string | undefined;
      for (let session = 0; session < 1000; session++) {
        const sub = bus.subscribe(filter, { queueSize: 32, ...(since === undefined ? {} : { since }) });
        const before = resumed.length;
        try {
          const pace = [
            { stopAfter: before + 150 + (session % 5) * 13 }, // fast, then leaves
            { slowFrom: 40, slowUntil: 50, stopAfter: before + 150 }, // slow once live: cut off
            { slowFrom: 3, slowUntil: 20, stopAfter: before + 150 }, // slow while replaying, as changes keep coming
          ][session % 3];
          await readUntilMarker(sub, resumed, pace);
          if (resumed.at(-1)?.record.name === 'marker') return;
          outcomes.voluntary++;
        } catch (e) {
          expect(e).toMatchObject({ code: 'LIMIT_EXCEEDED', details: { lastCursor: resumed.at(-1)?.cursor } });
          outcomes.cutOff++;
        }
        expect(sub.closed).toBe(true);
        since = resumed.at(-1)?.cursor;
        for (let i = 0; i <= session % 5; i++) await tick(); // stay away while the producer goes on
      }
      throw new Error('resumer never saw the marker');
    })();

    await produce(catalog, 120);
    await Promise.all([resumer, steadyDone]);
    expect(outcomes.voluntary).toBeGreaterThan(3);
    expect(outcomes.cutOff).toBeGreaterThan(3);
    expect(steady.length).toBeGreaterThan(600);
    expect(resumed.map(key)).toEqual(steady.map(key));
    // the transform happened in replay too
    expect(new Set(steady.map((e) => e.type))).toEqual(new Set(['ADDED', 'MODIFIED', 'DELETED']));
  });

  it('replays more than a queue holds (replay reads the history lazily), then continues live', async () => {
    const catalog = createCatalog();
    const bus = new EventBus(catalog.store, { queueSize: 10 });
    buses.push(bus);
    const since = bus.headCursor;
    for (let i = 0; i < 500; i++) catalog.apply('c1', POD, 'ADDED', pod(`p${i}`));
    const sub = bus.subscribe(filterOf(), { since });
    const replayed = await take(sub, 500);
    expect(replayed.map((e) => e.record.name)).toEqual(Array.from({ length: 500 }, (_, i) => `p${i}`));
    catalog.apply('c1', POD, 'ADDED', pod('live'));
    const [live] = await take(sub, 1);
    expect(live.record.name).toBe('live');
    expect(bus.stats().live).toBe(1);
  });

  it('resuming from the newest cursor delivers nothing old; from headCursor before a burst delivers the burst', async () => {
    const catalog = createCatalog();
    const bus = new EventBus(catalog.store);
    buses.push(bus);
    catalog.apply('c1', POD, 'ADDED', pod('old'));
    const head = bus.headCursor;
    catalog.apply('c1', POD, 'ADDED', pod('new'));
    const a = bus.subscribe(filterOf(), { since: head });
    const b = bus.subscribe(filterOf(), { since: bus.headCursor });
    catalog.apply('c1', POD, 'ADDED', pod('newer'));
    expect((await take(a, 2)).map((e) => e.record.name)).toEqual(['new', 'newer']);
    expect((await take(b, 1)).map((e) => e.record.name)).toEqual(['newer']);
  });

  it('rejects malformed, foreign, too-old and future cursors with RESYNC_REQUIRED before any stream exists', () => {
    const catalog = createCatalog();
    const bus = new EventBus(catalog.store, { historySize: 5 });
    buses.push(bus);
    const first = bus.headCursor;
    for (let i = 0; i < 20; i++) catalog.apply('c1', POD, 'ADDED', pod(`p${i}`));
    for (const bad of ['', 'garbage', 'abc.def', `${bus.epoch}.zz`, `${bus.epoch}.-0000000001`, 'x'.repeat(500), `${bus.epoch}.${'9'.repeat(11)}!`]) {
      expectResync(() => bus.subscribe(filterOf(), { since: bad }), 'malformed');
    }
    // another incarnation (a restarted process) issued it
    const restarted = new EventBus(catalog.store);
    buses.push(restarted);
    expectResync(() => restarted.subscribe(filterOf(), { since: bus.headCursor }), 'unknown-epoch');
    expectResync(() => bus.subscribe(filterOf(), { since: encodeCursor('otherEpoch', 3) }), 'unknown-epoch');
    // older than the 5 retained events: 14 is the oldest resumable position (15..20 retained)
    expectResync(() => bus.subscribe(filterOf(), { since: first }), 'expired');
    expectResync(() => bus.subscribe(filterOf(), { since: encodeCursor(bus.epoch, 14) }), 'expired');
    expect(bus.stats().oldestResumableCursor).toBe(encodeCursor(bus.epoch, 15));
    bus.subscribe(filterOf(), { since: encodeCursor(bus.epoch, 15) }).close();
    // ahead of what this bus issued
    expectResync(() => bus.subscribe(filterOf(), { since: encodeCursor(bus.epoch, 21) }), 'ahead');
    expect(bus.stats().subscriptions).toBe(0);
  });

  it('a quiet, narrow subscription resumes from a cursor older than the history when nothing it could match left it', async () => {
    const catalog = createCatalog();
    const bus = new EventBus(catalog.store, { historySize: 10 });
    buses.push(bus);
    catalog.apply('c1', POD, 'ADDED', pod('pay-1', { namespace: 'payments' }));
    const quiet = bus.headCursor; // the payments subscriber's last event
    for (let i = 0; i < 40; i++) catalog.apply('c1', POD, 'ADDED', pod(`busy-${i}`, { namespace: 'busy' }));
    // the history holds busy-30..39 only; nothing of payments left it after `quiet`
    const payments = bus.subscribe(filterOf({ namespaces: ['payments'] }), { since: quiet });
    catalog.apply('c1', POD, 'ADDED', pod('pay-2', { namespace: 'payments' }));
    expect((await take(payments, 1)).map((e) => e.record.name)).toEqual(['pay-2']);
    payments.close();
    // a filter that could have matched what left (all namespaces, or busy) must relist
    expectResync(() => bus.subscribe(filterOf(), { since: quiet }), 'expired');
    expectResync(() => bus.subscribe(filterOf({ namespaces: ['busy', 'payments'] }), { since: quiet }), 'expired');
    // other clusters and kinds are other scopes
    const elsewhere = bus.subscribe(filterOf({ clusters: ['c2'] }), { since: quiet });
    elsewhere.close();
    const configMaps = bus.subscribe(filterOf({ kinds: ['ConfigMap'] }), { since: quiet });
    configMaps.close();
    // once a payments event has left the history too, the old cursor is refused for payments
    for (let i = 0; i < 15; i++) catalog.apply('c1', POD, 'ADDED', pod(`busy-more-${i}`, { namespace: 'busy' }));
    expectResync(() => bus.subscribe(filterOf({ namespaces: ['payments'] }), { since: quiet }), 'expired');
  });

  it('past MAX_EVICTED_SCOPES scopes everything dropped so far counts as dropped everywhere (conservative)', () => {
    const catalog = createCatalog();
    const bus = new EventBus(catalog.store, { historySize: 1 });
    buses.push(bus);
    const start = bus.headCursor;
    catalog.apply('c1', POD, 'ADDED', pod('first', { namespace: 'ns-first' }));
    for (let i = 0; i < MAX_EVICTED_SCOPES - 1; i++) catalog.apply('c1', POD, 'ADDED', pod(`p${i}`, { namespace: `ns-${i}` }));
    // MAX_EVICTED_SCOPES - 1 scopes have dropped an event: still judged by scope
    bus.subscribe(filterOf({ namespaces: ['quiet'] }), { since: start }).close();
    expectResync(() => bus.subscribe(filterOf({ namespaces: ['ns-first'] }), { since: start }), 'expired');
    catalog.apply('c1', POD, 'ADDED', pod('one-more', { namespace: 'ns-one-more' }));
    catalog.apply('c1', POD, 'ADDED', pod('and-another', { namespace: 'ns-and-another' }));
    // "quiet" never had an event, but the scopes were folded: no proof any more
    expectResync(() => bus.subscribe(filterOf({ namespaces: ['quiet'] }), { since: start }), 'expired');
    // after the fold, scopes count again
    const afterFold = bus.headCursor;
    for (let i = 0; i < 5; i++) catalog.apply('c1', POD, 'ADDED', pod(`late${i}`, { namespace: 'late' }));
    bus.subscribe(filterOf({ namespaces: ['quiet'] }), { since: afterFold }).close();
    expectResync(() => bus.subscribe(filterOf({ namespaces: ['late'] }), { since: afterFold }), 'expired');
  });

  it('a narrow replay is not ended by other scopes leaving the history meanwhile', async () => {
    const catalog = createCatalog();
    const bus = new EventBus(catalog.store, { historySize: 50, queueSize: 5 });
    buses.push(bus);
    const since = bus.headCursor;
    for (let i = 0; i < 20; i++) catalog.apply('c1', POD, 'ADDED', pod(`p${i}`, { namespace: i < 10 ? 'mine' : 'other' }));
    const sub = bus.subscribe(filterOf({ namespaces: ['mine'] }), { since });
    expect((await take(sub, 1)).map((e) => e.record.name)).toEqual(['p0']); // p0..p4 queued
    for (let i = 20; i < 100; i++) catalog.apply('c1', POD, 'ADDED', pod(`p${i}`, { namespace: 'other' })); // p5..p9 of mine pruned
    expect((await take(sub, 4)).map((e) => e.record.name)).toEqual(['p1', 'p2', 'p3', 'p4']);
    await expect(sub.next()).rejects.toMatchObject({ code: 'RESYNC_REQUIRED', details: { reason: 'replay-expired' } });

    // mine: q0..q4, then 30 of other, then q5, q6 (37 entries, all retained)
    const since2 = bus.headCursor;
    for (let i = 0; i < 5; i++) catalog.apply('c1', POD, 'ADDED', pod(`q${i}`, { namespace: 'mine' }));
    for (let i = 0; i < 30; i++) catalog.apply('c1', POD, 'ADDED', pod(`o${i}`, { namespace: 'other' }));
    for (let i = 5; i < 7; i++) catalog.apply('c1', POD, 'ADDED', pod(`q${i}`, { namespace: 'mine' }));
    const sub2 = bus.subscribe(filterOf({ namespaces: ['mine'] }), { since: since2 });
    expect((await take(sub2, 1)).map((e) => e.record.name)).toEqual(['q0']); // q0..q4 queued, the replay stopped after q4
    // 40 more of other: the 27 oldest entries leave (q0..q4 and 22 of other), q5 and q6 stay
    for (let i = 0; i < 40; i++) catalog.apply('c1', POD, 'ADDED', pod(`r${i}`, { namespace: 'other' }));
    catalog.apply('c1', POD, 'ADDED', pod('q-live', { namespace: 'mine' }));
    expect((await take(sub2, 7)).map((e) => e.record.name)).toEqual(['q1', 'q2', 'q3', 'q4', 'q5', 'q6', 'q-live']);
    sub2.close();
  });

  it('ends a replay that falls behind the history with RESYNC_REQUIRED after what it had queued', async () => {
    const catalog = createCatalog();
    const bus = new EventBus(catalog.store, { historySize: 50, queueSize: 5 });
    buses.push(bus);
    const since = bus.headCursor;
    for (let i = 0; i < 20; i++) catalog.apply('c1', POD, 'ADDED', pod(`p${i}`));
    const sub = bus.subscribe(filterOf(), { since });
    expect((await take(sub, 1)).map((e) => e.record.name)).toEqual(['p0']); // p0..p4 queued
    for (let i = 20; i < 100; i++) catalog.apply('c1', POD, 'ADDED', pod(`p${i}`)); // p5.. pruned
    expect((await take(sub, 4)).map((e) => e.record.name)).toEqual(['p1', 'p2', 'p3', 'p4']);
    await expect(sub.next()).rejects.toMatchObject({ code: 'RESYNC_REQUIRED', details: { reason: 'replay-expired' } });
    expect(await sub.next()).toEqual({ done: true, value: undefined });
    expect(bus.stats().subscriptions).toBe(0);
  });
});

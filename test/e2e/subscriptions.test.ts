import { connect } from 'node:net';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/kube/types.js';
import type { SimCluster } from '../../src/sim/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { waitUntil } from '../helpers/wait.js';
import { sseSubscribe, wsClient, wsSubscribe } from '../helpers/subscriptions.js';

interface Ev {
  type: string;
  cursor: string;
  resource: { name: string; namespace: string; resourceVersion: string; labels: Record<string, string> };
}

const SUB = `subscription($f: ResourceFilter, $since: String) { resourceEvents(filter: $f, since: $since) { type cursor resource { name namespace resourceVersion labels } } }`;

let t: TestApp;
let sim: SimCluster;
let ns: string;

function addedNames(events: Ev[]): number {
  return new Set(events.filter((e) => e.type === 'ADDED').map((e) => e.resource.name)).size;
}

function newPod(name: string, labels: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
}

beforeAll(async () => {
  t = await startTestApp({ clusters: [{ name: 'live', objects: 300, seed: 3 }], config: { limits: { subscriberQueueSize: 200, slowSubscriberTimeoutSeconds: 2 } } });
  sim = t.sims[0];
  ns = sim.store.list('namespaces').map((n) => n.metadata.name!).find((n) => !n.startsWith('kube-') && n !== 'default')!;
  await waitUntil(async () => (await t.gql<{ clusters: Array<{ status: string }> }>('{ clusters { status } }')).data?.clusters[0]?.status === 'READY', 'READY', 30_000);
});
afterAll(async () => t?.close());

describe('resourceEvents over SSE and graphql-ws', () => {
  it('delivers only matching events, live, over both transports; a label change moves an object in and out of the filter', async () => {
    const filter = { namespaces: [ns], kinds: ['Pod'], labelSelector: 'team=e2e' };
    const sse = sseSubscribe<Ev>(t.url, SUB, { f: filter });
    const client = wsClient(t.url);
    const ws = wsSubscribe<Ev>(client, SUB, { f: filter });
    await sse.ready;
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    sim.store.create('pods', newPod('sub-a', { team: 'e2e' }));
    sim.store.create('pods', newPod('sub-other', { team: 'other' })); // never matches
    await waitUntil(() => sse.events.length >= 1 && ws.events.length >= 1, 'ADDED on both transports', 5_000, 10);
    expect(Date.now() - t0).toBeLessThan(1_000);
    sim.store.mutate('pods', ns, 'sub-a', (p) => void (p.metadata.labels = { team: 'gone' })); // stops matching: DELETED
    sim.store.mutate('pods', ns, 'sub-other', (p) => void (p.metadata.labels = { team: 'e2e' })); // starts matching: ADDED
    sim.store.mutate('pods', ns, 'sub-other', (p) => void (p.metadata.labels = { team: 'e2e', x: 'y' })); // still matches: MODIFIED
    sim.store.delete('pods', ns, 'sub-other');
    // The simulated scheduler and kubelet also modify new pods (MODIFIED events of their own):
    // compare the membership transitions, and find our own label change as a MODIFIED.
    const expected = ['ADDED sub-a', 'DELETED sub-a', 'ADDED sub-other', 'DELETED sub-other'];
    const transitions = (r: { events: Ev[] }) => r.events.filter((e) => e.type !== 'MODIFIED').map((e) => `${e.type} ${e.resource.name}`);
    await waitUntil(() => transitions(sse).length >= 4 && transitions(ws).length >= 4, 'four transitions on both', 5_000, 10);
    expect(transitions(sse)).toEqual(expected);
    expect(transitions(ws)).toEqual(expected);
    expect(sse.events.some((e) => e.type === 'MODIFIED' && e.resource.name === 'sub-other' && e.resource.labels.x === 'y')).toBe(true);
    // Nothing for objects outside the filter, and DELETED sub-a carries the last state that matched.
    expect(sse.events.find((e) => e.type === 'DELETED' && e.resource.name === 'sub-a')!.resource.labels).toEqual({ team: 'e2e' });
    expect(sse.events.map((e) => e.cursor)).toEqual(ws.events.map((e) => e.cursor));
    expect(sse.errors).toEqual([]);
    expect(ws.errors).toEqual([]);
    sse.close();
    ws.close();
    await client.dispose();
  });

  it('resumes after a 3 s disconnect during churn with no gap and no duplicate', async () => {
    const filter = { namespaces: [ns], kinds: ['Pod'], labelSelector: 'churn=e2e' };
    const steady = sseSubscribe<Ev>(t.url, SUB, { f: filter });
    let flaky = sseSubscribe<Ev>(t.url, SUB, { f: filter });
    await Promise.all([steady.ready, flaky.ready]);
    await new Promise((r) => setTimeout(r, 300));
    let i = 0;
    const churn = setInterval(() => {
      const n = i++;
      sim.store.create('pods', newPod(`churn-${n}`, { churn: 'e2e' }));
      if (n % 3 === 2) sim.store.delete('pods', ns, `churn-${n - 2}`);
    }, 20);
    try {
      await waitUntil(() => flaky.events.length >= 10, 'some events before the disconnect', 5_000);
      const held = [...flaky.events];
      flaky.close();
      await new Promise((r) => setTimeout(r, 3_000));
      flaky = sseSubscribe<Ev>(t.url, SUB, { f: filter, since: held.at(-1)!.cursor });
      await flaky.ready;
      await new Promise((r) => setTimeout(r, 1_000));
      clearInterval(churn);
      // Wait until the steady client has stopped receiving and the resumed one holds as many.
      let lastLength = -1;
      let stableSince = Date.now();
      await waitUntil(
        () => {
          if (steady.events.length !== lastLength) {
            lastLength = steady.events.length;
            stableSince = Date.now();
          }
          return Date.now() - stableSince > 1_000 && held.length + flaky.events.length >= steady.events.length;
        },
        'resumed client caught up',
        30_000,
        50,
      );
      const resumed = [...held, ...flaky.events].map((e) => `${e.type} ${e.resource.name} ${e.resource.resourceVersion}`);
      expect(resumed).toEqual(steady.events.map((e) => `${e.type} ${e.resource.name} ${e.resource.resourceVersion}`));
      expect(steady.events.length).toBeGreaterThan(150);
    } finally {
      clearInterval(churn);
      steady.close();
      flaky.close();
    }
  });

  it('answers BAD_USER_INPUT for a bad selector and RESYNC_REQUIRED for an unknown cursor, before any event', async () => {
    const bad = sseSubscribe<Ev>(t.url, SUB, { f: { labelSelector: 'a in b' } });
    await waitUntil(() => bad.done, 'stream ended', 5_000);
    expect((bad.errors[0] as { extensions: { code: string } }).extensions.code).toBe('BAD_USER_INPUT');
    const client = wsClient(t.url);
    const old = wsSubscribe<Ev>(client, SUB, { since: 'not-a-cursor' });
    await waitUntil(() => old.done || old.errors.length > 0, 'ws error', 5_000);
    expect(JSON.stringify(old.errors)).toContain('RESYNC_REQUIRED');
    await client.dispose();
  });

  it('cuts off a stalled SSE client, releasing its subscription, while others keep receiving everything', async () => {
    const filter = { namespaces: [ns], kinds: ['Pod'], labelSelector: 'flood=e2e' };
    const others = Array.from({ length: 20 }, () => sseSubscribe<Ev>(t.url, SUB, { f: filter }));
    await Promise.all(others.map((o) => o.ready));
    // A client that sends its request and never reads a byte of the answer.
    const url = new URL(t.url);
    const body = JSON.stringify({ query: `subscription { resourceEvents(filter: { labelSelector: "flood=e2e" }) { type resource { object } } }` });
    const stalled = connect({ host: url.hostname, port: Number(url.port) });
    stalled.on('error', () => {});
    await new Promise<void>((r) => stalled.once('connect', () => r()));
    stalled.write(`POST /graphql HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    stalled.pause();
    await waitUntil(() => t.app.events.stats().subscriptions >= 21, 'stalled subscription registered', 10_000);
    const total = 3_000;
    for (let n = 0; n < total; n++) {
      sim.store.create('pods', newPod(`flood-${n}`, { flood: 'e2e' }));
      if (n % 100 === 99) await new Promise((r) => setTimeout(r, 5));
    }
    await waitUntil(
      () => others.every((o) => addedNames(o.events) >= total) || others.some((o) => o.errors.length > 0),
      'every steady client got every event',
      30_000,
      50,
    ).catch((e: unknown) => {
      throw new Error(`${String(e)}: received ${others.map((o) => addedNames(o.events)).join(',')}; subscriptions ${t.app.events.stats().subscriptions}`);
    });
    await waitUntil(() => t.app.events.stats().subscriptions <= 20, 'stalled subscriber cut off', 20_000, 50);
    // The stalled client's subscription was released on the server (its queue, its listener, its
    // response): nothing keeps accumulating for it. Without response backpressure yoga would keep
    // pulling and buffering its events, and this wait would time out.
    const received = others.map((o) => ({ added: addedNames(o.events), cursors: o.events.map((e) => e.cursor) }));
    for (const [i, o] of others.entries()) {
      expect(o.errors).toEqual([]);
      expect(received[i].added).toBe(total);
      // Same events, same order, for every steady client (the scheduler's MODIFIEDs included).
      const n = Math.min(received[i].cursors.length, received[0].cursors.length);
      expect(received[i].cursors.slice(0, n)).toEqual(received[0].cursors.slice(0, n));
      o.close();
    }
    stalled.destroy();
    for (let n = 0; n < total; n++) sim.store.delete('pods', ns, `flood-${n}`);
  }, 90_000);

  it('a stalled WebSocket client stops taking events and is cut off, while others on their own connections receive everything', async () => {
    const filter = { namespaces: [ns], kinds: ['Pod'], labelSelector: 'wsflood=e2e' };
    const clients = Array.from({ length: 10 }, () => wsClient(t.url));
    const others = clients.map((c) => wsSubscribe<Ev>(c, SUB, { f: filter }));
    // A graphql-ws client that subscribes, then never reads again (its socket paused).
    const stalled = new WebSocket(t.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    stalled.on('error', () => {});
    await new Promise<void>((r) => stalled.once('open', () => r()));
    stalled.send(JSON.stringify({ type: 'connection_init' }));
    await new Promise<void>((r) => stalled.once('message', () => r())); // connection_ack
    stalled.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `subscription { resourceEvents(filter: { labelSelector: "wsflood=e2e" }) { type resource { object } } }` } }));
    await waitUntil(() => t.app.events.stats().subscriptions >= 11, 'all subscribed', 10_000);
    (stalled as unknown as { _socket: { pause(): void } })._socket.pause();
    const total = 3_000;
    for (let n = 0; n < total; n++) {
      sim.store.create('pods', newPod(`wsflood-${n}`, { wsflood: 'e2e', pad: 'x'.repeat(60) }));
      if (n % 100 === 99) await new Promise((r) => setTimeout(r, 5));
    }
    await waitUntil(() => others.every((o) => addedNames(o.events) >= total) || others.some((o) => o.errors.length > 0), 'every steady client got every event', 30_000, 50);
    // Cut off: its queue overflows (LIMIT_EXCEEDED, detached from the bus) and the connection is
    // terminated when it does not answer the keep-alive ping; its subscription is released.
    await waitUntil(() => t.app.events.stats().subscriptions <= 10, 'stalled WebSocket subscriber released', 40_000, 100);
    const cursors = others.map((o) => o.events.map((e) => e.cursor));
    for (const [i, o] of others.entries()) {
      expect(o.errors).toEqual([]);
      expect(addedNames(o.events)).toBe(total);
      const n = Math.min(cursors[i].length, cursors[0].length);
      expect(cursors[i].slice(0, n)).toEqual(cursors[0].slice(0, n));
      o.close();
    }
    stalled.terminate();
    await Promise.all(clients.map((c) => c.dispose()));
    for (let n = 0; n < total; n++) sim.store.delete('pods', ns, `wsflood-${n}`);
  }, 90_000);
});

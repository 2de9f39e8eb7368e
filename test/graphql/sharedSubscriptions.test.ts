import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/kube/types.js';
import type { SimCluster } from '../../src/sim/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { waitUntil } from '../helpers/wait.js';
import { sseSubscribe, wsClient, wsSubscribe, type Received } from '../helpers/subscriptions.js';

interface Ev {
  type: string;
  cursor: string;
  resource: { name: string; resourceVersion?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
}

const SMALL = `subscription($f: ResourceFilter) { resourceEvents(filter: $f) { type cursor resource { name resourceVersion } } }`;
const WIDE = `subscription($f: ResourceFilter) { resourceEvents(filter: $f) { type cursor resource { name labels annotations } } }`;

let t: TestApp;
let sim: SimCluster;
let ns: string;

async function metric(name: string, label: string): Promise<number> {
  const body = await (await fetch(t.url.replace(/\/graphql$/, '/metrics'))).text();
  const line = body.split('\n').find((l) => l.startsWith(`${name}{outcome="${label}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

beforeAll(async () => {
  t = await startTestApp({ clusters: [{ name: 'fan', objects: 100, seed: 5 }] });
  sim = t.sims[0];
  ns = sim.store.list('namespaces').map((n) => n.metadata.name!).find((n) => !n.startsWith('kube-') && n !== 'default')!;
  await waitUntil(async () => (await t.gql<{ clusters: Array<{ status: string }> }>('{ clusters { status } }')).data?.clusters[0]?.status === 'READY', 'READY', 30_000);
});
afterAll(async () => t?.close());

function newPod(name: string, labels: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels, annotations: { note: name } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
}

describe('many subscribers, identical and different subscriptions', () => {
  it('every subscriber gets exactly its events, in order, whether its selection and filter are shared or not', async () => {
    const inFilter = { namespaces: [ns], kinds: ['Pod'], labelSelector: 'fan=in' };
    const anyFan = { namespaces: [ns], kinds: ['Pod'], labelSelector: 'fan' };
    const client = wsClient(t.url);
    const subs: Array<{ name: string; r: Received<Ev> & { close(): void } }> = [];
    for (let i = 0; i < 6; i++) {
      subs.push({ name: `sse-small-in-${i}`, r: sseSubscribe<Ev>(t.url, SMALL, { f: inFilter }) });
      subs.push({ name: `ws-small-in-${i}`, r: wsSubscribe<Ev>(client, SMALL, { f: inFilter }) });
      subs.push({ name: `sse-wide-any-${i}`, r: sseSubscribe<Ev>(t.url, WIDE, { f: anyFan }) });
      subs.push({ name: `ws-wide-in-${i}`, r: wsSubscribe<Ev>(client, WIDE, { f: inFilter }) });
    }
    await waitUntil(() => t.app.events.stats().subscriptions >= subs.length, 'all subscribed', 10_000);
    const hitsBefore = await metric('kubeatlas_subscription_event_executions_total', 'shared_hit');

    const n = 200;
    for (let k = 0; k < n; k++) sim.store.create('pods', newPod(`fan-${k}`, { fan: k % 2 === 0 ? 'in' : 'out' }));
    // Half of them move: "out" ones come in (ADDED for fan=in), "in" ones go out (DELETED for fan=in).
    for (let k = 0; k < 20; k++) sim.store.mutate('pods', ns, `fan-${k}`, (p) => void (p.metadata.labels = { fan: k % 2 === 0 ? 'out' : 'in' }));
    for (let k = 0; k < n; k++) sim.store.delete('pods', ns, `fan-${k}`);

    // Every fan pod ends deleted: a subscriber is done once it saw a DELETED for each pod it was told about.
    const settled = (r: Received<Ev>) => {
      const live = new Set<string>();
      for (const e of r.events) {
        if (e.type === 'DELETED') live.delete(e.resource.name);
        else live.add(e.resource.name);
      }
      return r.events.length > 0 && live.size === 0;
    };
    await waitUntil(() => subs.every((s) => settled(s.r)), 'every subscriber saw every pod leave', 30_000, 20);
    const byName = new Map(subs.map((s) => [s.name, s.r]));

    for (const s of subs) expect(s.r.errors, s.name).toEqual([]);
    // Same filter: the same events in the same order (cursors), whatever the transport or selection.
    const inRef = byName.get('sse-small-in-0')!.events.map((e) => `${e.type} ${e.cursor}`);
    for (const s of subs.filter((x) => x.name.includes('-in-'))) expect(s.r.events.map((e) => `${e.type} ${e.cursor}`), s.name).toEqual(inRef);
    const anyRef = byName.get('sse-wide-any-0')!.events.map((e) => `${e.type} ${e.cursor}`);
    for (const s of subs.filter((x) => x.name.includes('-any-'))) expect(s.r.events.map((e) => `${e.type} ${e.cursor}`), s.name).toEqual(anyRef);
    // Cursors strictly increase within a stream (no duplicate, no reordering).
    for (const s of subs) {
      const seqs = s.r.events.map((e) => e.cursor);
      expect(new Set(seqs).size, s.name).toBe(seqs.length);
    }

    // fan=in: the 100 "in" pods plus the 10 that moved in were ADDED; the 10 that moved out were DELETED
    // when they left, the rest when deleted; membership transitions only (the simulator adds MODIFIEDs).
    const transitions = inRef.filter((e) => !e.startsWith('MODIFIED'));
    expect(transitions.filter((e) => e.startsWith('ADDED'))).toHaveLength(110);
    expect(transitions.filter((e) => e.startsWith('DELETED'))).toHaveLength(110);
    // The label selector "fan" matches every fan pod: 200 ADDED, 200 DELETED, and label changes are MODIFIED.
    const anyTransitions = anyRef.filter((e) => !e.startsWith('MODIFIED'));
    expect(anyTransitions.filter((e) => e.startsWith('ADDED'))).toHaveLength(n);
    expect(anyTransitions.filter((e) => e.startsWith('DELETED'))).toHaveLength(n);

    // Each selection carries its own fields.
    const small = byName.get('ws-small-in-3')!.events[0].resource;
    expect(Object.keys(small).sort()).toEqual(['name', 'resourceVersion']);
    const wide = byName.get('ws-wide-in-3')!.events[0].resource;
    expect(Object.keys(wide).sort()).toEqual(['annotations', 'labels', 'name']);
    expect(wide.annotations?.note).toBe(wide.name);
    const leaving = byName.get('sse-small-in-1')!.events.find((e) => e.type === 'DELETED' && e.resource.name === 'fan-0')!;
    expect(leaving).toBeDefined();

    // Identical subscriptions shared results rather than executing each event once per subscriber.
    expect(await metric('kubeatlas_subscription_event_executions_total', 'shared_hit')).toBeGreaterThan(hitsBefore);

    for (const s of subs) s.r.close();
    await client.dispose();
    await waitUntil(() => t.app.events.stats().subscriptions === 0, 'all released', 10_000);
  }, 60_000);
});

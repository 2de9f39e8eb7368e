import { describe, expect, it } from 'vitest';
import { createSimStore, isSimApiError, type SimChange } from '../../src/sim/index.js';
import type { KubeObject } from '../../src/kube/types.js';

const cm = (name: string, ns = 'demo', data: Record<string, string> = { k: 'v' }): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data });

function statusOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (e) {
    if (isSimApiError(e)) return e.code;
    throw e;
  }
  return undefined;
}

describe('SimStore', () => {
  it('hands out one cluster-wide resourceVersion per write and fills server fields', () => {
    const s = createSimStore();
    const a = s.create('configmaps', cm('a'));
    const d = s.create('apps/Deployment', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'demo' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25.3' }] } } },
    });
    expect(Number(a.metadata.resourceVersion)).toBe(1);
    expect(Number(d.metadata.resourceVersion)).toBe(2);
    expect(s.resourceVersion).toBe(2);
    expect(a.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(a.metadata.generation).toBeUndefined();
    expect(d.metadata.generation).toBe(1);
    expect((a.metadata.managedFields as Array<{ manager: string }>)[0].manager).toBe('kubeatlas-sim');
    // Defaults kubeatlas relies on.
    const spec = d.spec as { replicas: number; strategy: { type: string }; template: { spec: { containers: Array<{ imagePullPolicy: string }>; restartPolicy: string } } };
    expect(spec.replicas).toBe(1);
    expect(spec.strategy.type).toBe('RollingUpdate');
    expect(spec.template.spec.containers[0].imagePullPolicy).toBe('IfNotPresent');
    expect(spec.template.spec.restartPolicy).toBe('Always');
    expect(s.get('ConfigMap', 'demo', 'a')?.data).toEqual({ k: 'v' });
  });

  it('rejects duplicates and stale updates with the apiserver errors', () => {
    const s = createSimStore();
    const a = s.create('configmaps', cm('a'));
    expect(statusOf(() => s.create('configmaps', cm('a')))).toBe(409);
    const updated = s.update('configmaps', { ...a, data: { k: 'v2' } });
    expect(Number(updated.metadata.resourceVersion)).toBe(2);
    expect(statusOf(() => s.update('configmaps', { ...a, data: { k: 'v3' } }))).toBe(409);
    expect(statusOf(() => s.update('configmaps', cm('missing')))).toBe(404);
  });

  it('bumps generation only when the spec changes', () => {
    const s = createSimStore();
    const d = s.create('deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'demo' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } },
    });
    const s1 = s.mutate('deployments', 'demo', 'web', (o) => ((o.status as Record<string, unknown>) = { replicas: 1 }))!;
    expect(s1.metadata.generation).toBe(1);
    const s2 = s.mutate('deployments', 'demo', 'web', (o) => ((o.spec as { replicas: number }).replicas = 3))!;
    expect(s2.metadata.generation).toBe(2);
    expect(Number(s2.metadata.resourceVersion)).toBeGreaterThan(Number(d.metadata.resourceVersion));
  });

  it('skips no-op writes: no new resourceVersion, no event', () => {
    const s = createSimStore();
    s.create('configmaps', cm('a'));
    const seen: SimChange[] = [];
    s.onChange((c) => seen.push(c));
    const before = s.resourceVersion;
    s.mutate('configmaps', 'demo', 'a', () => {});
    expect(s.resourceVersion).toBe(before);
    expect(seen).toHaveLength(0);
  });

  it('delivers changes in resourceVersion order even when a listener writes', () => {
    const s = createSimStore();
    const seen: Array<[string, string, number]> = [];
    s.onChange((c) => {
      seen.push([c.type, c.object.metadata.name!, c.resourceVersion]);
      if (c.type === 'ADDED' && c.object.metadata.name === 'a') s.create('configmaps', cm('b'));
    });
    s.onChange((c) => seen.push([`second-${c.type}`, c.object.metadata.name!, c.resourceVersion]));
    s.create('configmaps', cm('a'));
    s.delete('configmaps', 'demo', 'a');
    expect(seen).toEqual([
      ['ADDED', 'a', 1],
      ['second-ADDED', 'a', 1],
      ['ADDED', 'b', 2],
      ['second-ADDED', 'b', 2],
      ['DELETED', 'a', 3],
      ['second-DELETED', 'a', 3],
    ]);
  });

  it('gives DELETED the final state at the deletion resourceVersion', () => {
    const s = createSimStore();
    s.create('configmaps', cm('a'));
    const gone = s.delete('configmaps', 'demo', 'a')!;
    expect(gone.metadata.resourceVersion).toBe('2');
    expect(s.get('configmaps', 'demo', 'a')).toBeUndefined();
    expect(s.delete('configmaps', 'demo', 'a')).toBeUndefined();
  });

  it('completes a deletion when the last finalizer goes', () => {
    const s = createSimStore();
    s.create('configmaps', { ...cm('f'), metadata: { name: 'f', namespace: 'demo', finalizers: ['example.com/keep'], deletionTimestamp: '2026-01-01T00:00:00Z' } });
    const seen: string[] = [];
    s.onChange((c) => seen.push(c.type));
    s.mutate('configmaps', 'demo', 'f', (o) => (o.metadata.finalizers = []));
    expect(seen).toEqual(['DELETED']);
    expect(s.get('configmaps', 'demo', 'f')).toBeUndefined();
  });

  it('reconstructs an older snapshot from the watch history and keeps key order', () => {
    const s = createSimStore();
    for (const n of ['c', 'a', 'b']) s.create('configmaps', cm(n));
    const rv = s.resourceVersion;
    s.create('configmaps', cm('aa'));
    s.mutate('configmaps', 'demo', 'b', (o) => (o.data = { k: 'changed' }));
    s.delete('configmaps', 'demo', 'c');
    const kind = s.kind('configmaps');
    const then = s.snapshotAt(kind, rv)!;
    expect(then.map((o) => o.name)).toEqual(['a', 'b', 'c']);
    expect(JSON.parse(then[1].json).data).toEqual({ k: 'v' });
    expect(s.currentSnapshot(kind).map((o) => o.name)).toEqual(['a', 'aa', 'b']);
  });

  it('bounds the history and moves the oldest resumable resourceVersion forward', () => {
    const s = createSimStore(undefined, { historySize: 3 });
    for (let i = 0; i < 5; i++) s.create('configmaps', cm(`c${i}`));
    const h = s.history(s.kind('configmaps'));
    expect(h.length).toBe(3);
    expect(h.startRv).toBe(2);
    expect(h.since(2).map((e) => e.rv)).toEqual([3, 4, 5]);
    expect(s.snapshotAt(s.kind('configmaps'), 1)).toBeUndefined();
  });

  it('bulk-loads objects with one resourceVersion each and sorted keys', () => {
    const s = createSimStore();
    const objs = Array.from({ length: 2000 }, (_, i) => ({ kind: 'configmaps', object: cm(`cm-${(i * 7919) % 2000}`, `ns-${i % 7}`) }));
    s.load(objs);
    expect(s.count('configmaps')).toBe(2000);
    expect(s.resourceVersion).toBe(2000);
    const keys = s.currentSnapshot(s.kind('configmaps')).map((o) => o.key);
    expect(keys).toEqual([...keys].sort());
    expect(s.list('configmaps', 'ns-3').every((o) => o.metadata.namespace === 'ns-3')).toBe(true);
  });

  it('resolves kinds by plural, Kind and group/Kind', () => {
    const s = createSimStore();
    expect(s.kind('pods').kind).toBe('Pod');
    expect(s.kind('Deployment').group).toBe('apps');
    expect(s.kind('events.k8s.io/Event').group).toBe('events.k8s.io');
    expect(s.kind('Event').group).toBe('');
    expect(s.kind('Widget').group).toBe('example.kubeatlas.io');
    expect(statusOf(() => s.kind('nope'))).toBe(404);
  });
});

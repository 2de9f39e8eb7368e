import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BUILTIN_KINDS, kindKey, type KindInfo } from '../../src/kube/kinds.js';
import type { KubeObject } from '../../src/kube/types.js';
import type { ResourceStore } from '../../src/store/resourceStore.js';
import type { ChangeEvent } from '../../src/store/types.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/real-apiserver/', import.meta.url));

/** A captured real object (objects/NAME.json, or store/NAME.json), freshly parsed. */
export function fixture(name: string, dir = 'objects'): KubeObject {
  return JSON.parse(readFileSync(`${FIXTURES}${dir}/${name}.json`, 'utf8')) as KubeObject;
}

/** A built-in KindInfo by kindKey ("Pod", "apps/Deployment"). */
export function kind(key: string): KindInfo {
  const k = BUILTIN_KINDS.find((x) => kindKey(x) === key);
  if (!k) throw new Error(`no built-in kind ${key}`);
  return k;
}

export const POD = kind('Pod');
export const CONFIGMAP = kind('ConfigMap');
export const DEPLOYMENT = kind('apps/Deployment');
export const NODE = kind('Node');
export const SECRET = kind('Secret');

/** Records every ChangeEvent of a store. */
export function recordEvents(store: ResourceStore): ChangeEvent[] {
  const events: ChangeEvent[] = [];
  store.onChange((e) => events.push(e));
  return events;
}

/** Compact view of events for assertions: "TYPE ns/name@rv (origin)". */
export function summary(events: readonly ChangeEvent[]): string[] {
  return events.map((e) => `${e.type} ${e.record.namespace ? `${e.record.namespace}/` : ''}${e.record.name}@${e.record.resourceVersion} (${e.origin})`);
}

export interface PodSpec {
  namespace?: string;
  name: string;
  uid?: string;
  rv?: string | number;
  labels?: Record<string, string>;
  node?: string;
  owners?: Array<{ uid: string; kind?: string; name?: string; controller?: boolean }>;
  phase?: string;
}

/** A small pod object with the fields the store indexes. */
export function pod(p: PodSpec): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.name,
      namespace: p.namespace ?? 'default',
      uid: p.uid ?? `uid-${p.namespace ?? 'default'}-${p.name}`,
      resourceVersion: String(p.rv ?? 1),
      creationTimestamp: '2026-11-23T13:51:14Z',
      ...(p.labels ? { labels: { ...p.labels } } : {}),
      ...(p.owners
        ? {
            ownerReferences: p.owners.map((o) => ({ apiVersion: 'apps/v1', kind: o.kind ?? 'ReplicaSet', name: o.name ?? 'rs', uid: o.uid, ...(o.controller ? { controller: true } : {}) })),
          }
        : {}),
    },
    spec: { containers: [{ name: 'main', image: 'busybox:1.36' }], ...(p.node ? { nodeName: p.node } : {}) },
    status: { phase: p.phase ?? 'Pending' },
  };
}

/** A seeded PRNG (mulberry32), so property tests are reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)];
}

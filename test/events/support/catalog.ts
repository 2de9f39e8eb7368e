import { randomBytes } from 'node:crypto';
import { BUILTIN_KINDS, kindKey, type KindInfo } from '../../../src/kube/kinds.js';
import type { KubeObject } from '../../../src/kube/types.js';
import { compileFilter } from '../../../src/store/filter.js';
import { ResourceStore } from '../../../src/store/resourceStore.js';
import type { CompiledFilter, ResourceFilterInput } from '../../../src/store/types.js';
import type { ReflectorSink } from '../../../src/watch/sink.js';

export const POD = BUILTIN_KINDS.find((k) => k.kind === 'Pod') as KindInfo;
export const CONFIGMAP = BUILTIN_KINDS.find((k) => k.kind === 'ConfigMap') as KindInfo;
export const DEPLOYMENT = BUILTIN_KINDS.find((k) => k.kind === 'Deployment') as KindInfo;

/**
 * The real ResourceStore, written the way a reflector writes it (one sink per
 * cluster and kind, `apply` per watch event) and read through `onChange`.
 */
export interface TestCatalog {
  store: ResourceStore;
  /** One live watch event for (cluster, kind). */
  apply(clusterId: string, kind: KindInfo, type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject): void;
  removeCluster(clusterId: string): void;
}

export function createCatalog(): TestCatalog {
  const store = new ResourceStore();
  const sinks = new Map<string, ReflectorSink>();
  return {
    store,
    apply(clusterId, kind, type, obj) {
      const key = `${clusterId}/${kindKey(kind)}`;
      let sink = sinks.get(key);
      if (!sink) sinks.set(key, (sink = store.sinkFor(clusterId, kind)));
      sink.apply(type, obj);
    },
    removeCluster(clusterId) {
      store.removeCluster(clusterId);
    },
  };
}

/** A user filter, compiled as the GraphQL layer compiles it. */
export function filterOf(input: ResourceFilterInput = {}): CompiledFilter {
  return compileFilter(input, BUILTIN_KINDS);
}

let rv = 1000;

/** A pod as a watch would deliver it; each call gets a fresh resourceVersion. `padding`: that many characters of incompressible annotation. */
export function pod(name: string, opts: { namespace?: string; labels?: Record<string, string>; crashing?: boolean; padding?: number } = {}): KubeObject {
  rv++;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: opts.namespace ?? 'default',
      uid: `uid-${opts.namespace ?? 'default'}-${name}`,
      resourceVersion: String(rv),
      labels: opts.labels ?? {},
      creationTimestamp: '2024-05-01T10:00:00Z',
      ...(opts.padding ? { annotations: { note: randomBytes(opts.padding).toString('base64').slice(0, opts.padding) } } : {}),
    },
    spec: { containers: [{ name: 'app', image: 'nginx:1.25' }], nodeName: 'node-1' },
    status: {
      phase: 'Running',
      containerStatuses: [
        opts.crashing
          ? { name: 'app', ready: false, restartCount: 5, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container' } } }
          : { name: 'app', ready: true, restartCount: 0, state: { running: { startedAt: '2024-05-01T10:00:05Z' } } },
      ],
    },
  };
}

export function configMap(name: string, namespace = 'default', data: Record<string, string> = {}): KubeObject {
  rv++;
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, uid: `uid-cm-${namespace}-${name}`, resourceVersion: String(rv) }, data };
}

import { BUILTIN_KINDS, kindKey, type KindInfo } from '../../../src/kube/kinds.js';
import type { KubeObject } from '../../../src/kube/types.js';
import type { ChangeEvent, ChangeListener, CompiledFilter, ResourceRecord } from '../../../src/store/types.js';
import { parseLabelSelector } from '../../../src/kube/labelSelector.js';
import type { ChangeSource } from '../../../src/events/types.js';

export const POD = BUILTIN_KINDS.find((k) => k.kind === 'Pod') as KindInfo;
export const CONFIGMAP = BUILTIN_KINDS.find((k) => k.kind === 'ConfigMap') as KindInfo;
export const DEPLOYMENT = BUILTIN_KINDS.find((k) => k.kind === 'Deployment') as KindInfo;

/**
 * What the tests drive: a catalog fed the way a reflector feeds the store
 * (sink.apply) and observed through onChange.
 *
 * TEMPORARY: a minimal in-test store until src/store's ResourceStore lands;
 * then this file builds the real store and writes through `sinkFor(...)`.
 */
export interface TestCatalog {
  source: ChangeSource;
  apply(clusterId: string, kind: KindInfo, type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject): void;
  removeCluster(clusterId: string): void;
}

export function createCatalog(): TestCatalog {
  const listeners = new Set<ChangeListener>();
  const records = new Map<string, ResourceRecord>();
  let nextId = 1;
  const emit = (e: ChangeEvent) => {
    for (const l of listeners) l(e);
  };
  return {
    source: {
      onChange(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    apply(clusterId, kind, type, obj) {
      const key = `${clusterId}/${kindKey(kind)}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
      const old = records.get(key);
      if (type === 'DELETED') {
        if (!old) return;
        records.delete(key);
        emit({ type, record: old, previous: old, object: undefined, at: Date.now(), origin: 'watch' });
        return;
      }
      if (old && old.resourceVersion === obj.metadata.resourceVersion) return;
      const record: ResourceRecord = Object.freeze({
        id: old?.id ?? nextId++,
        clusterId,
        kind,
        namespace: obj.metadata.namespace ?? '',
        name: obj.metadata.name ?? '',
        uid: obj.metadata.uid ?? '',
        resourceVersion: obj.metadata.resourceVersion ?? '',
        labels: Object.freeze({ ...(obj.metadata.labels ?? {}) }),
        creationTimestamp: obj.metadata.creationTimestamp ?? undefined,
        status: podStatus(obj),
        json: JSON.stringify(obj),
      });
      records.set(key, record);
      emit({ type: old ? 'MODIFIED' : 'ADDED', record, previous: old, object: obj, at: Date.now(), origin: 'watch' });
    },
    removeCluster(clusterId) {
      for (const [key, r] of [...records]) {
        if (r.clusterId !== clusterId) continue;
        records.delete(key);
        emit({ type: 'DELETED', record: r, previous: r, object: undefined, at: Date.now(), origin: 'removed' });
      }
    },
  };
}

function podStatus(obj: KubeObject): string | undefined {
  const status = obj.status as { phase?: string; containerStatuses?: Array<{ state?: { waiting?: { reason?: string } } }> } | undefined;
  const waiting = status?.containerStatuses?.find((c) => c.state?.waiting?.reason)?.state?.waiting?.reason;
  return waiting ?? status?.phase;
}

/** TEMPORARY: builds a CompiledFilter until src/store/filter.ts's compileFilter lands. */
export function filterOf(input: { clusters?: string[]; kinds?: KindInfo[]; namespaces?: string[]; labelSelector?: string; name?: string; nameContains?: string; status?: string } = {}): CompiledFilter {
  return {
    clusters: input.clusters ? new Set(input.clusters) : undefined,
    kindKeys: input.kinds ? new Set(input.kinds.map(kindKey)) : undefined,
    namespaces: input.namespaces ? new Set(input.namespaces) : undefined,
    selector: input.labelSelector ? parseLabelSelector(input.labelSelector) : undefined,
    name: input.name,
    nameContains: input.nameContains,
    status: input.status,
  };
}

let rv = 1000;

/** A pod as a watch would deliver it; each call gets a fresh resourceVersion. */
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
      ...(opts.padding ? { annotations: { note: 'x'.repeat(opts.padding) } } : {}),
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

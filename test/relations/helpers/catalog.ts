import { BUILTIN_KINDS, parseApiVersion, type KindInfo } from '../../../src/kube/kinds.js';
import type { KubeObject } from '../../../src/kube/types.js';
import { ResourceStore } from '../../../src/store/resourceStore.js';
import type { ResourceReader } from '../../../src/store/types.js';
import type { ReflectorSink } from '../../../src/watch/sink.js';

const EVENTS_V1: KindInfo = { group: 'events.k8s.io', version: 'v1', kind: 'Event', plural: 'events', namespaced: true };

/** The KindInfo of a wire object (built-in kinds, plus events.k8s.io/v1 Event). */
export function kindOf(o: KubeObject): KindInfo {
  const { group } = parseApiVersion(o.apiVersion ?? '');
  if (group === 'events.k8s.io' && o.kind === 'Event') return EVENTS_V1;
  const k = BUILTIN_KINDS.find((b) => b.group === group && b.kind === o.kind);
  if (!k) throw new Error(`test catalog: no built-in kind for ${o.apiVersion} ${o.kind}`);
  return k;
}

/**
 * A real ResourceStore the graph can be tested against: objects go in
 * through the store's sinks, as a reflector's watch events would.
 */
export interface TestCatalog {
  readonly reader: ResourceReader;
  add(obj: KubeObject, clusterId?: string): void;
  modify(obj: KubeObject, clusterId?: string): void;
  remove(obj: KubeObject, clusterId?: string): void;
}

export function newCatalog(): TestCatalog {
  const store = new ResourceStore();
  const sinks = new Map<string, ReflectorSink>();
  const sink = (clusterId: string, o: KubeObject) => {
    const kind = kindOf(o);
    const key = `${clusterId}|${kind.group}|${kind.kind}`;
    let s = sinks.get(key);
    if (!s) sinks.set(key, (s = store.sinkFor(clusterId, kind)));
    return s;
  };
  let rv = 1000;
  const stamp = (o: KubeObject): KubeObject => ({ ...o, metadata: { ...o.metadata, resourceVersion: String(++rv) } });
  return {
    reader: store,
    add: (o, c = 'c1') => sink(c, o).apply('ADDED', stamp(o)),
    modify: (o, c = 'c1') => sink(c, o).apply('MODIFIED', stamp(o)),
    remove: (o, c = 'c1') => sink(c, o).apply('DELETED', stamp(o)),
  };
}

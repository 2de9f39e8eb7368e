import { BUILTIN_KINDS, parseApiVersion, type KindInfo } from '../../../src/kube/kinds.js';
import type { KubeObject } from '../../../src/kube/types.js';
import type { ResourceReader } from '../../../src/store/types.js';
import { InterimStore } from './interimStore.js';

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
 * A catalog the graph can be tested against: objects go in the way a
 * reflector's watch events would.
 */
export interface TestCatalog {
  readonly reader: ResourceReader;
  add(obj: KubeObject, clusterId?: string): void;
  modify(obj: KubeObject, clusterId?: string): void;
  remove(obj: KubeObject, clusterId?: string): void;
}

export function newCatalog(): TestCatalog {
  const store = new InterimStore();
  let rv = 1000;
  const stamp = (o: KubeObject): KubeObject => ({ ...o, metadata: { ...o.metadata, resourceVersion: String(++rv) } });
  return {
    reader: store,
    add: (o, c = 'c1') => store.apply('ADDED', c, kindOf(o), stamp(o)),
    modify: (o, c = 'c1') => store.apply('MODIFIED', c, kindOf(o), stamp(o)),
    remove: (o, c = 'c1') => store.apply('DELETED', c, kindOf(o), o),
  };
}

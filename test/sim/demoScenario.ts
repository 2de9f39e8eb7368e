import type { KubeObject } from '../../src/kube/types.js';
import type { SimStore } from '../../src/sim/index.js';
import { fixtureJson } from './simHttp.js';

/**
 * The "demo" namespace of the real-apiserver captures, loaded into a
 * simulated store so responses can be compared with the captured ones
 * (same names, labels, nodes and phases).
 */
export function loadDemoScenario(store: SimStore): { pods: KubeObject[] } {
  if (!store.get('namespaces', undefined, 'demo')) {
    store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo', labels: { team: 'web', environment: 'staging' } } });
  }
  const list = fixtureJson<{ items: KubeObject[] }>('collections/pods-all.json');
  const pods: KubeObject[] = [];
  for (const item of list.items) {
    const obj = structuredClone(item);
    obj.apiVersion = 'v1';
    obj.kind = 'Pod';
    delete obj.metadata.resourceVersion;
    pods.push(store.create('pods', obj, 'kubeatlas-fixtures'));
  }
  return { pods };
}

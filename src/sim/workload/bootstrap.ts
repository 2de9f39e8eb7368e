import type { SimStore } from '../types.js';

/** Creates the objects every fresh cluster has (namespaces, nodes, defaults). Deterministic for a seed. */
export function bootstrapCluster(store: SimStore, opts: { clusterName: string; seed: number }): void {
  void store;
  void opts;
}

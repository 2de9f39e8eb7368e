import type { SimStore } from '../types.js';

/** Starts the simulated control plane (controllers + kubelets) reacting to store changes. */
export function startControllers(store: SimStore, opts?: { kubeletDeleteDelayMs?: number }): { stop(): void } {
  void store;
  void opts;
  return { stop() {} };
}

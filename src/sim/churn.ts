import type { SimStore } from './types.js';

/** Starts a steady rate of realistic changes. */
export function startChurn(store: SimStore, opts: { seed: number; perSecond: number }): { setRate(perSecond: number): void; stop(): void } {
  void store;
  void opts;
  return { setRate() {}, stop() {} };
}

import type { SimStore } from '../types.js';
import { fnv32a, Rng } from '../workload/random.js';
import { clusterIndexOf, type ClusterIndex } from './clusterIndex.js';
import { EventRecorder } from './eventRecorder.js';

/**
 * What the controllers and the churn engine of one store share: the index,
 * the event recorder (one event budget per cluster) and a generator for the
 * names and uids they create. Reference-counted; the last release stops them.
 */
export interface SharedState {
  index: ClusterIndex;
  recorder: EventRecorder;
  /** Names and uids of objects the control plane creates (seeded from the cluster's identity). */
  rng: Rng;
}

interface Entry {
  state: SharedState;
  refs: number;
}

const shared = new WeakMap<SimStore, Entry>();

/** A seed that identifies the cluster: its kube-system namespace uid (itself derived from the cluster's seed). */
export function storeSeed(store: SimStore): number {
  const ns = store.get('Namespace', undefined, 'kube-system');
  return fnv32a(ns?.metadata.uid ?? 'kubeatlas-sim');
}

export function acquireShared(store: SimStore): SharedState {
  const index = clusterIndexOf(store);
  index.acquire();
  let e = shared.get(store);
  if (!e) {
    const seed = storeSeed(store);
    e = { state: { index, recorder: new EventRecorder(store, new Rng(seed, 11), 200, index.primedEvents), rng: new Rng(seed, 12) }, refs: 0 };
    index.primedEvents = [];
    shared.set(store, e);
  }
  e.refs++;
  return e.state;
}

export function releaseShared(store: SimStore): void {
  const e = shared.get(store);
  if (!e || e.refs === 0) return;
  e.refs--;
  e.state.index.release();
  if (e.refs === 0) {
    e.state.recorder.stop();
    shared.delete(store);
  }
}

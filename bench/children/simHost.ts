/**
 * Bench child: simulated kube-apiservers (src/sim) in a process of their own,
 * so their CPU never counts in kubeatlas's figures. Driven over IPC by the
 * orchestrator (bench/lib/simFleet.ts):
 *
 * - start: seeds and starts clusters (one CA per process), answers what a
 *   client needs (URL, token, CA) and what was seeded (objects, pods);
 * - setChurn: changes/s per cluster (src/sim churn engine);
 * - marks / podChanges: the clusters' resourceVersions, and the Pod changes
 *   committed between two marks — how many, and which of them were writes
 *   that stamped `sim.kubeatlas.io/changed-at` themselves (a later write by a
 *   controller keeps the old stamp, so only stamping writes are latency
 *   samples);
 * - quietPods: waits until no Pod changed for a while (graceful deletions...);
 * - samplePods, appLabels: random pods and `app` label values for queries;
 * - usage: CPU time and memory of this process.
 */
import { createCertificateAuthority, startSimCluster, type SimCluster, type SimStoreInternals } from '../../src/sim/index.js';
import { CHANGED_AT_ANNOTATION } from '../../src/sim/churn.js';
import { serveRpc } from '../lib/rpcServer.js';
import { processUsage } from '../lib/usage.js';
import type { SimClusterInfo, SimClusterRequest, PodChangeWindow, PodChanges, PodRef } from '../lib/simTypes.js';

interface Tracked {
  cluster: SimCluster;
  /** Every Pod change's resourceVersion, ascending (while tracking). */
  podRvs: number[];
  /** resourceVersion -> changed-at of Pod writes that set a new stamp. */
  stamped: Map<number, number>;
  /** Pod uid -> its current stamp (to tell a new stamp from an inherited one); kept from the cluster's start. */
  stampOf: Map<string, string>;
  lastPodChangeAt: number;
  tracking: boolean;
  /** Object uid -> its current stamp, every kind (a write with a new stamp is one the churn engine made). */
  anyStampOf: Map<string, string>;
  /** Writes with a new stamp while tracking: the churn actually achieved (controllers' follow-up writes excluded). */
  churnWrites: number;
}

const clusters = new Map<string, Tracked>();

function tracked(name: string): Tracked {
  const t = clusters.get(name);
  if (!t) throw new Error(`no cluster ${name} in this simulator process`);
  return t;
}

async function start(params: { clusters: SimClusterRequest[]; caName: string }): Promise<SimClusterInfo[]> {
  const ca = createCertificateAuthority(params.caName);
  const out: SimClusterInfo[] = [];
  for (const req of params.clusters) {
    const started = performance.now();
    const cluster = await startSimCluster({ name: req.name, seed: req.seed, objects: req.objects, ca, historySize: req.historySize });
    const t: Tracked = { cluster, podRvs: [], stamped: new Map(), stampOf: new Map(), lastPodChangeAt: Date.now(), tracking: false, anyStampOf: new Map(), churnWrites: 0 };
    clusters.set(req.name, t);
    // Registered before any churn runs (only churn stamps), so stampOf knows every stamp there is.
    cluster.store.onChange((c) => {
      const anyStamp = c.object.metadata.annotations?.[CHANGED_AT_ANNOTATION];
      if (typeof anyStamp === 'string') {
        const anyUid = String(c.object.metadata.uid ?? '');
        if (t.tracking && anyStamp !== t.anyStampOf.get(anyUid)) t.churnWrites++;
        if (c.type === 'DELETED') t.anyStampOf.delete(anyUid);
        else t.anyStampOf.set(anyUid, anyStamp);
      }
      if (c.kind.kind !== 'Pod' || c.kind.group !== '') return;
      t.lastPodChangeAt = Date.now();
      const meta = c.object.metadata;
      const uid = typeof meta.uid === 'string' ? meta.uid : '';
      const stamp = meta.annotations?.[CHANGED_AT_ANNOTATION];
      if (t.tracking) {
        t.podRvs.push(c.resourceVersion);
        if (typeof stamp === 'string' && stamp !== t.stampOf.get(uid)) t.stamped.set(c.resourceVersion, Number(stamp));
      }
      if (c.type === 'DELETED') t.stampOf.delete(uid);
      else if (typeof stamp === 'string') t.stampOf.set(uid, stamp);
    });
    out.push({
      name: req.name,
      url: cluster.url,
      token: cluster.adminToken,
      caPem: ca.certPem,
      objects: cluster.store.count(),
      pods: cluster.store.count('Pod'),
      seedSeconds: (performance.now() - started) / 1000,
    });
  }
  return out;
}

function setChurn(params: { perCluster: number; names?: string[] }): null {
  for (const name of params.names ?? [...clusters.keys()]) tracked(name).cluster.setChurn(params.perCluster);
  return null;
}

/** Starts recording Pod changes (clears earlier records); returns the current resourceVersion of each cluster. */
function beginTracking(): Record<string, number> {
  const marks: Record<string, number> = {};
  for (const [name, t] of clusters) {
    t.podRvs = [];
    t.stamped = new Map();
    t.churnWrites = 0;
    t.tracking = true;
    marks[name] = t.cluster.store.resourceVersion;
  }
  return marks;
}

function marks(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, t] of clusters) out[name] = t.cluster.store.resourceVersion;
  return out;
}

/** Pod changes with from < rv <= to, per cluster; stops tracking. */
function podChanges(params: { windows: Record<string, PodChangeWindow> }): Record<string, PodChanges> {
  const out: Record<string, PodChanges> = {};
  for (const [name, w] of Object.entries(params.windows)) {
    const t = tracked(name);
    t.tracking = false;
    const inWindow = (rv: number) => rv > w.from && rv <= w.to;
    const stampedRvs: number[] = [];
    const stampedAt: number[] = [];
    for (const [rv, at] of t.stamped) {
      if (inWindow(rv)) {
        stampedRvs.push(rv);
        stampedAt.push(at);
      }
    }
    out[name] = { count: t.podRvs.filter(inWindow).length, churnWrites: t.churnWrites, stampedRvs: Float64Array.from(stampedRvs), stampedAt: Float64Array.from(stampedAt) };
  }
  return out;
}

/** Resolves once no Pod changed for `quietMs` in any cluster (or after `timeoutMs`); returns whether it got quiet. */
async function quietPods(params: { quietMs: number; timeoutMs: number }): Promise<boolean> {
  const deadline = Date.now() + params.timeoutMs;
  for (;;) {
    const last = Math.max(...[...clusters.values()].map((t) => t.lastPodChangeAt));
    if (Date.now() - last >= params.quietMs) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** mulberry32: reproducible picks. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The stored pods of a cluster, without parsing them (the simulator's sorted snapshot). */
function storedPods(t: Tracked) {
  const store = t.cluster.store as SimStoreInternals;
  return store.currentSnapshot(store.kind('Pod'));
}

function samplePods(params: { count: number; seed: number }): PodRef[] {
  const rand = prng(params.seed);
  const all: PodRef[] = [];
  for (const [name, t] of clusters) for (const p of storedPods(t)) all.push({ cluster: name, namespace: p.namespace ?? '', name: p.name });
  const out: PodRef[] = [];
  for (let i = 0; i < params.count && all.length; i++) out.push(all[Math.floor(rand() * all.length)]);
  return out;
}

/** Values of the pods' `app` label with the number of pods carrying each, over every cluster here. */
function appLabels(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const t of clusters.values()) {
    for (const p of storedPods(t)) {
      const app = p.labels?.app;
      if (app) counts[app] = (counts[app] ?? 0) + 1;
    }
  }
  return counts;
}


async function closeAll(): Promise<void> {
  await Promise.allSettled([...clusters.values()].map((t) => t.cluster.close()));
  clusters.clear();
}

serveRpc(
  {
    start,
    setChurn,
    beginTracking,
    marks,
    podChanges,
    quietPods,
    samplePods,
    appLabels,
    usage: processUsage,
    close: closeAll,
  },
  closeAll,
);

import type { KubeObject } from '../../kube/types.js';
import { selectorFromMap, type LabelSelector } from '../../kube/labelSelector.js';
import type { SimChange, SimKind, SimStore } from '../types.js';
import { KeyedList } from './keyedList.js';
import { logger } from '../../util/logger.js';

const log = logger('sim-controllers');

/**
 * A compact, always-current index of the objects the controllers and the
 * churn engine reason about, fed by `store.onChange`: pods by owner,
 * namespace and node; services and their selectors; controllers by uid;
 * nodes; random-access key lists for the churn engine. It keeps small
 * records (labels objects, strings), never whole objects, and lets its users
 * avoid LISTing the store on every change.
 */

export type Labels = Record<string, string>;

export interface PodInfo {
  key: string;
  namespace: string;
  name: string;
  uid: string;
  ownerUid?: string;
  ownerKind?: string;
  labels?: Labels;
  phase: string;
  ready: boolean;
  nodeName?: string;
  podIP?: string;
  deleting: boolean;
  /** Has container statuses (the kubelet has started working on it). */
  started: boolean;
  /** The scheduler gave up on it (PodScheduled=False, Unschedulable). */
  unschedulable: boolean;
  restartPolicy: string;
  hostNetwork: boolean;
}

export interface ServiceInfo {
  key: string;
  namespace: string;
  name: string;
  uid: string;
  selector?: LabelSelector;
  labels?: Labels;
}

export interface OwnerInfo {
  kind: string;
  namespace: string;
  name: string;
  uid: string;
}

export interface NodeInfo {
  name: string;
  ready: boolean;
  unschedulable: boolean;
  ip: string;
  zone: string;
  /** Pod CIDR index (10.244.N.0/24 → N). */
  index: number;
}

/** The kinds the index follows. */
const INDEXED_KINDS = ['Node', 'Namespace', 'Service', 'discovery.k8s.io/EndpointSlice', 'apps/Deployment', 'apps/ReplicaSet', 'apps/StatefulSet', 'apps/DaemonSet', 'batch/Job', 'batch/CronJob', 'Pod', 'ConfigMap', 'Event'] as const;

/** Kinds whose objects own pods or other controllers' objects. */
const OWNER_KINDS = new Set(['apps/Deployment', 'apps/ReplicaSet', 'apps/StatefulSet', 'apps/DaemonSet', 'batch/Job', 'batch/CronJob']);

export const kindKeyOf = (k: Pick<SimKind, 'group' | 'kind'>): string => (k.group ? `${k.group}/${k.kind}` : k.kind);

/**
 * A copy of a small record whose strings no longer point into the JSON text
 * the object was parsed from: V8 may represent parsed string values as
 * slices of the source, so keeping one label value would keep a whole
 * multi-kilobyte object alive. Everything the index keeps goes through here.
 */
export function detachedCopy<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

const sameObject = <T>(v: T): T => v;
export const keyOf = (namespace: string | undefined, name: string): string => (namespace ? `${namespace}/${name}` : name);

interface PodStatusLike {
  phase?: string;
  podIP?: string;
  conditions?: Array<{ type: string; status: string; reason?: string }>;
  containerStatuses?: unknown[];
}

export function podInfoOf(obj: KubeObject): PodInfo {
  const md = obj.metadata;
  const spec = (obj.spec ?? {}) as { nodeName?: string; restartPolicy?: string; hostNetwork?: boolean };
  const status = (obj.status ?? {}) as PodStatusLike;
  const owner = md.ownerReferences?.find((r) => r.controller) ?? md.ownerReferences?.[0];
  const conds = status.conditions ?? [];
  const namespace = md.namespace ?? '';
  const name = md.name ?? '';
  return {
    key: keyOf(namespace, name),
    namespace,
    name,
    uid: md.uid ?? '',
    ownerUid: owner?.uid,
    ownerKind: owner?.kind,
    labels: md.labels,
    phase: status.phase ?? 'Pending',
    ready: conds.some((c) => c.type === 'Ready' && c.status === 'True'),
    nodeName: spec.nodeName,
    podIP: status.podIP,
    deleting: !!md.deletionTimestamp,
    started: Array.isArray(status.containerStatuses) && status.containerStatuses.length > 0,
    unschedulable: conds.some((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable'),
    restartPolicy: spec.restartPolicy ?? 'Always',
    hostNetwork: !!spec.hostNetwork,
  };
}

function nodeInfoOf(obj: KubeObject): NodeInfo {
  const spec = (obj.spec ?? {}) as { podCIDR?: string; unschedulable?: boolean };
  const status = (obj.status ?? {}) as { addresses?: Array<{ type: string; address: string }>; conditions?: Array<{ type: string; status: string }> };
  const m = /^10\.(\d+)\.(\d+)\.0\/24$/.exec(spec.podCIDR ?? '');
  return {
    name: obj.metadata.name ?? '',
    ready: !!status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    unschedulable: !!spec.unschedulable,
    ip: status.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '10.128.0.2',
    zone: obj.metadata.labels?.['topology.kubernetes.io/zone'] ?? '',
    index: m ? (Number(m[1]) - 244) * 256 + Number(m[2]) : 0,
  };
}

function addTo<K, V>(map: Map<K, Set<V>>, k: K, v: V): void {
  let s = map.get(k);
  if (!s) map.set(k, (s = new Set()));
  s.add(v);
}

function removeFrom<K, V>(map: Map<K, Set<V>>, k: K | undefined, v: V): void {
  if (k === undefined) return;
  const s = map.get(k);
  if (!s) return;
  s.delete(v);
  if (!s.size) map.delete(k);
}

export type IndexListener = (change: SimChange, previousPod: PodInfo | undefined) => void;

export class ClusterIndex {
  readonly pods = new Map<string, PodInfo>();
  readonly podsByOwner = new Map<string, Set<string>>();
  readonly podsByNamespace = new Map<string, Set<string>>();
  readonly podsByNode = new Map<string, Set<string>>();
  readonly services = new Map<string, ServiceInfo>();
  readonly servicesByNamespace = new Map<string, Set<string>>();
  /** Service key → names of the controller-managed EndpointSlices that carry its name. */
  readonly slicesByService = new Map<string, Set<string>>();
  /** uid → controller object (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob). */
  readonly owners = new Map<string, OwnerInfo>();
  /** owner uid → keys ("kindKey|ns/name") of the controller objects it owns. */
  readonly ownedControllers = new Map<string, Set<string>>();
  readonly nodes = new Map<string, NodeInfo>();
  readonly terminatingNamespaces = new Set<string>();
  /** Random-access keys for the churn engine. */
  readonly podKeys = new KeyedList();
  readonly deploymentKeys = new KeyedList();
  readonly configMapKeys = new KeyedList();
  readonly cronJobKeys = new KeyedList();
  readonly nodeKeys = new KeyedList();

  /** Events seen while priming (key, last timestamp), for the event recorder's budget. */
  primedEvents: Array<{ key: string; at: number }> = [];
  /** resourceVersion of the store when priming ended (-1: not primed). */
  private primedRv = -1;
  private priming = false;
  private primeValid = false;

  private readonly listeners = new Set<IndexListener>();
  private readonly ownerOfController = new Map<string, string>();
  private off: (() => void) | undefined;
  private refs = 0;

  constructor(readonly store: SimStore) {}

  /** Fills the index from the store and follows its changes (idempotent; counted). */
  acquire(): void {
    this.refs++;
    if (this.off) return;
    const primed = this.primedRv >= 0 && this.primedRv === this.store.resourceVersion;
    this.primedRv = -1;
    if (!primed) this.fill();
    this.off = this.store.onChange((ch) => {
      const prev = ch.kind.group === '' && ch.kind.kind === 'Pod' ? this.pods.get(keyOf(ch.object.metadata.namespace, ch.object.metadata.name ?? '')) : undefined;
      this.apply(ch);
      for (const l of this.listeners) {
        try {
          l(ch, prev);
        } catch (e) {
          log.warn({ err: e }, 'index listener failed');
        }
      }
    });
  }

  /**
   * Feeds objects as they are bulk-loaded into the store (the seed does this),
   * so that `acquire` need not parse the whole store again. Valid only if no
   * other write happens between the first `prime` and `endPriming`; `acquire`
   * falls back to listing the store when the resourceVersion moved since.
   */
  prime(kindRef: string, obj: KubeObject): void {
    if (this.off) return;
    if (!this.priming) {
      this.priming = true;
      const continuing = this.primedRv >= 0 && this.primedRv === this.store.resourceVersion;
      if (!continuing) {
        this.clear();
        // Only a store without indexed objects can be described by what is primed from now on.
        this.primeValid = INDEXED_KINDS.every((ref) => {
          try {
            return this.store.count(ref) === 0;
          } catch {
            return true;
          }
        });
      }
    }
    let kind: SimKind;
    try {
      kind = this.store.kind(kindRef);
    } catch {
      return;
    }
    if (kind.group === '' && kind.kind === 'Event') {
      const e = obj as { lastTimestamp?: string | null };
      this.primedEvents.push({ key: `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`, at: Date.parse(e.lastTimestamp ?? obj.metadata.creationTimestamp ?? '') || 0 });
      return;
    }
    this.apply({ type: 'ADDED', kind, object: obj, resourceVersion: 0 }, false);
  }

  /** Marks the primed state as matching the store as of now (objects must be primed before they are loaded). */
  endPriming(): void {
    if (this.off) return;
    this.priming = false;
    this.primedRv = this.primeValid ? this.store.resourceVersion : -1;
  }

  private fill(): void {
    this.clear();
    for (const ref of INDEXED_KINDS) {
      if (ref === 'Event') continue; // the event recorder keeps its own list
      let kind: SimKind;
      try {
        kind = this.store.kind(ref);
      } catch {
        continue;
      }
      for (const obj of this.store.list(kind)) this.apply({ type: 'ADDED', kind, object: obj, resourceVersion: this.store.resourceVersion });
    }
  }

  private clear(): void {
    this.primedEvents = [];
    for (const m of [this.pods, this.podsByOwner, this.podsByNamespace, this.podsByNode, this.services, this.servicesByNamespace, this.slicesByService, this.owners, this.ownedControllers, this.nodes, this.ownerOfController]) m.clear();
    this.terminatingNamespaces.clear();
    for (const l of [this.podKeys, this.deploymentKeys, this.configMapKeys, this.cronJobKeys, this.nodeKeys]) for (const k of [...l.values()]) l.delete(k);
  }

  /** Stops following the store when the last user releases it. */
  release(): void {
    if (--this.refs > 0) return;
    this.off?.();
    this.off = undefined;
    this.listeners.clear();
  }

  listen(l: IndexListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  podsOf(ownerUid: string): PodInfo[] {
    const keys = this.podsByOwner.get(ownerUid);
    if (!keys) return [];
    const out: PodInfo[] = [];
    for (const k of keys) {
      const p = this.pods.get(k);
      if (p) out.push(p);
    }
    return out;
  }

  /** Keys ("kindKey|ns/name") of the controller objects `ownerUid` owns. */
  controllersOf(ownerUid: string): string[] {
    return [...(this.ownedControllers.get(ownerUid) ?? [])];
  }

  /** `detach`: copy strings out of parsed JSON (not needed for objects built in memory). */
  private apply(ch: SimChange, detach = true): void {
    const detached = detach ? detachedCopy : sameObject;
    const kk = kindKeyOf(ch.kind);
    const obj = ch.object;
    const md = obj.metadata;
    const ns = md.namespace ?? '';
    const name = md.name ?? '';
    const key = keyOf(ch.kind.namespaced ? ns : undefined, name);
    const gone = ch.type === 'DELETED';
    switch (kk) {
      case 'Pod': {
        const old = this.pods.get(key);
        if (old) {
          removeFrom(this.podsByOwner, old.ownerUid, key);
          removeFrom(this.podsByNode, old.nodeName, key);
        }
        if (gone) {
          this.pods.delete(key);
          removeFrom(this.podsByNamespace, ns, key);
          this.podKeys.delete(key);
          return;
        }
        const info = detached(podInfoOf(obj));
        const k = info.key;
        this.pods.set(k, info);
        if (info.ownerUid) addTo(this.podsByOwner, info.ownerUid, k);
        if (info.nodeName) addTo(this.podsByNode, info.nodeName, k);
        addTo(this.podsByNamespace, info.namespace, k);
        this.podKeys.add(k);
        return;
      }
      case 'Service': {
        if (gone) {
          this.services.delete(key);
          removeFrom(this.servicesByNamespace, ns, key);
          return;
        }
        const d = detached({ key, ns, name, uid: md.uid ?? '', sel: (obj.spec as { selector?: Labels } | undefined)?.selector, labels: md.labels });
        this.services.set(d.key, { key: d.key, namespace: d.ns, name: d.name, uid: d.uid, selector: d.sel && Object.keys(d.sel).length ? selectorFromMap(d.sel) : undefined, labels: d.labels });
        addTo(this.servicesByNamespace, d.ns, d.key);
        return;
      }
      case 'discovery.k8s.io/EndpointSlice': {
        const svc = md.labels?.['kubernetes.io/service-name'];
        if (!svc || md.labels?.['endpointslice.kubernetes.io/managed-by'] !== 'endpointslice-controller.k8s.io') return;
        const d = detached({ svcKey: keyOf(ns, svc), name });
        if (gone) removeFrom(this.slicesByService, d.svcKey, d.name);
        else addTo(this.slicesByService, d.svcKey, d.name);
        return;
      }
      case 'Node':
        if (gone) {
          this.nodes.delete(name);
          this.nodeKeys.delete(name);
        } else {
          const info = detached(nodeInfoOf(obj));
          this.nodes.set(info.name, info);
          this.nodeKeys.add(info.name);
        }
        return;
      case 'Namespace': {
        const terminating = !gone && (!!md.deletionTimestamp || (obj.status as { phase?: string } | undefined)?.phase === 'Terminating');
        if (terminating) this.terminatingNamespaces.add(detached(name));
        else this.terminatingNamespaces.delete(name);
        return;
      }
      case 'ConfigMap':
        if (gone) this.configMapKeys.delete(key);
        else if (!this.configMapKeys.has(key)) this.configMapKeys.add(detached(key));
        return;
      default:
        break;
    }
    if (!OWNER_KINDS.has(kk)) return;
    const { uid, ckey, key: k, ns: namespace, name: n, owner } = detached({ uid: md.uid ?? '', ckey: `${kk}|${key}`, key, ns, name, owner: md.ownerReferences?.find((r) => r.controller)?.uid });
    const prevOwner = this.ownerOfController.get(ckey);
    if (prevOwner) removeFrom(this.ownedControllers, prevOwner, ckey);
    const list = kk === 'apps/Deployment' ? this.deploymentKeys : kk === 'batch/CronJob' ? this.cronJobKeys : undefined;
    if (gone) {
      this.owners.delete(uid);
      this.ownerOfController.delete(ckey);
      list?.delete(k);
      return;
    }
    this.owners.set(uid, { kind: kk, namespace, name: n, uid });
    list?.add(k);
    if (owner) {
      addTo(this.ownedControllers, owner, ckey);
      this.ownerOfController.set(ckey, owner);
    } else this.ownerOfController.delete(ckey);
  }
}

const indexes = new WeakMap<SimStore, ClusterIndex>();

/** The shared index of a store (controllers and churn use the same one). Call `acquire()`/`release()` around use. */
export function clusterIndexOf(store: SimStore): ClusterIndex {
  let idx = indexes.get(store);
  if (!idx) indexes.set(store, (idx = new ClusterIndex(store)));
  return idx;
}

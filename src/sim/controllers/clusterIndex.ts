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

/** Kinds whose objects own pods or other controllers' objects. */
const OWNER_KINDS = new Set(['apps/Deployment', 'apps/ReplicaSet', 'apps/StatefulSet', 'apps/DaemonSet', 'batch/Job', 'batch/CronJob']);

export const kindKeyOf = (k: Pick<SimKind, 'group' | 'kind'>): string => (k.group ? `${k.group}/${k.kind}` : k.kind);
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

  private readonly listeners = new Set<IndexListener>();
  private readonly ownerOfController = new Map<string, string>();
  private off: (() => void) | undefined;
  private refs = 0;

  constructor(readonly store: SimStore) {}

  /** Fills the index from the store and follows its changes (idempotent; counted). */
  acquire(): void {
    this.refs++;
    if (this.off) return;
    this.clear();
    for (const ref of ['Node', 'Namespace', 'Service', 'discovery.k8s.io/EndpointSlice', 'apps/Deployment', 'apps/ReplicaSet', 'apps/StatefulSet', 'apps/DaemonSet', 'batch/Job', 'batch/CronJob', 'Pod', 'ConfigMap']) {
      let kind: SimKind;
      try {
        kind = this.store.kind(ref);
      } catch {
        continue;
      }
      for (const obj of this.store.list(kind)) this.apply({ type: 'ADDED', kind, object: obj, resourceVersion: this.store.resourceVersion });
    }
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

  private clear(): void {
    for (const m of [this.pods, this.podsByOwner, this.podsByNamespace, this.podsByNode, this.services, this.servicesByNamespace, this.slicesByService, this.owners, this.ownedControllers, this.nodes, this.ownerOfController]) m.clear();
    this.terminatingNamespaces.clear();
    for (const l of [this.podKeys, this.deploymentKeys, this.configMapKeys, this.cronJobKeys]) for (const k of [...l.values()]) l.delete(k);
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

  private apply(ch: SimChange): void {
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
        const info = podInfoOf(obj);
        this.pods.set(key, info);
        if (info.ownerUid) addTo(this.podsByOwner, info.ownerUid, key);
        if (info.nodeName) addTo(this.podsByNode, info.nodeName, key);
        addTo(this.podsByNamespace, ns, key);
        this.podKeys.add(key);
        return;
      }
      case 'Service': {
        if (gone) {
          this.services.delete(key);
          removeFrom(this.servicesByNamespace, ns, key);
          return;
        }
        const sel = (obj.spec as { selector?: Labels } | undefined)?.selector;
        this.services.set(key, { key, namespace: ns, name, uid: md.uid ?? '', selector: sel && Object.keys(sel).length ? selectorFromMap(sel) : undefined, labels: md.labels });
        addTo(this.servicesByNamespace, ns, key);
        return;
      }
      case 'discovery.k8s.io/EndpointSlice': {
        const svc = md.labels?.['kubernetes.io/service-name'];
        if (!svc || md.labels?.['endpointslice.kubernetes.io/managed-by'] !== 'endpointslice-controller.k8s.io') return;
        if (gone) removeFrom(this.slicesByService, keyOf(ns, svc), name);
        else addTo(this.slicesByService, keyOf(ns, svc), name);
        return;
      }
      case 'Node':
        if (gone) this.nodes.delete(name);
        else this.nodes.set(name, nodeInfoOf(obj));
        return;
      case 'Namespace': {
        const terminating = !gone && (!!md.deletionTimestamp || (obj.status as { phase?: string } | undefined)?.phase === 'Terminating');
        if (terminating) this.terminatingNamespaces.add(name);
        else this.terminatingNamespaces.delete(name);
        return;
      }
      case 'ConfigMap':
        if (gone) this.configMapKeys.delete(key);
        else this.configMapKeys.add(key);
        return;
      default:
        break;
    }
    if (!OWNER_KINDS.has(kk)) return;
    const uid = md.uid ?? '';
    const ckey = `${kk}|${key}`;
    const prevOwner = this.ownerOfController.get(ckey);
    if (prevOwner) removeFrom(this.ownedControllers, prevOwner, ckey);
    const list = kk === 'apps/Deployment' ? this.deploymentKeys : kk === 'batch/CronJob' ? this.cronJobKeys : undefined;
    if (gone) {
      this.owners.delete(uid);
      this.ownerOfController.delete(ckey);
      list?.delete(key);
      return;
    }
    this.owners.set(uid, { kind: kk, namespace: ns, name, uid });
    list?.add(key);
    const owner = md.ownerReferences?.find((r) => r.controller)?.uid;
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

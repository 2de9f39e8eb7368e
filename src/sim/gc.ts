import type { KubeObject, OwnerReference } from '../kube/types.js';
import type { SimChange, SimKind } from './types.js';
import type { SimStoreInternals } from './store.js';
import { deleteObject } from './deletion.js';
import { isSimApiError } from './errors.js';
import { logger } from '../util/logger.js';

const log = logger('sim-gc');

/**
 * The garbage collector: ownerReferences-based cascading deletion, like
 * kube-controller-manager's. Background: dependents of a deleted owner are
 * deleted after it. Foreground: an owner carrying the foregroundDeletion
 * finalizer waits until its dependents are gone, then is deleted. Orphan:
 * dependents lose the ownerReference, then the owner goes.
 */

interface DependentRef {
  kind: SimKind;
  namespace: string | undefined;
  name: string;
}

const MANAGER = 'kube-controller-manager';

export function startGarbageCollector(store: SimStoreInternals): { stop(): void } {
  /** owner uid → dependents (key: kind plural + ns/name). */
  const dependents = new Map<string, Map<string, DependentRef>>();
  /** Owners in foreground deletion waiting for their dependents. */
  const waitingOwners = new Map<string, DependentRef>();
  const queue: Array<() => void> = [];
  let scheduled = false;
  let stopped = false;

  const depKey = (d: DependentRef): string => `${d.kind.group}/${d.kind.plural}/${d.namespace ?? ''}/${d.name}`;

  const schedule = (fn: () => void): void => {
    queue.push(fn);
    if (scheduled || stopped) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      while (queue.length && !stopped) {
        const job = queue.shift()!;
        try {
          job();
        } catch (e) {
          if (!isSimApiError(e) || e.code !== 404) log.warn({ err: e }, 'garbage collection step failed');
        }
      }
    });
  };

  /** dependent key → owner uids it is indexed under. */
  const ownersOfDependent = new Map<string, string[]>();

  /** Re-indexes a dependent; returns the owner uids it no longer references. */
  const index = (obj: KubeObject, kind: SimKind, present: boolean): string[] => {
    const d: DependentRef = { kind, namespace: kind.namespaced ? obj.metadata.namespace : undefined, name: obj.metadata.name ?? '' };
    const k = depKey(d);
    const before = ownersOfDependent.get(k) ?? [];
    const after = present ? (obj.metadata.ownerReferences ?? []).map((r) => r.uid) : [];
    const dropped = before.filter((u) => !after.includes(u));
    for (const u of dropped) {
      const m = dependents.get(u);
      m?.delete(k);
      if (m && !m.size) dependents.delete(u);
    }
    for (const u of after) {
      let m = dependents.get(u);
      if (!m) dependents.set(u, (m = new Map()));
      m.set(k, d);
    }
    if (after.length) ownersOfDependent.set(k, after);
    else ownersOfDependent.delete(k);
    return dropped;
  };

  const ownerOf = (uid: string): DependentRef | undefined => waitingOwners.get(uid);

  const maybeFinishForeground = (uid: string): void => {
    const owner = ownerOf(uid);
    if (!owner) return;
    if (dependents.get(uid)?.size) return;
    waitingOwners.delete(uid);
    store.mutate(owner.kind, owner.namespace, owner.name, (o) => {
      o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((f) => f !== 'foregroundDeletion');
    }, MANAGER);
  };

  const deleteDependents = (uid: string, policy: 'Background' | 'Foreground'): void => {
    const deps = [...(dependents.get(uid)?.values() ?? [])];
    for (const d of deps) {
      schedule(() => {
        if (!store.getStored(d.kind, d.namespace, d.name)) return;
        deleteObject(store, d.kind, d.namespace, d.name, { propagationPolicy: policy, manager: MANAGER });
      });
    }
  };

  const orphanDependents = (uid: string, owner: DependentRef): void => {
    for (const d of [...(dependents.get(uid)?.values() ?? [])]) {
      store.mutate(d.kind, d.namespace, d.name, (o) => {
        o.metadata.ownerReferences = (o.metadata.ownerReferences ?? []).filter((r: OwnerReference) => r.uid !== uid);
        if (!o.metadata.ownerReferences.length) delete o.metadata.ownerReferences;
      }, MANAGER);
    }
    store.mutate(owner.kind, owner.namespace, owner.name, (o) => {
      o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((f) => f !== 'orphan');
    }, MANAGER);
  };

  const onChange = (ch: SimChange): void => {
    const obj = ch.object;
    const uid = obj.metadata.uid ?? '';
    const me: DependentRef = { kind: ch.kind, namespace: ch.kind.namespaced ? obj.metadata.namespace : undefined, name: obj.metadata.name ?? '' };
    if (ch.type === 'DELETED') {
      for (const u of index(obj, ch.kind, false)) if (waitingOwners.has(u)) schedule(() => maybeFinishForeground(u));
      waitingOwners.delete(uid);
      if (dependents.get(uid)?.size) schedule(() => deleteDependents(uid, 'Background'));
      return;
    }
    if (obj.metadata.ownerReferences?.length || ch.type === 'MODIFIED') {
      for (const u of index(obj, ch.kind, true)) if (waitingOwners.has(u)) schedule(() => maybeFinishForeground(u));
    }
    if (obj.metadata.deletionTimestamp) {
      const fins = obj.metadata.finalizers ?? [];
      if (fins.includes('foregroundDeletion') && !waitingOwners.has(uid)) {
        waitingOwners.set(uid, me);
        schedule(() => {
          deleteDependents(uid, 'Foreground');
          schedule(() => maybeFinishForeground(uid));
        });
      }
      if (fins.includes('orphan')) schedule(() => orphanDependents(uid, me));
    }
  };

  // Index what is already there (nothing when started with the store, as startSimCluster does).
  for (const kind of store.kinds()) {
    if (!store.count(kind)) continue;
    for (const so of store.currentSnapshot(kind)) {
      if (!so.json.includes('"ownerReferences"')) continue;
      const obj = JSON.parse(so.json) as KubeObject;
      index(obj, kind, true);
    }
  }
  const off = store.onChange(onChange);
  return {
    stop() {
      stopped = true;
      off();
    },
  };
}

import type { Controller, ControllerContext } from './context.js';
import { deletePod, MANAGER } from './podFactory.js';

/** How often a Terminating namespace is re-checked while its pods finish. */
const RECHECK_MS = 100;

/**
 * Namespace deletion: once a namespace is Terminating (the apiserver sets
 * deletionTimestamp and status.phase), everything in it is deleted (pods
 * gracefully, through their kubelets), then the `kubernetes` finalizer is
 * removed and the namespace goes.
 */
export function namespaceController(ctx: ControllerContext): Controller {
  const { store } = ctx;

  const cleanup = (name: string): void => {
    const ns = store.get('Namespace', undefined, name);
    if (!ns || !ns.metadata.deletionTimestamp) return;
    let remaining = 0;
    for (const kind of store.kinds()) {
      if (!kind.namespaced || !kind.verbs.includes('delete')) continue;
      for (const obj of store.list(kind, name)) {
        remaining++;
        const objName = obj.metadata.name ?? '';
        if (kind.group === '' && kind.kind === 'Pod') {
          if (!obj.metadata.deletionTimestamp) deletePod(store, name, objName, { manager: MANAGER });
        } else store.delete(kind, name, objName);
      }
    }
    if (store.list('Pod', name).length) {
      ctx.queue.after(RECHECK_MS, `ns|${name}`, () => cleanup(name));
      return;
    }
    void remaining;
    const spec = (ns.spec ?? {}) as { finalizers?: string[] };
    if (spec.finalizers?.length) {
      store.mutate('Namespace', undefined, name, (o) => {
        (o.spec as { finalizers?: string[] }).finalizers = [];
      }, MANAGER);
    }
    if (!(ns.metadata.finalizers?.length)) store.delete('Namespace', undefined, name);
  };

  return (ch) => {
    if (ch.kind.group !== '' || ch.kind.kind !== 'Namespace' || ch.type === 'DELETED') return;
    if (!ch.object.metadata.deletionTimestamp) return;
    const name = ch.object.metadata.name ?? '';
    ctx.queue.enqueue(`ns|${name}`, () => cleanup(name));
  };
}

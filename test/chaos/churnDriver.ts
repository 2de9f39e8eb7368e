import type { KubeObject } from '../../src/kube/types.js';
import type { SimCluster } from '../../src/sim/types.js';

/**
 * Seeded churn for chaos tests: creates, modifies and deletes objects of a
 * few kinds straight through the simulated cluster's store (like writes by
 * controllers), at a steady rate, independent of faults on the HTTP side.
 * (The simulator's own churn engine, `setChurn`, drives realistic workload
 * changes; this driver adds deletes and re-creations of the same names,
 * which are the cases a relist must get right.)
 */
export interface ChurnDriver {
  /** Changes made so far. */
  readonly changes: number;
  stop(): void;
  /** Deletes what the driver created and still exists (call after stop). */
  removeAll(): void;
}

const NAMESPACES = ['default', 'kube-system', 'kube-public'];

interface KindPlan {
  ref: string;
  make(name: string, namespace: string, n: number): KubeObject;
  touch(obj: KubeObject, n: number): void;
}

const PLANS: KindPlan[] = [
  {
    ref: 'configmaps',
    make: (name, namespace, n) => ({ metadata: { name, namespace, labels: { app: `a${n % 7}` } }, data: { n: String(n) } }),
    touch: (o, n) => void (o.data = { n: String(n) }),
  },
  {
    ref: 'secrets',
    make: (name, namespace, n) => ({ metadata: { name, namespace }, type: 'Opaque', data: { v: Buffer.from(String(n)).toString('base64') } }),
    touch: (o, n) => void (o.data = { v: Buffer.from(String(n)).toString('base64') }),
  },
  {
    ref: 'serviceaccounts',
    make: (name, namespace, n) => ({ metadata: { name, namespace, labels: { gen: String(n % 3) } } }),
    touch: (o, n) => void (o.metadata.labels = { gen: String(n) }),
  },
  {
    ref: 'pods',
    make: (name, namespace, n) => ({
      metadata: { name, namespace, labels: { app: `a${n % 5}` } },
      spec: { containers: [{ name: 'main', image: `registry.local/app:${n % 4}` }] },
    }),
    touch: (o, n) => void (o.metadata.annotations = { touched: String(n) }),
  },
];

export function startChurnDriver(sim: SimCluster, options: { perSecond: number; random: () => number; population?: number }): ChurnDriver {
  const population = options.population ?? 40;
  const rnd = options.random;
  const live: Array<{ plan: KindPlan; namespace: string; name: string }> = [];
  let n = 0;
  let changes = 0;
  const tickMs = 10;
  let last = Date.now();
  let debt = 0;

  const one = () => {
    n++;
    const r = rnd();
    try {
      if (live.length < population / 2 || (r < 0.35 && live.length < population * 2)) {
        const plan = PLANS[Math.floor(rnd() * PLANS.length)];
        const namespace = NAMESPACES[Math.floor(rnd() * NAMESPACES.length)];
        // Names repeat: a deleted object may come back under the same name (new uid).
        const name = `churn-${Math.floor(rnd() * population * 3)}`;
        if (sim.store.get(plan.ref, namespace, name)) return;
        sim.store.create(plan.ref, plan.make(name, namespace, n));
        live.push({ plan, namespace, name });
      } else if (r < 0.75) {
        const o = live[Math.floor(rnd() * live.length)];
        sim.store.mutate(o.plan.ref, o.namespace, o.name, (obj) => o.plan.touch(obj, n));
      } else {
        const i = Math.floor(rnd() * live.length);
        const [o] = live.splice(i, 1);
        sim.store.delete(o.plan.ref, o.namespace, o.name);
      }
      changes++;
    } catch {
      // A name taken by the workload, an object deleted meanwhile: skip this change.
    }
  };

  // The debt follows the wall clock, so a loaded event loop (late ticks) still gets the full rate.
  const timer = setInterval(() => {
    const now = Date.now();
    debt = Math.min(debt + ((now - last) * options.perSecond) / 1000, options.perSecond);
    last = now;
    while (debt >= 1) {
      debt--;
      one();
    }
  }, tickMs);

  return {
    get changes() {
      return changes;
    },
    stop: () => clearInterval(timer),
    removeAll: () => {
      for (const o of live.splice(0)) sim.store.delete(o.plan.ref, o.namespace, o.name);
    },
  };
}

import { randomBytes } from 'node:crypto';
import type { KubeObject } from '../kube/types.js';
import type { SimCluster, SimClusterOptions, SimKind } from './types.js';
import { createCertificateAuthority } from './ca.js';
import { createSimStore, type SimStoreInternals } from './store.js';
import { SimApiServer } from './server.js';
import type { SimAllowRule, SimUser } from './auth.js';
import { buildKubeconfig } from './kubeconfig.js';
import { startGarbageCollector } from './gc.js';
import { WIDGET_KIND } from './simKinds.js';
import { bootstrapCluster } from './workload/bootstrap.js';
import { seedWorkload } from './workload/seed.js';
import { startControllers } from './controllers/index.js';
import { startChurn } from './churn.js';
import { logger } from '../util/logger.js';

/** Tuning knobs beyond SimClusterOptions (tests of edge cases use them). */
export interface SimClusterTuning {
  /** Grants for non-admin users (the simulator's RBAC). */
  allow?: SimAllowRule[];
  /** Kinds to serve (default: every built-in kind of the captured server plus Widget). */
  kinds?: SimKind[];
  /** NotOlderThan wait for a future RV before 504 (default 3000 ms, as the real cache). */
  tooLargeRvWaitMs?: number;
  /** Close a watch whose socket stays unwritable this long (default 10 s). */
  slowWatchTimeoutMs?: number;
  /** Close a watch at once when this many bytes are queued for it (default 64 MiB). */
  slowWatchMaxBufferedBytes?: number;
  /** Delay of the simulated kubelet finishing graceful pod deletes (passed to the controllers). */
  kubeletDeleteDelayMs?: number;
  /** Start the controllers (default true). */
  controllers?: boolean;
  /** Bounded size of the request log (default 10 000). */
  requestLogSize?: number;
}

const log = logger('sim-cluster');

function widgetCrd(): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${WIDGET_KIND.plural}.${WIDGET_KIND.group}` },
    spec: {
      group: WIDGET_KIND.group,
      names: { plural: WIDGET_KIND.plural, singular: 'widget', kind: WIDGET_KIND.kind, listKind: WIDGET_KIND.listKind, shortNames: [...(WIDGET_KIND.shortNames ?? [])], categories: ['all'] },
      scope: 'Namespaced',
      versions: [
        {
          name: WIDGET_KIND.version,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          subresources: { status: {} },
        },
      ],
      conversion: { strategy: 'None' },
    },
    status: {
      acceptedNames: { plural: WIDGET_KIND.plural, singular: 'widget', kind: WIDGET_KIND.kind, listKind: WIDGET_KIND.listKind, shortNames: [...(WIDGET_KIND.shortNames ?? [])], categories: ['all'] },
      conditions: [
        { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' },
        { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' },
      ],
      storedVersions: [WIDGET_KIND.version],
    },
  };
}

/**
 * Starts one simulated cluster: store, bare cluster objects, seeded
 * workload (objects > 0), controllers, churn, garbage collector, and the
 * HTTPS apiserver.
 */
export async function startSimCluster(opts: SimClusterOptions & SimClusterTuning): Promise<SimCluster> {
  const host = opts.host ?? '127.0.0.1';
  const seed = opts.seed ?? 1;
  const ca = opts.ca ?? createCertificateAuthority(`${opts.name}-ca`);
  const store: SimStoreInternals = createSimStore(opts.kinds, { historySize: opts.historySize ?? 10_000 });
  // The garbage collector indexes ownerReferences from the change stream, so it starts before any object exists.
  const gc = startGarbageCollector(store);
  if (store.registry.find('customresourcedefinitions')) store.create('customresourcedefinitions', widgetCrd(), 'kube-apiserver');
  bootstrapCluster(store, { clusterName: opts.name, seed, caPem: ca.certPem });
  if ((opts.objects ?? 0) > 0) seedWorkload(store, { clusterName: opts.name, seed, objects: opts.objects! });

  const adminToken = randomBytes(24).toString('base64url');
  const tokens = new Map<string, SimUser>([[adminToken, { name: 'sim-admin', groups: ['system:masters'] }]]);
  for (const t of opts.tokens ?? []) tokens.set(t.token, { name: t.user, groups: t.groups ?? [] });
  const adminClientCert = ca.issue({ commonName: 'sim-admin', organizations: ['system:masters'], client: true });

  const server = new SimApiServer({
    name: opts.name,
    host,
    port: opts.port ?? 0,
    store,
    ca,
    gitVersion: opts.version ?? 'v1.28.7',
    tokens,
    allow: opts.allow ?? [],
    requestLogSize: opts.requestLogSize,
    settings: {
      watchList: opts.watchList ?? true,
      bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 60_000,
      tooLargeRvWaitMs: opts.tooLargeRvWaitMs ?? 3000,
      slowWatchTimeoutMs: opts.slowWatchTimeoutMs ?? 10_000,
      slowWatchMaxBufferedBytes: opts.slowWatchMaxBufferedBytes ?? 64 * 1024 * 1024,
    },
  });
  const port = await server.listen();
  const url = `https://${host}:${port}`;

  const controllers = opts.controllers === false ? { stop() {} } : startControllers(store, { kubeletDeleteDelayMs: opts.kubeletDeleteDelayMs });
  let churn: ReturnType<typeof startChurn> | undefined;
  const setChurn = (perSecond: number): void => {
    if (perSecond > 0) {
      if (churn) churn.setRate(perSecond);
      else churn = startChurn(store, { seed, perSecond });
    } else if (churn) {
      churn.stop();
      churn = undefined;
    }
  };
  if ((opts.churnPerSecond ?? 0) > 0) setChurn(opts.churnPerSecond!);

  // etcd compaction: every continue-token TTL, compact to the revision of the previous tick.
  const ttl = opts.continueTokenTtlMs ?? 5 * 60_000;
  let lastTickRv = store.resourceVersion;
  const compactor = setInterval(() => {
    store.compactEtcd(lastTickRv);
    store.prunePinned(ttl * 2);
    lastTickRv = store.resourceVersion;
  }, ttl);
  compactor.unref();

  let closed = false;
  log.info({ cluster: opts.name, url, objects: store.count() }, 'simulated cluster started');
  return {
    name: opts.name,
    url,
    port,
    ca,
    adminToken,
    adminClientCert,
    store,
    faults: server.faults,
    requests: () => server.requests(),
    kubeconfig: () => buildKubeconfig({ name: opts.name, url, caPem: ca.certPem, token: adminToken }),
    setChurn,
    async stop() {
      await server.stop();
    },
    async start() {
      if (closed) throw new Error('cluster is closed');
      if (server.listening) return;
      // A restarted apiserver rebuilds its watch cache from the current state.
      store.resetWatchCache();
      await server.listen();
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(compactor);
      setChurn(0);
      controllers.stop();
      gc.stop();
      await server.stop();
    },
  };
}

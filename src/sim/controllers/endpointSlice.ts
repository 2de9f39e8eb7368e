import type { KubeObject } from '../../kube/types.js';
import { controllerRef } from '../workload/context.js';
import { MANAGED_BY_LABEL, SERVICE_NAME_LABEL, sliceEndpoint, sliceLabels, SLICE_CONTROLLER } from '../workload/networking.js';
import { isoSeconds } from '../workload/time.js';
import { keyOf, type PodInfo } from './clusterIndex.js';
import { sameJson, type Controller, type ControllerContext } from './context.js';
import { MANAGER } from './podFactory.js';

interface ServicePortSpec {
  name?: string;
  port: number;
  protocol?: string;
  targetPort?: number | string;
}

/**
 * EndpointSlices follow the pods a Service selects: one slice per Service
 * (named `<service>-<suffix>`), an endpoint per selected pod that has an IP,
 * with ready/serving/terminating conditions and a targetRef to the pod.
 * Services without a selector are left alone (their slices are managed by hand).
 */
export function endpointSliceController(ctx: ControllerContext): Controller {
  const { store, index } = ctx;

  const resolvePort = (p: ServicePortSpec, pods: PodInfo[], ns: string): number => {
    if (typeof p.targetPort === 'number') return p.targetPort;
    if (typeof p.targetPort === 'string' && pods.length) {
      const pod = store.get('Pod', ns, pods[0].name);
      for (const c of ((pod?.spec as { containers?: Array<{ ports?: Array<{ name?: string; containerPort: number }> }> } | undefined)?.containers ?? [])) {
        const port = c.ports?.find((x) => x.name === p.targetPort);
        if (port) return port.containerPort;
      }
    }
    return p.port;
  };

  const reconcile = (ns: string, name: string): void => {
    const svcKey = keyOf(ns, name);
    const info = index.services.get(svcKey);
    if (!info?.selector) return;
    const svc = store.get('Service', ns, name);
    if (!svc || svc.metadata.deletionTimestamp) return;
    const selected: PodInfo[] = [];
    for (const k of index.podsByNamespace.get(ns) ?? []) {
      const p = index.pods.get(k);
      if (p && info.selector.matches(p.labels) && p.podIP && p.phase !== 'Succeeded' && p.phase !== 'Failed') selected.push(p);
    }
    selected.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const nodes = index.nodes;
    const endpoints = selected.map((p) =>
      sliceEndpoint(ns, { ip: p.podIP!, ready: p.ready, terminating: p.deleting, podName: p.name, podUid: p.uid, nodeName: p.nodeName ?? '', zone: nodes.get(p.nodeName ?? '')?.zone ?? '' }),
    );
    const ports = ((svc.spec as { ports?: ServicePortSpec[] } | undefined)?.ports ?? []).map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: resolvePort(p, selected, ns) }));
    const wantEndpoints = endpoints.length ? endpoints : null;
    const wantPorts = ports.length ? ports : null;
    const sliceNames = [...(index.slicesByService.get(svcKey) ?? [])].sort();
    const now = isoSeconds(Date.now());
    if (!sliceNames.length) {
      const slice: KubeObject = {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name: `${name}-${ctx.rng.nameSuffix(5)}`,
          generateName: `${name}-`,
          namespace: ns,
          uid: ctx.rng.uuid(),
          labels: sliceLabels(name, svc.metadata.labels ?? {}),
          annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': now },
          ownerReferences: [controllerRef('v1', 'Service', name, svc.metadata.uid ?? '')],
        },
        addressType: 'IPv4',
        endpoints: wantEndpoints,
        ports: wantPorts,
      };
      store.create('discovery.k8s.io/EndpointSlice', slice, MANAGER);
      return;
    }
    const [first, ...rest] = sliceNames;
    const current = store.get('discovery.k8s.io/EndpointSlice', ns, first);
    if (current && !(sameJson(current.endpoints ?? null, wantEndpoints) && sameJson(current.ports ?? null, wantPorts))) {
      store.mutate('discovery.k8s.io/EndpointSlice', ns, first, (o) => {
        o.endpoints = wantEndpoints;
        o.ports = wantPorts;
        o.metadata.labels = { ...(o.metadata.labels ?? {}), [MANAGED_BY_LABEL]: SLICE_CONTROLLER, [SERVICE_NAME_LABEL]: name };
        o.metadata.annotations = { ...(o.metadata.annotations ?? {}), 'endpoints.kubernetes.io/last-change-trigger-time': now };
      }, MANAGER);
    }
    // One slice per service here: extra controller-managed slices go.
    for (const extra of rest) store.delete('discovery.k8s.io/EndpointSlice', ns, extra);
  };

  const enqueue = (ns: string, name: string): void => ctx.queue.enqueue(`eps|${keyOf(ns, name)}`, () => reconcile(ns, name));

  return (ch, prevPod) => {
    const k = ch.kind;
    const md = ch.object.metadata;
    const ns = md.namespace ?? '';
    if (k.group === '' && k.kind === 'Service') {
      if (ch.type !== 'DELETED') enqueue(ns, md.name ?? '');
      return;
    }
    if (k.group === 'discovery.k8s.io' && k.kind === 'EndpointSlice') {
      const svc = md.labels?.[SERVICE_NAME_LABEL];
      if (svc && md.labels?.[MANAGED_BY_LABEL] === SLICE_CONTROLLER && ch.type === 'DELETED' && index.services.has(keyOf(ns, svc))) enqueue(ns, svc);
      return;
    }
    if (k.group !== '' || k.kind !== 'Pod') return;
    const podKey = keyOf(ns, md.name ?? '');
    const now = index.pods.get(podKey);
    // Only what endpoints show matters: IP, readiness, deletion, labels, phase.
    if (prevPod && now && prevPod.podIP === now.podIP && prevPod.ready === now.ready && prevPod.deleting === now.deleting && prevPod.phase === now.phase && sameJson(prevPod.labels, now.labels)) return;
    // Services that selected the pod before or select it now.
    for (const sk of index.servicesByNamespace.get(ns) ?? []) {
      const svc = index.services.get(sk);
      if (svc?.selector && (svc.selector.matches(now?.labels) || svc.selector.matches(prevPod?.labels))) enqueue(ns, svc.name);
    }
  };
}

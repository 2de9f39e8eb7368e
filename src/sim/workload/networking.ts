import type { KubeObject, OwnerReference } from '../../kube/types.js';
import { appliedEntry, markApplied } from './applied.js';
import { controllerRef, meta, type Labels } from './context.js';
import { fieldsV1Of, managedEntry } from './managedFields.js';
import type { Obj } from './pods.js';
import { isoSeconds } from './time.js';

/** Services, their EndpointSlices, Ingresses and NetworkPolicies. */

export interface ServicePort {
  name: string;
  port: number;
  targetPort: number | string;
  protocol?: string;
}

export interface ServiceInput {
  namespace: string;
  name: string;
  uid: string;
  created: number;
  labels: Labels;
  /** undefined = a Service without selector (endpoints managed by hand). */
  selector?: Labels;
  ports: ServicePort[];
  /** "None" for headless. */
  clusterIP: string;
  type?: 'ClusterIP' | 'LoadBalancer';
  annotations?: Labels;
  /** Manager of the spec (default kubectl-client-side-apply with last-applied). */
  manager?: string;
}

export function buildService(s: ServiceInput): KubeObject {
  const ports = s.ports.map((p) => ({ name: p.name, protocol: p.protocol ?? 'TCP', port: p.port, targetPort: p.targetPort }));
  const userSpec: Obj = { ports };
  if (s.selector) userSpec.selector = s.selector;
  if (s.clusterIP === 'None') userSpec.clusterIP = 'None';
  if (s.type === 'LoadBalancer') userSpec.type = 'LoadBalancer';
  const spec: Obj = { ports };
  if (s.selector) spec.selector = s.selector;
  spec.clusterIP = s.clusterIP;
  spec.clusterIPs = [s.clusterIP];
  spec.type = s.type ?? 'ClusterIP';
  spec.sessionAffinity = 'None';
  if (s.type === 'LoadBalancer') {
    spec.externalTrafficPolicy = 'Cluster';
    ports.forEach((p, i) => Object.assign(p, { nodePort: 30000 + ((p.port * 7 + i * 13 + s.name.length * 101) % 2767) }));
    spec.allocateLoadBalancerNodePorts = true;
  }
  spec.ipFamilies = ['IPv4'];
  spec.ipFamilyPolicy = 'SingleStack';
  spec.internalTrafficPolicy = 'Cluster';
  const at = isoSeconds(s.created);
  const annotations: Record<string, string> = { ...(s.annotations ?? {}) };
  let mf;
  if (s.manager) {
    mf = [managedEntry(s.manager, 'v1', at, fieldsV1Of({ metadata: { labels: s.labels }, spec: { ...userSpec, internalTrafficPolicy: 'Cluster', sessionAffinity: 'None', type: spec.type } }))];
  } else {
    markApplied(annotations, { apiVersion: 'v1', kind: 'Service', name: s.name, namespace: s.namespace, labels: s.labels, fields: { spec: userSpec } });
    mf = [appliedEntry('v1', at, { labels: s.labels, annotations }, { spec: { ...userSpec, internalTrafficPolicy: 'Cluster', sessionAffinity: 'None', type: spec.type } })];
  }
  const status: Obj = s.type === 'LoadBalancer' ? { loadBalancer: { ingress: [{ ip: `203.0.113.${10 + (s.name.length * 17) % 200}` }] } } : { loadBalancer: {} };
  return {
    kind: 'Service',
    apiVersion: 'v1',
    metadata: meta({ name: s.name, namespace: s.namespace, uid: s.uid, created: s.created, labels: s.labels, annotations, managedFields: mf }),
    spec,
    status,
  };
}

export interface SliceEndpoint {
  ip: string;
  ready: boolean;
  terminating?: boolean;
  podName: string;
  podUid: string;
  nodeName: string;
  zone: string;
}

export interface EndpointSliceInput {
  namespace: string;
  name: string;
  uid: string;
  created: number;
  service: { name: string; uid: string; labels: Labels };
  endpoints: SliceEndpoint[];
  ports: Array<{ name: string; port: number; protocol?: string }>;
  /** When endpoints last changed. */
  changed: number;
  generation?: number;
}

/** One endpoint as the endpointslice controller writes it. */
export function sliceEndpoint(namespace: string, e: SliceEndpoint): Obj {
  return {
    addresses: [e.ip],
    conditions: { ready: e.ready && !e.terminating, serving: e.ready, terminating: !!e.terminating },
    targetRef: { kind: 'Pod', namespace, name: e.podName, uid: e.podUid },
    nodeName: e.nodeName,
    zone: e.zone,
  };
}

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const SLICE_CONTROLLER = 'endpointslice-controller.k8s.io';

/** Labels of a controller-managed EndpointSlice: the Service's labels plus the two slice labels. */
export function sliceLabels(serviceName: string, serviceLabels: Labels): Labels {
  return { ...serviceLabels, [MANAGED_BY_LABEL]: SLICE_CONTROLLER, [SERVICE_NAME_LABEL]: serviceName };
}

export function buildEndpointSlice(e: EndpointSliceInput): KubeObject {
  const owner: OwnerReference = controllerRef('v1', 'Service', e.service.name, e.service.uid);
  const labels = sliceLabels(e.service.name, e.service.labels);
  const annotations = { 'endpoints.kubernetes.io/last-change-trigger-time': isoSeconds(e.changed) };
  const endpoints = e.endpoints.length ? e.endpoints.map((x) => sliceEndpoint(e.namespace, x)) : null;
  const ports = e.ports.length ? e.ports.map((p) => ({ name: p.name, protocol: p.protocol ?? 'TCP', port: p.port })) : null;
  const at = isoSeconds(e.changed);
  const f: Obj = { addressType: 'IPv4', metadata: { annotations, generateName: '', labels, ownerReferences: [owner] } };
  if (endpoints) f.endpoints = [];
  if (ports) f.ports = [];
  return {
    kind: 'EndpointSlice',
    apiVersion: 'discovery.k8s.io/v1',
    metadata: meta({
      name: e.name,
      generateName: `${e.service.name}-`,
      namespace: e.namespace,
      uid: e.uid,
      generation: e.generation ?? 1,
      created: e.created,
      labels,
      annotations,
      ownerReferences: [owner],
      managedFields: [managedEntry('kube-controller-manager', 'discovery.k8s.io/v1', at, fieldsV1Of(f))],
    }),
    addressType: 'IPv4',
    endpoints,
    ports,
  };
}

export interface IngressInput {
  namespace: string;
  name: string;
  uid: string;
  created: number;
  labels: Labels;
  host: string;
  /** path → [service, port name] */
  paths: Array<{ path: string; service: string; port: string }>;
  defaultBackend?: { service: string; port: string };
  tlsSecret?: string;
  loadBalancerIp: string;
}

export function buildIngress(i: IngressInput): KubeObject {
  const spec: Obj = { ingressClassName: 'nginx' };
  if (i.defaultBackend) spec.defaultBackend = { service: { name: i.defaultBackend.service, port: { name: i.defaultBackend.port } } };
  if (i.tlsSecret) spec.tls = [{ hosts: [i.host], secretName: i.tlsSecret }];
  spec.rules = [{ host: i.host, http: { paths: i.paths.map((p) => ({ path: p.path, pathType: 'Prefix', backend: { service: { name: p.service, port: { name: p.port } } } })) } }];
  const annotations: Record<string, string> = { 'nginx.ingress.kubernetes.io/proxy-body-size': '8m' };
  markApplied(annotations, { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: i.name, namespace: i.namespace, labels: i.labels, fields: { spec } });
  const at = isoSeconds(i.created);
  return {
    kind: 'Ingress',
    apiVersion: 'networking.k8s.io/v1',
    metadata: meta({
      name: i.name,
      namespace: i.namespace,
      uid: i.uid,
      generation: 1,
      created: i.created,
      labels: i.labels,
      annotations,
      managedFields: [
        appliedEntry('networking.k8s.io/v1', at, { labels: i.labels, annotations }, { spec }),
        managedEntry('nginx-ingress-controller', 'networking.k8s.io/v1', isoSeconds(i.created + 30_000), { 'f:status': { 'f:loadBalancer': { 'f:ingress': {} } } }, { subresource: 'status' }),
      ],
    }),
    spec,
    status: { loadBalancer: { ingress: [{ ip: i.loadBalancerIp }] } },
  };
}

export interface NetworkPolicyInput {
  namespace: string;
  name: string;
  uid: string;
  created: number;
  labels?: Labels;
  podSelector: Labels;
  /** Allow ingress from pods with these labels (same namespace) and from namespaces with these labels. */
  fromPods?: Labels;
  fromNamespaces?: Labels;
  ports?: number[];
  /** Deny-all policy (empty ingress). */
  denyAll?: boolean;
}

export function buildNetworkPolicy(n: NetworkPolicyInput): KubeObject {
  const spec: Obj = { podSelector: Object.keys(n.podSelector).length ? { matchLabels: n.podSelector } : {} };
  if (!n.denyAll) {
    const from: Obj[] = [];
    if (n.fromPods) from.push({ podSelector: { matchLabels: n.fromPods } });
    if (n.fromNamespaces) from.push({ namespaceSelector: { matchLabels: n.fromNamespaces } });
    const rule: Obj = {};
    if (n.ports?.length) rule.ports = n.ports.map((port) => ({ protocol: 'TCP', port }));
    if (from.length) rule.from = from;
    spec.ingress = [rule];
  }
  spec.policyTypes = ['Ingress'];
  const annotations: Record<string, string> = {};
  markApplied(annotations, { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', name: n.name, namespace: n.namespace, labels: n.labels, fields: { spec } });
  const at = isoSeconds(n.created);
  return {
    kind: 'NetworkPolicy',
    apiVersion: 'networking.k8s.io/v1',
    metadata: meta({
      name: n.name,
      namespace: n.namespace,
      uid: n.uid,
      generation: 1,
      created: n.created,
      labels: n.labels,
      annotations,
      managedFields: [appliedEntry('networking.k8s.io/v1', at, { labels: n.labels, annotations }, { spec })],
    }),
    spec,
  };
}

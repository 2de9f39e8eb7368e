import type { KubeObject } from '../../kube/types.js';
import type { SourceInfo, TargetRef } from '../types.js';
import { defaultApiVersion } from '../refKinds.js';
import { type EdgeRule, TargetSet } from './rule.js';
import { arr, obj, path, str } from './wire.js';

/**
 * ROUTES_TO: Ingress -> the Services its backends name; EndpointSlice -> the
 * objects its endpoints' targetRef name (Pods).
 *
 * Edge cases:
 * - Ingress (networking.k8s.io/v1): `spec.defaultBackend` and every
 *   `spec.rules[].http.paths[].backend`; a `service` backend routes to that
 *   Service of the Ingress's namespace (the port does not matter). A
 *   `resource` backend (a TypedLocalObjectReference to e.g. a storage bucket
 *   CRD) is not an edge: it names no version and no Service. Rules without
 *   `http` (host-only) contribute nothing.
 * - EndpointSlice: `endpoints: null` (no ready pod has an IP) yields nothing.
 *   A targetRef with a uid resolves by uid (a pod recreated under the same
 *   name, like a StatefulSet pod, is a different endpoint until the slice is
 *   updated); without one, by kind/namespace/name. A targetRef without
 *   namespace is in the slice's namespace; without kind it is a Pod.
 */
export const routesToRule: EdgeRule = {
  type: 'ROUTES_TO',
  sourceKinds: ['networking.k8s.io/Ingress', 'discovery.k8s.io/EndpointSlice'],
  targets(o: KubeObject, source: SourceInfo): TargetRef[] {
    return source.kindKey === 'networking.k8s.io/Ingress' ? ingressTargets(o, source) : endpointSliceTargets(o, source);
  },
};

function ingressTargets(o: KubeObject, source: SourceInfo): TargetRef[] {
  const out = new TargetSet();
  const backend = (b: unknown) => {
    const service = str(path(b, 'service', 'name'));
    if (service) out.add({ apiVersion: 'v1', kind: 'Service', namespace: source.namespace, name: service, byUid: false });
  };
  backend(path(o, 'spec', 'defaultBackend'));
  for (const rule of arr(path(o, 'spec', 'rules'))) {
    for (const p of arr(path(rule, 'http', 'paths'))) backend(path(p, 'backend'));
  }
  return out.list;
}

function endpointSliceTargets(o: KubeObject, source: SourceInfo): TargetRef[] {
  const out = new TargetSet();
  for (const ep of arr(o.endpoints)) {
    const ref = obj(path(ep, 'targetRef'));
    const name = str(ref?.name);
    if (!ref || !name) continue;
    const kind = str(ref.kind) ?? 'Pod';
    const uid = str(ref.uid);
    const apiVersion = str(ref.apiVersion) ?? defaultApiVersion(kind);
    out.add({ apiVersion, kind, namespace: str(ref.namespace) ?? source.namespace, name, ...(uid ? { uid } : {}), byUid: uid !== undefined });
  }
  return out.list;
}

import type { KubeObject } from '../kube/types.js';
import type { Endpoint } from './context.js';
import { assetJson } from './assets.js';
import type { AggregatedList } from './simKinds.js';
import type { SimKind } from './types.js';
import { VIRTUAL_RESOURCES } from './virtualResources.js';

/**
 * Routing table: every group/version/resource served, mapped to its storage
 * kind. Kinds served at a second version (autoscaling/v1 HPAs,
 * flowcontrol v1beta2) are read through a conversion of the stored object.
 */

type Obj = Record<string, unknown>;

/** autoscaling/v2 → autoscaling/v1 HorizontalPodAutoscaler (CPU utilization only, as v1 has). */
function hpaV2toV1(obj: KubeObject): KubeObject {
  const spec = (obj.spec ?? {}) as Obj;
  const status = (obj.status ?? {}) as Obj;
  const metrics = Array.isArray(spec.metrics) ? (spec.metrics as Obj[]) : [];
  const cpu = metrics.find((m) => m.type === 'Resource' && (m.resource as Obj | undefined)?.name === 'cpu');
  const target = ((cpu?.resource as Obj | undefined)?.target ?? {}) as Obj;
  const v1Spec: Obj = { scaleTargetRef: spec.scaleTargetRef, minReplicas: spec.minReplicas, maxReplicas: spec.maxReplicas };
  if (typeof target.averageUtilization === 'number') v1Spec.targetCPUUtilizationPercentage = target.averageUtilization;
  const v1Status: Obj = { currentReplicas: status.currentReplicas ?? 0, desiredReplicas: status.desiredReplicas ?? 0 };
  if (status.lastScaleTime) v1Status.lastScaleTime = status.lastScaleTime;
  if (status.observedGeneration !== undefined) v1Status.observedGeneration = status.observedGeneration;
  return { kind: obj.kind, apiVersion: 'autoscaling/v1', metadata: obj.metadata, spec: v1Spec, status: v1Status } as KubeObject;
}

const CONVERSIONS: Record<string, (o: KubeObject) => KubeObject> = {
  'autoscaling/v1/horizontalpodautoscalers': hpaV2toV1,
};

/** gv ("v1", "apps/v1") → resource → endpoint. */
export function buildEndpoints(kinds: readonly SimKind[]): Map<string, Map<string, Endpoint>> {
  const out = new Map<string, Map<string, Endpoint>>();
  const add = (ep: Endpoint): void => {
    const gv = ep.group ? `${ep.group}/${ep.version}` : ep.version;
    let m = out.get(gv);
    if (!m) out.set(gv, (m = new Map()));
    if (!m.has(ep.resource)) m.set(ep.resource, ep);
  };
  for (const k of kinds) {
    add({ group: k.group, version: k.version, resource: k.plural, kind: k, apiVersion: k.group ? `${k.group}/${k.version}` : k.version, storageVersion: true });
  }
  // Other served versions of the same storage.
  const named = assetJson<AggregatedList>('discovery/aggregated-apis.json');
  for (const g of named.items) {
    const group = g.metadata.name ?? '';
    for (const v of g.versions.slice(1)) {
      for (const r of v.resources as unknown as Array<{ resource: string }>) {
        const kind = kinds.find((k) => k.group === group && k.plural === r.resource);
        if (!kind) continue;
        const apiVersion = `${group}/${v.version}`;
        const conv = CONVERSIONS[`${apiVersion}/${r.resource}`];
        add({
          group,
          version: v.version,
          resource: r.resource,
          kind: { ...kind, version: v.version, verbs: kind.verbs.filter((x) => x === 'get' || x === 'list' || x === 'watch') },
          apiVersion,
          storageVersion: false,
          toVersion: (o) => (conv ? conv(o) : { ...o, apiVersion }),
        });
      }
    }
  }
  // Resources without storage that discovery lists (their other verbs answer 405).
  const core = assetJson<AggregatedList>('discovery/aggregated-api.json');
  for (const g of [...core.items, ...named.items]) {
    const group = g.metadata.name ?? '';
    const v = g.versions[0];
    for (const r of v.resources as unknown as Array<{ resource: string; scope: string; verbs: string[]; responseKind: { kind: string } }>) {
      if (!VIRTUAL_RESOURCES.has(r.resource)) continue;
      const kind: SimKind = { group, version: v.version, kind: r.responseKind.kind, plural: r.resource, namespaced: r.scope === 'Namespaced', listKind: `${r.responseKind.kind}List`, verbs: r.verbs };
      add({ group, version: v.version, resource: r.resource, kind, apiVersion: group ? `${group}/${v.version}` : v.version, storageVersion: true, virtual: true });
    }
  }
  return out;
}

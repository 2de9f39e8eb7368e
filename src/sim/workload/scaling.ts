import type { KubeObject } from '../../kube/types.js';
import { appliedEntry, markApplied } from './applied.js';
import { meta, type Labels } from './context.js';
import { fieldsV1Of, managedEntry } from './managedFields.js';
import type { Obj } from './pods.js';
import { isoSeconds } from './time.js';

/** HorizontalPodAutoscalers and PodDisruptionBudgets. */

export function buildHpa(o: { namespace: string; name: string; uid: string; created: number; labels: Labels; target: string; min: number; max: number; current: number; cpu: number }): KubeObject {
  const spec: Obj = {
    scaleTargetRef: { kind: 'Deployment', name: o.target, apiVersion: 'apps/v1' },
    minReplicas: o.min,
    maxReplicas: o.max,
    metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
  };
  const annotations: Record<string, string> = {};
  markApplied(annotations, { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: o.name, namespace: o.namespace, labels: o.labels, fields: { spec } });
  const at = isoSeconds(o.created);
  const later = isoSeconds(o.created + 15_000);
  const status: Obj = {
    lastScaleTime: later,
    currentReplicas: o.current,
    desiredReplicas: o.current,
    currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageValue: `${Math.round(o.cpu * 1.5)}m`, averageUtilization: o.cpu } } }],
    conditions: [
      { type: 'AbleToScale', status: 'True', lastTransitionTime: later, reason: 'ReadyForNewScale', message: 'recommended size matches current size' },
      { type: 'ScalingActive', status: 'True', lastTransitionTime: later, reason: 'ValidMetricFound', message: 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)' },
      o.current >= o.max
        ? { type: 'ScalingLimited', status: 'True', lastTransitionTime: later, reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' }
        : { type: 'ScalingLimited', status: 'False', lastTransitionTime: later, reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' },
    ],
  };
  return {
    kind: 'HorizontalPodAutoscaler',
    apiVersion: 'autoscaling/v2',
    metadata: meta({
      name: o.name,
      namespace: o.namespace,
      uid: o.uid,
      created: o.created,
      labels: o.labels,
      annotations,
      managedFields: [
        appliedEntry('autoscaling/v2', at, { labels: o.labels, annotations }, { spec }),
        managedEntry('kube-controller-manager', 'autoscaling/v2', later, fieldsV1Of({ status }), { subresource: 'status' }),
      ],
    }),
    spec,
    status,
  };
}

export function buildPdb(o: { namespace: string; name: string; uid: string; created: number; labels: Labels; selector: Labels; expected: number; healthy: number; minAvailable?: number; maxUnavailable?: number }): KubeObject {
  const spec: Obj = {};
  if (o.maxUnavailable !== undefined) spec.maxUnavailable = o.maxUnavailable;
  else spec.minAvailable = o.minAvailable ?? 1;
  spec.selector = { matchLabels: o.selector };
  const desired = o.maxUnavailable !== undefined ? Math.max(0, o.expected - o.maxUnavailable) : Math.min(o.minAvailable ?? 1, o.expected);
  const allowed = Math.max(0, o.healthy - desired);
  const at = isoSeconds(o.created);
  const status: Obj = {
    observedGeneration: 1,
    disruptionsAllowed: allowed,
    currentHealthy: o.healthy,
    desiredHealthy: desired,
    expectedPods: o.expected,
    conditions: [
      allowed > 0
        ? { type: 'DisruptionAllowed', status: 'True', observedGeneration: 1, lastTransitionTime: at, reason: 'SufficientPods', message: '' }
        : { type: 'DisruptionAllowed', status: 'False', observedGeneration: 1, lastTransitionTime: at, reason: 'InsufficientPods', message: '' },
    ],
  };
  const annotations: Record<string, string> = {};
  markApplied(annotations, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', name: o.name, namespace: o.namespace, labels: o.labels, fields: { spec } });
  return {
    kind: 'PodDisruptionBudget',
    apiVersion: 'policy/v1',
    metadata: meta({
      name: o.name,
      namespace: o.namespace,
      uid: o.uid,
      generation: 1,
      created: o.created,
      labels: o.labels,
      annotations,
      managedFields: [appliedEntry('policy/v1', at, { labels: o.labels, annotations }, { spec }), managedEntry('kube-controller-manager', 'policy/v1', at, fieldsV1Of({ status }), { subresource: 'status' })],
    }),
    spec,
    status,
  };
}

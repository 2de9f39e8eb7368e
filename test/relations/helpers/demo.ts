import type { KubeObject } from '../../../src/kube/types.js';
import { captured } from './fixtures.js';

/** Every captured object of namespace "demo" (plus its nodes, PV, StorageClass, cluster RBAC) that the graph relates. */
export const DEMO_OBJECTS = [
  'namespace-demo',
  'node-a',
  'node-b',
  'storageclass-standard',
  'persistentvolume-pv-0001',
  'persistentvolumeclaim-data-claim',
  'persistentvolumeclaim-data-db-0',
  'configmap-web-config',
  'secret-web-secret',
  'secret-regcred',
  'serviceaccount-default',
  'serviceaccount-web-sa',
  'deployment-web',
  'replicaset-web-f77c755dc',
  'pod-web-f77c755dc-2bdwq',
  'pod-web-f77c755dc-6xn85',
  'pod-web-f77c755dc-7xkhv',
  'statefulset-db',
  'pod-db-0',
  'daemonset-node-exporter',
  'pod-daemonset-node-exporter-8bl2m',
  'job-migrate',
  'pod-job-migrate-qgz84',
  'cronjob-report',
  'job-from-cronjob-report-29924032',
  'pod-runner',
  'service-web',
  'service-runner',
  'service-db-headless',
  'endpointslice-web-7cng9',
  'endpointslice-runner-4jj2g',
  'endpointslice-db-ktl8s',
  'ingress-web',
  'horizontalpodautoscaler-web.autoscaling-v2',
  'poddisruptionbudget-web',
  'networkpolicy-web-allow-frontend',
  'role-pod-reader',
  'rolebinding-read-pods',
  'clusterrole-monitoring.aggregated',
  'clusterrolebinding-monitoring',
  'event-core-created-via-core.core-v1',
  'event-controller-ScalingReplicaSet.core-v1',
] as const;

/**
 * The demo objects, with web-f77c755dc-2bdwq as a scheduler and a user would
 * have left it: bound to node-a, and mounting the bound claim data-claim (the
 * captured pod is Pending and unscheduled: the capture cluster had no scheduler).
 */
export function demoObjects(): KubeObject[] {
  return DEMO_OBJECTS.map((name) => {
    const o = captured(name);
    if (name === 'pod-web-f77c755dc-2bdwq') {
      const spec = o.spec as { nodeName?: string; volumes: unknown[] };
      spec.nodeName = 'node-a';
      spec.volumes.push({ name: 'data', persistentVolumeClaim: { claimName: 'data-claim' } });
    }
    return o;
  });
}

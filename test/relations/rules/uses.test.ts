import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/kube/types.js';
import { usesRule } from '../../../src/relations/rules/uses.js';
import { captured, sourceOf } from '../helpers/fixtures.js';

const refs = (o: KubeObject) =>
  usesRule
    .targets(o, sourceOf(o))
    .map((t) => `${t.kind}/${t.namespace}/${t.name}`)
    .sort();

describe('USES rule', () => {
  it('lists what a Deployment pod mounts and reads: volumes, env, envFrom, projected, imagePullSecrets, service account', () => {
    expect(refs(captured('pod-web-f77c755dc-2bdwq'))).toEqual([
      'ConfigMap/demo/kube-root-ca.crt', // projected kube-api-access volume added by admission
      'ConfigMap/demo/web-config',
      'Secret/demo/regcred',
      'Secret/demo/web-secret',
      'ServiceAccount/demo/web-sa',
    ]);
  });

  it('reads the same from every pod template: Deployment, ReplicaSet', () => {
    const expected = ['ConfigMap/demo/web-config', 'Secret/demo/regcred', 'Secret/demo/web-secret', 'ServiceAccount/demo/web-sa'];
    expect(refs(captured('deployment-web'))).toEqual(expected);
    expect(refs(captured('replicaset-web-f77c755dc'))).toEqual(expected);
  });

  it('defaults a template without serviceAccountName to the "default" ServiceAccount (StatefulSet, DaemonSet, Job, CronJob)', () => {
    expect(refs(captured('statefulset-db'))).toEqual(['ServiceAccount/demo/default']);
    expect(refs(captured('daemonset-node-exporter'))).toEqual(['ServiceAccount/demo/default']);
    expect(refs(captured('job-migrate'))).toEqual(['ServiceAccount/demo/default']);
    expect(refs(captured('cronjob-report'))).toEqual(['ServiceAccount/demo/default']);
  });

  it('finds the PVC of a StatefulSet pod', () => {
    expect(refs(captured('pod-db-0'))).toEqual(['ConfigMap/demo/kube-root-ca.crt', 'PersistentVolumeClaim/demo/data-db-0', 'ServiceAccount/demo/default']);
  });

  it('reads CronJob jobTemplate, initContainers, ephemeralContainers, projected secrets, CSI and ephemeral volumes', () => {
    const cj = captured('cronjob-report');
    const podSpec = (((cj.spec as Record<string, unknown>).jobTemplate as Record<string, unknown>).spec as Record<string, Record<string, unknown>>).template
      .spec as Record<string, unknown>;
    podSpec.initContainers = [{ name: 'init', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'init-secret', key: 'k', optional: true } } }] }];
    podSpec.volumes = [
      { name: 'p', projected: { sources: [{ secret: { name: 'projected-secret' } }, { configMap: { name: 'projected-cm' } }, { downwardAPI: {} }] } },
      { name: 'csi', csi: { driver: 'x', nodePublishSecretRef: { name: 'csi-secret' } } },
      { name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: {} } } },
    ];
    podSpec.serviceAccountName = 'reporter';
    expect(refs(cj)).toEqual(['ConfigMap/demo/projected-cm', 'Secret/demo/csi-secret', 'Secret/demo/init-secret', 'Secret/demo/projected-secret', 'ServiceAccount/demo/reporter']);

    const pod = captured('pod-runner');
    const spec = pod.spec as Record<string, unknown>;
    spec.ephemeralContainers = [{ name: 'debug', envFrom: [{ configMapRef: { name: 'debug-env' } }] }];
    spec.volumes = [{ name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: {} } } }];
    // the ephemeral-volume controller names the claim <pod>-<volume>
    expect(refs(pod)).toEqual(['ConfigMap/demo/debug-env', 'PersistentVolumeClaim/demo/runner-scratch', 'ServiceAccount/demo/default']);
  });

  it('uses the deprecated serviceAccount field when serviceAccountName is absent, and skips empty names', () => {
    const pod = captured('pod-runner');
    const spec = pod.spec as Record<string, unknown>;
    delete spec.serviceAccountName;
    spec.serviceAccount = 'legacy';
    spec.volumes = [{ name: 'a', configMap: { name: '' } }, { name: 'b', secret: {} }];
    expect(refs(pod)).toEqual(['ServiceAccount/demo/legacy']);
  });

  it('lists each referenced object once although the pod references web-config three ways', () => {
    const pod = captured('pod-web-f77c755dc-2bdwq');
    const targets = usesRule.targets(pod, sourceOf(pod)).filter((t) => t.name === 'web-config');
    expect(targets).toHaveLength(1);
  });

  it('gives a template without spec no edge instead of throwing', () => {
    const d = captured('deployment-web');
    delete (d.spec as Record<string, unknown>).template;
    expect(refs(d)).toEqual([]);
  });
});

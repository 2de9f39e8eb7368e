import type { TargetRef } from '../types.js';
import { TargetSet } from './rule.js';
import { arr, field, obj, str, type Json } from './wire.js';

/** In-tree volume plugins whose `secretRef.name` names a Secret of the pod's namespace. */
const SECRET_REF_PLUGINS: ReadonlySet<string> = new Set(['cephfs', 'cinder', 'flexVolume', 'iscsi', 'rbd', 'scaleIO', 'storageos']);

/**
 * Everything a pod spec names in its own namespace: ConfigMaps, Secrets,
 * PersistentVolumeClaims and its ServiceAccount. Mirrors the Kubernetes
 * visitors `VisitPodSecretNames` / `VisitPodConfigmapNames` (pkg/api/v1/pod)
 * plus claims and the service account.
 *
 * Read from:
 * - volumes: configMap.name, secret.secretName, persistentVolumeClaim.claimName,
 *   projected.sources[].configMap.name / .secret.name, and the secret
 *   references of in-tree volume plugins (azureFile.secretName,
 *   cephfs/cinder/flexVolume/iscsi/rbd/scaleIO/storageOS .secretRef.name,
 *   csi.nodePublishSecretRef.name);
 * - ephemeral volumes (volumes[].ephemeral): the PVC the ephemeral-volume
 *   controller creates is named `<pod>-<volume>`; only known for a Pod, not for
 *   a template (pass `podName` undefined);
 * - containers, initContainers and ephemeralContainers: env[].valueFrom
 *   .configMapKeyRef / .secretKeyRef and envFrom[].configMapRef / .secretRef;
 * - imagePullSecrets[].name;
 * - serviceAccountName, else the deprecated serviceAccount, else "default":
 *   admission assigns "default" to every pod created without one, so a
 *   template without a name yields pods that use the namespace's "default"
 *   ServiceAccount (and cannot be created without it).
 *
 * References marked `optional: true` still count: the pod reads the object
 * when it exists. Entries with an empty name are skipped.
 */
export function podSpecTargets(spec: Json | undefined, namespace: string, podName: string | undefined): TargetRef[] {
  const out = new TargetSet();
  if (!spec) return out.list;
  const add = (kind: 'ConfigMap' | 'Secret' | 'PersistentVolumeClaim' | 'ServiceAccount', name: unknown) => {
    const n = str(name);
    if (n) out.add({ apiVersion: 'v1', kind, namespace, name: n, byUid: false });
  };

  for (const v of arr(spec.volumes)) {
    const vol = obj(v);
    if (!vol) continue;
    // a volume has its name and one source: dispatch on the keys present rather than probing every plugin
    for (const source in vol) {
      const src = vol[source];
      switch (source) {
        case 'name':
          break;
        case 'configMap':
          add('ConfigMap', field(src, 'name'));
          break;
        case 'secret':
          add('Secret', field(src, 'secretName'));
          break;
        case 'persistentVolumeClaim':
          add('PersistentVolumeClaim', field(src, 'claimName'));
          break;
        case 'projected':
          for (const p of arr(field(src, 'sources'))) {
            add('ConfigMap', field(field(p, 'configMap'), 'name'));
            add('Secret', field(field(p, 'secret'), 'name'));
          }
          break;
        case 'azureFile':
          add('Secret', field(src, 'secretName'));
          break;
        case 'csi':
          add('Secret', field(field(src, 'nodePublishSecretRef'), 'name'));
          break;
        case 'ephemeral': {
          const volName = str(vol.name);
          if (podName && volName && obj(src)) add('PersistentVolumeClaim', `${podName}-${volName}`);
          break;
        }
        default:
          if (SECRET_REF_PLUGINS.has(source)) add('Secret', field(field(src, 'secretRef'), 'name'));
      }
    }
  }

  for (const list of [spec.containers, spec.initContainers, spec.ephemeralContainers]) {
    for (const c of arr(list)) {
      const container = obj(c);
      if (!container) continue;
      for (const e of arr(container.env)) {
        const valueFrom = field(e, 'valueFrom');
        if (valueFrom === undefined) continue; // the usual `value: ...` entry
        add('ConfigMap', field(field(valueFrom, 'configMapKeyRef'), 'name'));
        add('Secret', field(field(valueFrom, 'secretKeyRef'), 'name'));
      }
      for (const e of arr(container.envFrom)) {
        add('ConfigMap', field(field(e, 'configMapRef'), 'name'));
        add('Secret', field(field(e, 'secretRef'), 'name'));
      }
    }
  }

  for (const s of arr(spec.imagePullSecrets)) add('Secret', field(s, 'name'));
  add('ServiceAccount', str(spec.serviceAccountName) ?? str(spec.serviceAccount) ?? 'default');
  return out.list;
}

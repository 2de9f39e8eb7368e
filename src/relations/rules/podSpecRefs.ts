import type { TargetRef } from '../types.js';
import { TargetSet } from './rule.js';
import { field, obj, str, type Json } from './wire.js';

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
  if (!spec) return [];
  const out = new NamespacedRefs(namespace);
  // This runs for every pod event. Property reads are written out at each
  // site (optional chaining is safe on any JSON value) rather than through a
  // generic field(obj, key) helper, whose dynamic keys make every read a slow
  // megamorphic lookup; loops are plain, and no closure is created per call.
  const s = spec as PodSpecLike;
  const volumes = s.volumes;
  if (Array.isArray(volumes)) for (let i = 0; i < volumes.length; i++) volumeTargets(volumes[i] as VolumeLike | null | undefined, out, podName);
  containerTargets(s.containers, out);
  containerTargets(s.initContainers, out);
  containerTargets(s.ephemeralContainers, out);
  const pullSecrets = s.imagePullSecrets;
  if (Array.isArray(pullSecrets)) for (let i = 0; i < pullSecrets.length; i++) out.named('Secret', (pullSecrets[i] as NameRef | null | undefined)?.name);
  out.named('ServiceAccount', str(s.serviceAccountName) ?? str(s.serviceAccount) ?? 'default');
  return out.list;
}

/** Collects v1 objects of one namespace by name, once each; names that are not non-empty strings are skipped. */
class NamespacedRefs extends TargetSet {
  constructor(private readonly namespace: string) {
    super();
  }

  named(kind: 'ConfigMap' | 'Secret' | 'PersistentVolumeClaim' | 'ServiceAccount', name: unknown): void {
    const n = str(name);
    if (n) this.add({ apiVersion: 'v1', kind, namespace: this.namespace, name: n, byUid: false });
  }
}

/** Loose views of wire shapes: every field may be absent or of any type, so reads go through `?.` and `str()`. */
interface NameRef {
  name?: unknown;
}
interface PodSpecLike {
  volumes?: unknown;
  containers?: unknown;
  initContainers?: unknown;
  ephemeralContainers?: unknown;
  imagePullSecrets?: unknown;
  serviceAccountName?: unknown;
  serviceAccount?: unknown;
}
interface VolumeLike {
  [source: string]: unknown;
  name?: unknown;
  projected?: { sources?: unknown } | null;
  configMap?: NameRef | null;
  secret?: { secretName?: unknown } | null;
  persistentVolumeClaim?: { claimName?: unknown } | null;
  emptyDir?: unknown;
  hostPath?: unknown;
  downwardAPI?: unknown;
}
interface ProjectionLike {
  configMap?: NameRef | null;
  secret?: NameRef | null;
}
interface ContainerLike {
  env?: unknown;
  envFrom?: unknown;
}
interface EnvVarLike {
  valueFrom?: { configMapKeyRef?: NameRef | null; secretKeyRef?: NameRef | null } | null;
}
interface EnvFromLike {
  configMapRef?: NameRef | null;
  secretRef?: NameRef | null;
}

/** The objects one volume names. A volume has its name and one source: the common sources are checked directly, the rare plugins by key. */
function volumeTargets(vol: VolumeLike | null | undefined, out: NamespacedRefs, podName: string | undefined): void {
  if (typeof vol !== 'object' || vol === null) return;
  if (vol.projected !== undefined) {
    const sources = vol.projected?.sources;
    if (Array.isArray(sources)) {
      for (let i = 0; i < sources.length; i++) {
        const p = sources[i] as ProjectionLike | null | undefined;
        out.named('ConfigMap', p?.configMap?.name);
        out.named('Secret', p?.secret?.name);
      }
    }
  } else if (vol.configMap !== undefined) out.named('ConfigMap', vol.configMap?.name);
  else if (vol.secret !== undefined) out.named('Secret', vol.secret?.secretName);
  else if (vol.persistentVolumeClaim !== undefined) out.named('PersistentVolumeClaim', vol.persistentVolumeClaim?.claimName);
  else if (vol.emptyDir === undefined && vol.hostPath === undefined && vol.downwardAPI === undefined) {
    for (const source in vol) {
      const src = vol[source];
      if (source === 'azureFile') out.named('Secret', field(src, 'secretName'));
      else if (source === 'csi') out.named('Secret', field(field(src, 'nodePublishSecretRef'), 'name'));
      else if (source === 'ephemeral') {
        const volName = str(vol.name);
        if (podName && volName && obj(src)) out.named('PersistentVolumeClaim', `${podName}-${volName}`);
      } else if (SECRET_REF_PLUGINS.has(source)) out.named('Secret', field(field(src, 'secretRef'), 'name'));
    }
  }
}

/** The objects a list of containers names through env valueFrom and envFrom. */
function containerTargets(list: unknown, out: NamespacedRefs): void {
  if (!Array.isArray(list)) return;
  for (let i = 0; i < list.length; i++) {
    const container = list[i] as ContainerLike | null | undefined;
    const env = container?.env;
    if (Array.isArray(env)) {
      for (let j = 0; j < env.length; j++) {
        const valueFrom = (env[j] as EnvVarLike | null | undefined)?.valueFrom;
        if (valueFrom === undefined || valueFrom === null) continue; // the usual `value: ...` entry
        out.named('ConfigMap', valueFrom.configMapKeyRef?.name);
        out.named('Secret', valueFrom.secretKeyRef?.name);
      }
    }
    const envFrom = container?.envFrom;
    if (Array.isArray(envFrom)) {
      for (let j = 0; j < envFrom.length; j++) {
        const e = envFrom[j] as EnvFromLike | null | undefined;
        out.named('ConfigMap', e?.configMapRef?.name);
        out.named('Secret', e?.secretRef?.name);
      }
    }
  }
}

import type { KubeObject } from '../../kube/types.js';
import { meta, type Labels } from './context.js';
import { fieldsV1Of, managedEntry } from './managedFields.js';
import { isoSeconds } from './time.js';

/** StorageClasses and dynamically provisioned, bound PVC/PV pairs. */

export const DEFAULT_STORAGE_CLASS = 'standard-rwo';
export const PROVISIONER = 'pd.csi.storage.gke.io';

export function buildStorageClass(o: { name: string; uid: string; created: number; isDefault: boolean; type: string }): KubeObject {
  const annotations: Labels = o.isDefault ? { 'storageclass.kubernetes.io/is-default-class': 'true' } : {};
  const labels: Labels = { 'addonmanager.kubernetes.io/mode': 'EnsureExists' };
  return {
    kind: 'StorageClass',
    apiVersion: 'storage.k8s.io/v1',
    metadata: meta({
      name: o.name,
      uid: o.uid,
      created: o.created,
      labels,
      annotations,
      managedFields: [managedEntry('kube-addon-manager', 'storage.k8s.io/v1', isoSeconds(o.created), fieldsV1Of({ allowVolumeExpansion: true, metadata: { annotations: Object.keys(annotations).length ? annotations : undefined, labels }, parameters: { type: o.type }, provisioner: '', reclaimPolicy: '', volumeBindingMode: '' }))],
    }),
    provisioner: PROVISIONER,
    parameters: { type: o.type },
    reclaimPolicy: 'Delete',
    allowVolumeExpansion: true,
    volumeBindingMode: 'WaitForFirstConsumer',
  };
}

export interface VolumePairInput {
  namespace: string;
  claimName: string;
  claimUid: string;
  pvName: string;
  pvUid: string;
  created: number;
  storage: string;
  storageClassName: string;
  labels?: Labels;
  /** Node the volume was provisioned for (zone topology). */
  zone: string;
  nodeName: string;
}

/** A bound PVC and the PV the external provisioner created for it (claimRef ↔ volumeName). */
export function buildBoundVolume(v: VolumePairInput): { pvc: KubeObject; pv: KubeObject } {
  const at = isoSeconds(v.created);
  const boundAt = isoSeconds(v.created + 4_000);
  const pvcAnnotations: Labels = {
    'pv.kubernetes.io/bind-completed': 'yes',
    'pv.kubernetes.io/bound-by-controller': 'yes',
    'volume.beta.kubernetes.io/storage-provisioner': PROVISIONER,
    'volume.kubernetes.io/selected-node': v.nodeName,
    'volume.kubernetes.io/storage-provisioner': PROVISIONER,
  };
  const pvc: KubeObject = {
    kind: 'PersistentVolumeClaim',
    apiVersion: 'v1',
    metadata: meta({
      name: v.claimName,
      namespace: v.namespace,
      uid: v.claimUid,
      created: v.created,
      labels: v.labels,
      annotations: pvcAnnotations,
      finalizers: ['kubernetes.io/pvc-protection'],
      managedFields: [
        managedEntry('kube-controller-manager', 'v1', boundAt, { 'f:metadata': { 'f:annotations': { '.': {}, 'f:pv.kubernetes.io/bind-completed': {}, 'f:pv.kubernetes.io/bound-by-controller': {}, 'f:volume.beta.kubernetes.io/storage-provisioner': {}, 'f:volume.kubernetes.io/storage-provisioner': {} } }, 'f:spec': { 'f:volumeName': {} } }),
        managedEntry('kube-controller-manager', 'v1', boundAt, { 'f:status': { 'f:accessModes': {}, 'f:capacity': { '.': {}, 'f:storage': {} }, 'f:phase': {} } }, { subresource: 'status' }),
        managedEntry('kube-scheduler', 'v1', at, { 'f:metadata': { 'f:annotations': { 'f:volume.kubernetes.io/selected-node': {} } } }),
      ],
    }),
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: v.storage } }, volumeName: v.pvName, storageClassName: v.storageClassName, volumeMode: 'Filesystem' },
    status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: v.storage } },
  };
  const pv: KubeObject = {
    kind: 'PersistentVolume',
    apiVersion: 'v1',
    metadata: meta({
      name: v.pvName,
      uid: v.pvUid,
      created: v.created + 3_000,
      annotations: { 'pv.kubernetes.io/provisioned-by': PROVISIONER, 'volume.kubernetes.io/provisioner-deletion-secret-name': '', 'volume.kubernetes.io/provisioner-deletion-secret-namespace': '' },
      finalizers: ['kubernetes.io/pv-protection', 'external-provisioner.volume.kubernetes.io/finalizer'],
      managedFields: [
        managedEntry('csi-provisioner', 'v1', boundAt, fieldsV1Of({ metadata: { annotations: { 'pv.kubernetes.io/provisioned-by': '', 'volume.kubernetes.io/provisioner-deletion-secret-name': '', 'volume.kubernetes.io/provisioner-deletion-secret-namespace': '' }, finalizers: ['external-provisioner.volume.kubernetes.io/finalizer'] }, spec: { accessModes: [], capacity: { storage: '' }, claimRef: { apiVersion: '', kind: '', name: '', namespace: '', resourceVersion: '', uid: '' }, csi: { driver: '', fsType: '', volumeAttributes: { 'storage.kubernetes.io/csiProvisionerIdentity': '' }, volumeHandle: '' }, nodeAffinity: { required: {} }, persistentVolumeReclaimPolicy: '', storageClassName: '', volumeMode: '' } })),
        managedEntry('kube-controller-manager', 'v1', boundAt, { 'f:status': { 'f:phase': {} } }, { subresource: 'status' }),
      ],
    }),
    spec: {
      capacity: { storage: v.storage },
      csi: { driver: PROVISIONER, volumeHandle: `projects/sim/zones/${v.zone}/disks/${v.pvName}`, fsType: 'ext4', volumeAttributes: { 'storage.kubernetes.io/csiProvisionerIdentity': '1700000000000-8081-pd.csi.storage.gke.io' } },
      accessModes: ['ReadWriteOnce'],
      claimRef: { kind: 'PersistentVolumeClaim', namespace: v.namespace, name: v.claimName, uid: v.claimUid, apiVersion: 'v1', resourceVersion: '1' },
      persistentVolumeReclaimPolicy: 'Delete',
      storageClassName: v.storageClassName,
      volumeMode: 'Filesystem',
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.gke.io/zone', operator: 'In', values: [v.zone] }] }] } },
    },
    status: { phase: 'Bound' },
  };
  return { pvc, pv };
}

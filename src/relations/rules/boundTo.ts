import type { KubeObject } from '../../kube/types.js';
import type { SourceInfo, TargetRef } from '../types.js';
import { type EdgeRule, TargetSet } from './rule.js';
import { obj, path, str } from './wire.js';

/** The beta annotation that predates spec.storageClassName and still wins over it (k8s GetPersistentVolume(Claim)Class). */
export const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

/**
 * BOUND_TO: PersistentVolumeClaim -> its PersistentVolume (spec.volumeName);
 * PersistentVolume -> its claim (spec.claimRef); PVC and PV -> their
 * StorageClass.
 *
 * Edge cases:
 * - Both directions of a binding are edges of their own: a PVC that names a
 *   volume the PV does not (yet) point back at is a half-bound pair, which
 *   is exactly what a user debugging a Pending claim wants to see.
 * - claimRef with a uid resolves by uid: a PV whose claim was deleted and
 *   recreated under the same name is Released, not bound to the new claim.
 * - The storage class is the `volume.beta.kubernetes.io/storage-class`
 *   annotation when present, else spec.storageClassName. "" (or absent)
 *   means "no class" and is no edge; the default class is applied by
 *   admission, so an absent name is not the default class.
 * - A pending claim without volumeName has only its StorageClass edge.
 */
export const boundToRule: EdgeRule = {
  type: 'BOUND_TO',
  sourceKinds: ['PersistentVolumeClaim', 'PersistentVolume'],
  targets(o: KubeObject, source: SourceInfo): TargetRef[] {
    const out = new TargetSet();
    if (source.kindKey === 'PersistentVolumeClaim') {
      const volumeName = str(path(o, 'spec', 'volumeName'));
      if (volumeName) out.add({ apiVersion: 'v1', kind: 'PersistentVolume', namespace: '', name: volumeName, byUid: false });
    } else {
      const claim = obj(path(o, 'spec', 'claimRef'));
      const name = str(claim?.name);
      const namespace = str(claim?.namespace);
      if (claim && name && namespace) {
        const uid = str(claim.uid);
        out.add({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace, name, ...(uid ? { uid } : {}), byUid: uid !== undefined });
      }
    }
    const annotated = o.metadata?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION];
    const className = typeof annotated === 'string' ? str(annotated) : str(path(o, 'spec', 'storageClassName'));
    if (className) out.add({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', namespace: '', name: className, byUid: false });
    return out.list;
  },
};

import { describe, expect, it } from 'vitest';
import { boundToRule } from '../../../src/relations/rules/boundTo.js';
import { captured, sourceOf } from '../helpers/fixtures.js';

describe('BOUND_TO rule', () => {
  it('binds the bound PVC to its PV and StorageClass', () => {
    const pvc = captured('persistentvolumeclaim-data-claim');
    expect(boundToRule.targets(pvc, sourceOf(pvc))).toEqual([
      { apiVersion: 'v1', kind: 'PersistentVolume', namespace: '', name: 'pv-0001', byUid: false },
      { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', namespace: '', name: 'standard', byUid: false },
    ]);
  });

  it('binds the PV back to its claim by the claimRef uid, and to its StorageClass', () => {
    const pv = captured('persistentvolume-pv-0001');
    expect(boundToRule.targets(pv, sourceOf(pv))).toEqual([
      { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: 'demo', name: 'data-claim', uid: '91612158-a975-4550-af42-d25a26763426', byUid: true },
      { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', namespace: '', name: 'standard', byUid: false },
    ]);
  });

  it('gives a Pending claim only its StorageClass edge', () => {
    const pvc = captured('persistentvolumeclaim-data-db-0');
    expect(boundToRule.targets(pvc, sourceOf(pvc)).map((t) => t.kind)).toEqual(['StorageClass']);
  });

  it('prefers the beta storage-class annotation, and "" means no class', () => {
    const pvc = captured('persistentvolumeclaim-data-db-0');
    pvc.metadata.annotations = { 'volume.beta.kubernetes.io/storage-class': 'fast' };
    expect(boundToRule.targets(pvc, sourceOf(pvc)).map((t) => t.name)).toEqual(['fast']);
    pvc.metadata.annotations = {};
    (pvc.spec as Record<string, unknown>).storageClassName = '';
    expect(boundToRule.targets(pvc, sourceOf(pvc))).toEqual([]);
  });
});

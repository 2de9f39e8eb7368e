import type { KubeObject } from '../../kube/types.js';
import type { SourceInfo, TargetRef } from '../types.js';
import { podSpecTargets } from './podSpecRefs.js';
import type { EdgeRule } from './rule.js';
import { obj, pathOf } from './wire.js';

/** Where each kind keeps its pod spec. */
const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: ['spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  PodTemplate: ['template', 'spec'],
  'apps/Deployment': ['spec', 'template', 'spec'],
  'apps/ReplicaSet': ['spec', 'template', 'spec'],
  'apps/StatefulSet': ['spec', 'template', 'spec'],
  'apps/DaemonSet': ['spec', 'template', 'spec'],
  'batch/Job': ['spec', 'template', 'spec'],
  'batch/CronJob': ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

/**
 * USES: Pod, and every pod template (Deployment, ReplicaSet, StatefulSet,
 * DaemonSet, Job, CronJob's jobTemplate, ReplicationController, PodTemplate)
 * -> the ConfigMaps, Secrets, PersistentVolumeClaims and ServiceAccount its
 * pod spec names, all in the source's namespace (see podSpecTargets for the
 * fields read).
 *
 * Edge cases:
 * - A pod without serviceAccountName (only possible when admission did not
 *   run) and a template without one use the "default" ServiceAccount.
 * - A StatefulSet's volumeClaimTemplates are not edges: the claims it creates
 *   are named per pod (`<template>-<sts>-<ordinal>`) and the pods reference
 *   them through persistentVolumeClaim volumes, which is where the edge is.
 * - Ephemeral volumes yield an edge from the Pod (not the template) to the
 *   PVC `<pod>-<volume>`.
 * - A referenced object that does not exist (yet) is an unresolved reference;
 *   "what breaks if I delete this ConfigMap" is its INCOMING USES.
 */
export const usesRule: EdgeRule = {
  type: 'USES',
  sourceKinds: Object.keys(POD_SPEC_PATHS),
  targets(o: KubeObject, source: SourceInfo): TargetRef[] {
    const p = POD_SPEC_PATHS[source.kindKey];
    if (!p) return [];
    const spec = obj(pathOf(o, p));
    return podSpecTargets(spec, source.namespace, source.kindKey === 'Pod' ? source.name : undefined);
  },
};

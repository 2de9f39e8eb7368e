import type { KubeObject } from '../../kube/types.js';
import type { SourceInfo, TargetRef } from '../types.js';
import { defaultApiVersion } from '../refKinds.js';
import type { EdgeRule } from './rule.js';
import { obj, path, str } from './wire.js';

/**
 * SCALES: HorizontalPodAutoscaler (autoscaling/v1 or v2) -> the object named
 * by spec.scaleTargetRef in the HPA's namespace.
 *
 * Edge cases:
 * - The target kind's group comes from scaleTargetRef.apiVersion; when it is
 *   omitted (optional in both versions) the built-in kind of that name is
 *   assumed (`Deployment` -> apps).
 * - Any scalable kind works (a custom resource with a scale subresource);
 *   it stays unresolved unless kubeatlas watches that kind.
 * - Matched by name: the HPA keeps scaling a Deployment recreated under the
 *   same name.
 */
export const scalesRule: EdgeRule = {
  type: 'SCALES',
  sourceKinds: ['autoscaling/HorizontalPodAutoscaler'],
  targets(o: KubeObject, source: SourceInfo): TargetRef[] {
    const ref = obj(path(o, 'spec', 'scaleTargetRef'));
    const kind = str(ref?.kind);
    const name = str(ref?.name);
    if (!ref || !kind || !name) return [];
    return [{ apiVersion: str(ref.apiVersion) ?? defaultApiVersion(kind), kind, namespace: source.namespace, name, byUid: false }];
  },
};

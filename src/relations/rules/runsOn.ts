import type { KubeObject } from '../../kube/types.js';
import type { SourceInfo, TargetRef } from '../types.js';
import type { EdgeRule } from './rule.js';
import { field, str } from './wire.js';

/**
 * RUNS_ON: Pod -> the Node named by spec.nodeName.
 *
 * Edge cases:
 * - An unscheduled pod (no nodeName) has no edge; the edge appears on the
 *   MODIFIED that binds it.
 * - A nodeName for which no Node object exists (a deleted node, or a kubelet
 *   that has not registered) is an unresolved reference that resolves when a
 *   Node of that name arrives.
 * - Matched by name: a Node deleted and re-registered under the same name is
 *   the same node for its pods.
 */
export const runsOnRule: EdgeRule = {
  type: 'RUNS_ON',
  sourceKinds: ['Pod'],
  targets(o: KubeObject, _source: SourceInfo): TargetRef[] {
    const nodeName = str(field(o.spec, 'nodeName'));
    return nodeName ? [{ apiVersion: 'v1', kind: 'Node', namespace: '', name: nodeName, byUid: false }] : [];
  },
};

import { describe, expect, it } from 'vitest';
import { eventForRule } from '../../../src/relations/rules/eventFor.js';
import { captured, sourceOf } from '../helpers/fixtures.js';

const RUNNER = { apiVersion: 'v1', kind: 'Pod', namespace: 'demo', name: 'runner', uid: '89d11485-a8fd-4a47-adea-5cc790c157b1', byUid: true };
const WEB = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'demo', name: 'web', uid: '81a546d5-4b68-463d-bf77-5291985afacc', byUid: true };

describe('EVENT_FOR rule', () => {
  it('reads involvedObject of core/v1 events and regarding of events.k8s.io/v1 events alike', () => {
    for (const name of ['event-core-created-via-core.core-v1', 'event-created-via-events-v1.events-v1']) {
      const ev = captured(name);
      expect(eventForRule.targets(ev, sourceOf(ev)), name).toEqual([RUNNER]);
    }
    for (const name of ['event-controller-ScalingReplicaSet.core-v1', 'event-controller-ScalingReplicaSet.events-v1']) {
      const ev = captured(name);
      expect(eventForRule.targets(ev, sourceOf(ev)), name).toEqual([WEB]);
    }
  });

  it('resolves a kubelet Node event (uid = node name, no namespace) by name, cluster-wide', () => {
    const ev = captured('event-core-created-via-core.core-v1');
    ev.involvedObject = { kind: 'Node', name: 'node-a', uid: 'node-a' };
    expect(eventForRule.targets(ev, sourceOf(ev))).toEqual([{ apiVersion: 'v1', kind: 'Node', namespace: '', name: 'node-a', byUid: false }]);
  });

  it('gives an event without a usable object no edge', () => {
    const ev = captured('event-core-created-via-core.core-v1');
    ev.involvedObject = { kind: 'Pod' };
    expect(eventForRule.targets(ev, sourceOf(ev))).toEqual([]);
  });
});

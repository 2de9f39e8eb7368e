import type { KubeObject } from '../../kube/types.js';
import { meta } from './context.js';
import { managedEntry } from './managedFields.js';
import { isoSeconds } from './time.js';

/** core/v1 Events as controllers and kubelets record them. */

export interface InvolvedObject {
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  apiVersion: string;
  resourceVersion?: string;
  fieldPath?: string;
}

export interface EventInput {
  namespace: string;
  /** Unique suffix of the name ("<involved>.<suffix>"): 16 hex digits like the apiserver's UnixNano. */
  suffix: string;
  uid: string;
  involved: InvolvedObject;
  reason: string;
  message: string;
  type: 'Normal' | 'Warning';
  component: string;
  host?: string;
  first: number;
  last: number;
  count: number;
}

const EVENT_FIELDS = { 'f:count': {}, 'f:firstTimestamp': {}, 'f:involvedObject': {}, 'f:lastTimestamp': {}, 'f:message': {}, 'f:reason': {}, 'f:reportingComponent': {}, 'f:reportingInstance': {}, 'f:source': { 'f:component': {}, 'f:host': {} }, 'f:type': {} };
const EVENT_FIELDS_NO_HOST = { 'f:count': {}, 'f:firstTimestamp': {}, 'f:involvedObject': {}, 'f:lastTimestamp': {}, 'f:message': {}, 'f:reason': {}, 'f:reportingComponent': {}, 'f:source': { 'f:component': {} }, 'f:type': {} };

/** The event-name suffix the apiserver's recorder uses: the first timestamp in ns, hex. */
export function eventSuffix(epochMs: number, salt: number): string {
  const ns = BigInt(Math.floor(epochMs)) * 1_000_000n + BigInt(salt % 1_000_000);
  return ns.toString(16).padStart(16, '0');
}

export function buildEvent(e: EventInput): KubeObject {
  const manager = e.component === 'kubelet' ? 'kubelet' : e.component === 'default-scheduler' ? 'kube-scheduler' : 'kube-controller-manager';
  const source: Record<string, string> = { component: e.component };
  if (e.host) source.host = e.host;
  return {
    kind: 'Event',
    apiVersion: 'v1',
    metadata: meta({
      name: `${e.involved.name}.${e.suffix}`,
      namespace: e.namespace,
      uid: e.uid,
      created: e.first,
      managedFields: [managedEntry(manager, 'v1', isoSeconds(e.last), e.host ? EVENT_FIELDS : EVENT_FIELDS_NO_HOST)],
    }),
    involvedObject: e.involved,
    reason: e.reason,
    message: e.message,
    source,
    firstTimestamp: isoSeconds(e.first),
    lastTimestamp: isoSeconds(e.last),
    count: e.count,
    type: e.type,
    eventTime: null,
    reportingComponent: e.component === 'default-scheduler' ? 'default-scheduler' : e.component,
    reportingInstance: e.host ?? '',
  };
}

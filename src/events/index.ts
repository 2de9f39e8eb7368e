/** The event bus behind live subscriptions: public API. */
export { EventBus, EVENT_BUS_DEFAULTS, type EventBusOptions, type EventBusStats } from './eventBus.js';
export { ClusterEventBus, type ClusterEventLike, type ClusterEventSource, type ClusterEventBusOptions, type ClusterSubscribeOptions } from './clusterEventBus.js';
export { SubscriptionQuota } from './subscriptionQuota.js';
export type { BusEvent, BusEventType, ChangeSource, RecordMatcher, SubscribeOptions, Subscription } from './types.js';

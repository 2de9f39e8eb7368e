import { counter, gauge } from '../util/metrics.js';

/** Which bus a tally belongs to. */
export type StreamName = 'resource' | 'cluster';

/**
 * Plain-number tallies the buses update on their hot paths; the Prometheus
 * metrics read them at scrape time (a prom-client `inc()` hashes its labels on
 * every call, too costly per event per subscriber). Summed over every bus in
 * the process.
 */
export interface StreamTally {
  subscribers: number;
  delivered: number;
  droppedSlow: number;
  droppedClosed: number;
  slowDisconnects: number;
}

export const tallies: Record<StreamName, StreamTally> = {
  resource: { subscribers: 0, delivered: 0, droppedSlow: 0, droppedClosed: 0, slowDisconnects: 0 },
  cluster: { subscribers: 0, delivered: 0, droppedSlow: 0, droppedClosed: 0, slowDisconnects: 0 },
};

/** Events and estimated bytes held by every resource-event history in the process. */
export const historyTally = { events: 0, bytes: 0 };

const STREAMS: readonly StreamName[] = ['resource', 'cluster'];

gauge<'stream'>({
  name: 'kubeatlas_event_subscribers',
  help: 'Open event subscriptions',
  labelNames: ['stream'],
  collect() {
    for (const s of STREAMS) this.set({ stream: s }, tallies[s].subscribers);
  },
});

counter<'stream'>({
  name: 'kubeatlas_events_delivered_total',
  help: 'Events handed to subscribers',
  labelNames: ['stream'],
  collect() {
    this.reset();
    for (const s of STREAMS) this.inc({ stream: s }, tallies[s].delivered);
  },
});

counter<'stream' | 'reason'>({
  name: 'kubeatlas_events_dropped_total',
  help: 'Events not delivered because their subscriber was disconnected: reason "slow" (its queue was full) or "closed" (queued when it went away)',
  labelNames: ['stream', 'reason'],
  collect() {
    this.reset();
    for (const s of STREAMS) {
      this.inc({ stream: s, reason: 'slow' }, tallies[s].droppedSlow);
      this.inc({ stream: s, reason: 'closed' }, tallies[s].droppedClosed);
    }
  },
});

counter<'stream'>({
  name: 'kubeatlas_event_slow_disconnects_total',
  help: 'Subscribers cut off because they could not keep up (LIMIT_EXCEEDED)',
  labelNames: ['stream'],
  collect() {
    this.reset();
    for (const s of STREAMS) this.inc({ stream: s }, tallies[s].slowDisconnects);
  },
});

gauge({
  name: 'kubeatlas_event_history_size',
  help: 'Resource events held in the resume history',
  collect() {
    this.set(historyTally.events);
  },
});

gauge({
  name: 'kubeatlas_event_history_bytes',
  help: 'Estimated bytes of the records referenced by the resume history (an upper bound: most records are shared with the store)',
  collect() {
    this.set(historyTally.bytes);
  },
});

import type { Status } from '../kube/types.js';
import { KubeatlasError } from '../util/errors.js';

/**
 * Conditions a watch stream can end with, as typed errors so that the
 * reflector's recovery logic is one switch. Messages are safe to log: they
 * never quote event contents.
 */

/** A watch ERROR event carrying a Status (410 Expired, 504 Too large resource version, 500...). */
export class WatchStatusError extends KubeatlasError {
  constructor(
    readonly status: Status,
    clusterId: string,
  ) {
    super('UPSTREAM_ERROR', `cluster ${clusterId}: watch ERROR ${status.code} ${status.reason ?? ''}: ${(status.message ?? '').slice(0, 200)}`.replace(/\s+/g, ' ').trim(), {
      clusterId,
      httpStatus: status.code,
      reason: status.reason,
    });
    this.name = 'WatchStatusError';
  }
}

/** No byte (bookmarks included) arrived for longer than the inactivity timeout: the stream is presumed dead. */
export class WatchInactiveError extends KubeatlasError {
  constructor(ms: number) {
    super('CLUSTER_UNAVAILABLE', `watch silent for ${ms} ms`, { inactivityMs: ms });
    this.name = 'WatchInactiveError';
  }
}

/** A watch that ended within the short-watch window without a single event (client-go counts it as an error). */
export class ShortWatchError extends KubeatlasError {
  constructor(ms: number) {
    super('UPSTREAM_ERROR', `watch ended after ${ms} ms without any event`, { durationMs: ms });
    this.name = 'ShortWatchError';
  }
}

/** The watch connection broke after its headers (reset, premature close). */
export class WatchStreamBrokenError extends KubeatlasError {
  constructor(
    cause: unknown,
    readonly healthy: boolean,
  ) {
    super('CLUSTER_UNAVAILABLE', `watch connection broke: ${cause instanceof Error ? cause.message : String(cause)}`.slice(0, 300), {}, { cause });
    this.name = 'WatchStreamBrokenError';
  }
}

/** The server does not serve WatchList (422/400, or it ignored sendInitialEvents). */
export class WatchListUnsupportedError extends KubeatlasError {
  constructor(reason: string) {
    super('UPSTREAM_ERROR', `WatchList not served: ${reason}`);
    this.name = 'WatchListUnsupportedError';
  }
}

/** The sink threw: the store's state for this collection can no longer be trusted. */
export class SinkFailedError extends KubeatlasError {
  constructor(cause: unknown) {
    super('INTERNAL', `sink failed: ${cause instanceof Error ? cause.message : String(cause)}`.slice(0, 300), {}, { cause });
    this.name = 'SinkFailedError';
  }
}

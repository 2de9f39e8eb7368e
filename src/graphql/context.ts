import type { GraphqlServices } from './services.js';
import type { Backpressure } from './responseBackpressure.js';

/** Per-connection state shared by every operation on one WebSocket (or one HTTP request). */
export interface ConnectionState {
  /** Subscriptions currently open on this connection. */
  activeSubscriptions: number;
  /** Streamed HTTP responses (SSE): wait for the client before taking the next event. WebSocket sends wait for the socket themselves beyond 256 KiB buffered (wsTransport.ts). */
  backpressure?: Backpressure;
}

/** The GraphQL context of one operation. */
export interface Context {
  services: GraphqlServices;
  auth: {
    /** May change clusters (addCluster/removeCluster). The one place where this is decided is `auth.ts`. */
    admin: boolean;
  };
  connection: ConnectionState;
  /** Aborted when the client goes away. */
  signal?: AbortSignal;
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../kube/types.js';
import type { SimUser } from './auth.js';
import type { Negotiated, ResponseContext } from './http.js';
import type { ResourceRequest } from './requestInfo.js';
import type { SimStoreInternals } from './store.js';
import type { SimKind } from './types.js';

/** Server-wide settings the request handlers read. */
export interface ServerSettings {
  watchList: boolean;
  bookmarkIntervalMs: number;
  /** How long a NotOlderThan read waits for the cache to reach a future RV before 504 (real: 3 s). */
  tooLargeRvWaitMs: number;
  /** A watch whose socket stays unwritable this long is closed (slow client). */
  slowWatchTimeoutMs: number;
  /** A watch whose unsent backlog exceeds this many bytes is closed at once. */
  slowWatchMaxBufferedBytes: number;
}

/** One collection as served at one group/version (the storage kind may be served at several versions). */
export interface Endpoint {
  group: string;
  version: string;
  resource: string;
  kind: SimKind;
  /** apiVersion of objects in responses. */
  apiVersion: string;
  /** Whether this is the storage version (no conversion needed). */
  storageVersion: boolean;
  /** Converts a stored object to this version (only when !storageVersion). */
  toVersion?(obj: KubeObject): KubeObject;
  /** A resource without storage (access reviews, component statuses). */
  virtual?: boolean;
}

/** Everything a resource handler needs for one request. */
export interface HandlerContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  query: URLSearchParams;
  info: ResourceRequest;
  endpoint: Endpoint;
  store: SimStoreInternals;
  user: SimUser;
  rctx: ResponseContext;
  negotiated: Negotiated;
  settings: ServerSettings;
  /** Registers a cleanup for server stop (watches). */
  track(closer: { close(): void }): () => void;
}

import type { Status } from '../kube/types.js';
import type { SimFaults } from './types.js';
import { failureStatus } from './errors.js';

/**
 * Injected faults of one simulated cluster (see SimFaults). The server asks
 * `onRequest` what to do with each request before handling it.
 */

interface HangRule {
  pathPrefix?: string;
  remaining: number;
  watchesOnly: boolean;
}

interface FailRule {
  remaining: number;
  code: 429 | 500 | 503 | 504;
  retryAfterSeconds?: number;
  pathPrefix?: string;
  includeWatches: boolean;
}

export type FaultAction =
  | { type: 'hang'; released: Promise<void> }
  | { type: 'fail'; status: Status; headers: Record<string, string> }
  | { type: 'expire' }
  | undefined;

export interface FaultHooks {
  dropWatches(): void;
  corruptWatches(kind: 'garbage' | 'truncated'): void;
  compact(): void;
}

function failStatus(code: 429 | 500 | 503 | 504, retryAfter?: number): Status {
  switch (code) {
    case 429:
      return failureStatus(429, 'Too many requests, please try again later.', 'TooManyRequests', { retryAfterSeconds: retryAfter ?? 1 });
    case 500:
      return failureStatus(500, 'Internal error occurred: simulated failure', 'InternalError', { causes: [{ message: 'simulated failure' }] });
    case 503:
      return failureStatus(503, 'the server is currently unable to handle the request', 'ServiceUnavailable', retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {});
    case 504:
      return failureStatus(504, 'the server was unable to return a response in the time allotted, but may still be processing the request', 'Timeout', retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {});
  }
}

export class FaultInjector implements SimFaults {
  private expireCount = 0;
  private hangs: HangRule[] = [];
  private fails: FailRule[] = [];
  private release: (() => void) | undefined;
  private released: Promise<void>;

  constructor(private readonly hooks: FaultHooks) {
    this.released = new Promise((r) => (this.release = r));
  }

  dropWatches(): void {
    this.hooks.dropWatches();
  }

  expireNextWatches(count = 1): void {
    this.expireCount += count;
  }

  compact(): void {
    this.hooks.compact();
  }

  hang(options: { pathPrefix?: string; count?: number; watchesOnly?: boolean } = {}): void {
    this.hangs.push({ pathPrefix: options.pathPrefix, remaining: options.count ?? Infinity, watchesOnly: options.watchesOnly ?? false });
  }

  failNext(count: number, code: 429 | 500 | 503 | 504, options: { retryAfterSeconds?: number; pathPrefix?: string; includeWatches?: boolean } = {}): void {
    this.fails.push({ remaining: count, code, retryAfterSeconds: options.retryAfterSeconds, pathPrefix: options.pathPrefix, includeWatches: options.includeWatches ?? false });
  }

  corruptWatches(kind: 'garbage' | 'truncated'): void {
    this.hooks.corruptWatches(kind);
  }

  /** Removes every fault; requests held by `hang` are then served normally. */
  clear(): void {
    this.expireCount = 0;
    this.hangs = [];
    this.fails = [];
    this.releaseHung();
  }

  /** Lets requests held by `hang` go on (the rules stay). */
  releaseHung(): void {
    this.release?.();
    this.released = new Promise((r) => (this.release = r));
  }

  /** Decides the fate of one request (health and version probes are never faulted by path-less rules). */
  onRequest(path: string, isWatch: boolean): FaultAction {
    for (const h of this.hangs) {
      if (h.remaining <= 0) continue;
      if (h.watchesOnly && !isWatch) continue;
      if (h.pathPrefix !== undefined && !path.startsWith(h.pathPrefix)) continue;
      h.remaining--;
      return { type: 'hang', released: this.released };
    }
    for (const f of this.fails) {
      if (f.remaining <= 0) continue;
      if (isWatch && !f.includeWatches) continue;
      if (f.pathPrefix !== undefined && !path.startsWith(f.pathPrefix)) continue;
      f.remaining--;
      const headers: Record<string, string> = {};
      if (f.code === 429) headers['Retry-After'] = String(f.retryAfterSeconds ?? 1);
      else if (f.retryAfterSeconds !== undefined) headers['Retry-After'] = String(f.retryAfterSeconds);
      return { type: 'fail', status: failStatus(f.code, f.retryAfterSeconds), headers };
    }
    if (isWatch && this.expireCount > 0) {
      this.expireCount--;
      return { type: 'expire' };
    }
    return undefined;
  }
}

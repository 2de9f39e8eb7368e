import type { KubeClient } from '../clusters/kubeClient.js';

/**
 * Whether one cluster serves WatchList (`sendInitialEvents=true`), learned
 * by trying: a server without the feature answers 422 (or 400), or ignores
 * the parameters and streams a plain watch (its first bookmark then lacks
 * the `k8s.io/initial-events-end` annotation). Once a cluster said no, every
 * reflector of that cluster uses paged LISTs instead.
 */
export interface WatchListSupport {
  /** false once the cluster is known not to serve WatchList. */
  readonly enabled: boolean;
  readonly reason: string | undefined;
  markUnsupported(reason: string): void;
}

class Memo implements WatchListSupport {
  enabled = true;
  reason: string | undefined;
  markUnsupported(reason: string): void {
    if (!this.enabled) return;
    this.enabled = false;
    this.reason = reason;
  }
}

const byClient = new WeakMap<KubeClient, WatchListSupport>();

/** The memo of one cluster, shared by every reflector that uses the same client. */
export function watchListSupportOf(client: KubeClient): WatchListSupport {
  let memo = byClient.get(client);
  if (!memo) {
    memo = new Memo();
    byClient.set(client, memo);
  }
  return memo;
}

/** A fresh memo (for a reflector that must not share what others learned). */
export function newWatchListSupport(enabled = true): WatchListSupport {
  const m = new Memo();
  if (!enabled) m.markUnsupported('disabled by configuration');
  return m;
}

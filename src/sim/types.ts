import type { KindInfo } from '../kube/kinds.js';
import type { KubeObject } from '../kube/types.js';

/**
 * The programmatic face of the simulated Kubernetes API server. Tests, the
 * benchmark and the demo use these; kubeatlas itself only ever reaches a
 * simulated cluster over HTTPS, like any real cluster.
 */

/** A kind the simulator serves (built-ins, plus custom resources). */
export interface SimKind extends KindInfo {
  /** e.g. "PodList". */
  listKind: string;
  verbs: readonly string[];
  /** Subresources served, e.g. ["status", "scale"]. */
  subresources?: readonly string[];
}

/** Identifies a kind in SimStore calls: a plural ("pods"), a Kind ("Pod") or "group/Kind" ("apps/Deployment"). */
export type SimKindRef = string | SimKind;

export type SimEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface SimChange {
  type: SimEventType;
  kind: SimKind;
  /** The object after the change (for DELETED: its final state, with the deletion's resourceVersion). */
  object: KubeObject;
  resourceVersion: number;
}

/**
 * The simulated etcd + watch cache of one cluster. Every write, whether it
 * comes from the HTTP API, a controller or the churn engine, goes through
 * here: it gets the next resourceVersion of the cluster-wide counter, lands
 * in the bounded event history and reaches open watches.
 *
 * Writes fill what a real apiserver fills: uid, resourceVersion,
 * creationTimestamp, generation (bumped when spec changes), managedFields
 * (when the caller gave none) and the defaults kubeatlas relies on.
 */
export interface SimStore {
  /** The current resourceVersion (the last one handed out). */
  readonly resourceVersion: number;
  kinds(): readonly SimKind[];
  kind(ref: SimKindRef): SimKind;
  get(kind: SimKindRef, namespace: string | undefined, name: string): KubeObject | undefined;
  list(kind: SimKindRef, namespace?: string): KubeObject[];
  count(kind?: SimKindRef): number;
  /** Creates; throws SimApiError (src/sim/errors.ts) 409 AlreadyExists if present. `manager` names the field manager in managedFields. */
  create(kind: SimKindRef, obj: KubeObject, manager?: string): KubeObject;
  /** Replaces (optimistic concurrency when obj.metadata.resourceVersion is set: 409 Conflict). */
  update(kind: SimKindRef, obj: KubeObject, manager?: string): KubeObject;
  /** Read-modify-write without a conflict check; returns undefined when the object is gone. */
  mutate(kind: SimKindRef, namespace: string | undefined, name: string, fn: (obj: KubeObject) => void, manager?: string): KubeObject | undefined;
  /** Deletes at once (no graceful period); returns the final state or undefined. */
  delete(kind: SimKindRef, namespace: string | undefined, name: string): KubeObject | undefined;
  /** Bulk load without per-object watch fan-out cost (used to seed large clusters); events still enter history. */
  load(objects: Array<{ kind: SimKindRef; object: KubeObject }>): void;
  /** Synchronous listener on every committed change, in resourceVersion order. */
  onChange(listener: (change: SimChange) => void): () => void;
}

/** Faults a test can inject into a running simulated cluster. */
export interface SimFaults {
  /** Abruptly close every open watch connection (socket destroyed, no terminating chunk). */
  dropWatches(): void;
  /** The next `count` watch requests get HTTP 200 + one ERROR event (410 Expired) and end. */
  expireNextWatches(count?: number): void;
  /** Forget the event history (the watch cache): any watch from an older resourceVersion gets the 410 ERROR, old continue tokens expire. */
  compact(): void;
  /** Accept matching requests and never answer (until `clear`); `count` limits how many. */
  hang(options?: { pathPrefix?: string; count?: number; watchesOnly?: boolean }): void;
  /** Answer the next `count` matching requests with `code` (500, 503 or 429 with Retry-After) as a Status. */
  failNext(count: number, code: 429 | 500 | 503 | 504, options?: { retryAfterSeconds?: number; pathPrefix?: string; includeWatches?: boolean }): void;
  /** Send a garbage or truncated line on every open watch, then keep streaming. */
  corruptWatches(kind: 'garbage' | 'truncated'): void;
  /** Remove every injected fault. */
  clear(): void;
}

export interface SimRequestRecord {
  at: number;
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  user: string;
  watch: boolean;
}

export interface SimClusterOptions {
  /** Cluster name, also the kubeconfig context name ("sim-1"). */
  name: string;
  /** Port to listen on; 0 = ephemeral. */
  port?: number;
  host?: string;
  /** Seed of the deterministic workload. */
  seed?: number;
  /** Approximate number of objects in the generated workload (0 = only the bare cluster: namespaces, nodes, defaults). */
  objects?: number;
  /** Changes per second made by the churn engine (0 = none). */
  churnPerSecond?: number;
  /** gitVersion reported by /version (default "v1.28.7", matching the captured server). */
  version?: string;
  /** Serve WatchList (sendInitialEvents); off = answer 422 like a 1.28 server without the feature gate. Default true. */
  watchList?: boolean;
  /** Events kept in the watch cache history (default 10_000). */
  historySize?: number;
  /** Bookmark period for watches with allowWatchBookmarks (default 60_000 ms). */
  bookmarkIntervalMs?: number;
  /** Lifetime of continue tokens before they expire with 410 (default 5 min). */
  continueTokenTtlMs?: number;
  /** Certificate authority to sign the serving cert with (share one across clusters); generated when absent. */
  ca?: SimCertificateAuthority;
  /** Extra bearer tokens: user and groups (system:masters = admin; others get 403 on everything unless granted by `SimClusterTuning.allow`). */
  tokens?: Array<{ token: string; user: string; groups?: string[] }>;
}

export interface SimCertificateAuthority {
  certPem: string;
  keyPem: string;
  /** Issues a certificate signed by this CA. `client` = clientAuth usage with CN=user, O=groups. */
  issue(options: { commonName: string; organizations?: string[]; client?: boolean; hosts?: string[]; notBefore?: Date; notAfter?: Date }): { certPem: string; keyPem: string };
}

export interface SimCluster {
  readonly name: string;
  /** https://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  readonly ca: SimCertificateAuthority;
  /** Bearer token of the cluster admin (system:masters). */
  readonly adminToken: string;
  /** Client certificate of the cluster admin (CN=sim-admin, O=system:masters). */
  readonly adminClientCert: { certPem: string; keyPem: string };
  readonly store: SimStore;
  readonly faults: SimFaults;
  /** Every request served (bounded ring, newest last). */
  requests(): readonly SimRequestRecord[];
  /** A kubeconfig YAML with one context (named after the cluster) using token auth and the CA. */
  kubeconfig(): string;
  /** Starts or changes the churn rate (0 stops it). */
  setChurn(perSecond: number): void;
  /** Stop listening and close every connection; state is kept. */
  stop(): Promise<void>;
  /** Listen again on the same port (like an apiserver restart: the watch cache is rebuilt, so older resourceVersions now get 410). */
  start(): Promise<void>;
  /** stop() and release everything (churn timers, controllers). */
  close(): Promise<void>;
}

import { Pool } from 'undici';
import type { FanoutCluster } from './loadTypes.js';

/**
 * The question of scenario 4 — "which pods carry this label, across all
 * clusters? the first 50" — asked two ways, each through its own connection
 * pools: kubeatlas's `resources` query, or a LIST with that labelSelector to
 * every apiserver in parallel, merged and sorted by cluster, namespace and
 * name (what kubectl, Backstage or a script does).
 */
export interface PodQuestionAsker {
  /** Answers for one label selector: how many pods match, how many were returned (at most 50). */
  ask(selector: string): Promise<{ matches: number; returned: number }>;
  close(): Promise<void>;
}

const REQUEST_TIMEOUT_MS = 30_000;
const PAGE = 50;

const RESOURCES = `query($sel: String!) { resources(filter: { kinds: ["Pod"], labelSelector: $sel }, first: ${PAGE}) { totalCount edges { node { clusterId namespace name status } } } }`;

interface GqlBody<T> {
  data?: T;
  errors?: Array<{ message?: string; extensions?: { code?: string } }>;
}

/** POSTs a GraphQL operation through `pool` with a deadline; throws on errors (with their code) or a missing `data`. */
export async function gql<T>(pool: Pool, path: string, query: string, variables: Record<string, unknown>, timeoutMs = REQUEST_TIMEOUT_MS): Promise<T> {
  const res = await pool.request({
    path,
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query, variables }),
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const body = (await res.body.json()) as GqlBody<T>;
  if (body.errors?.length) throw new Error(`${body.errors[0].extensions?.code ?? 'ERROR'}: ${body.errors[0].message ?? ''}`);
  if (res.statusCode !== 200 || body.data === undefined) throw new Error(`HTTP ${res.statusCode} without data`);
  return body.data;
}

export function kubeatlasAsker(url: string, connections: number): PodQuestionAsker {
  const u = new URL(url);
  const pool = new Pool(u.origin, { connections, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS });
  return {
    async ask(selector) {
      const d = await gql<{ resources: { totalCount: number; edges: unknown[] } }>(pool, u.pathname, RESOURCES, { sel: selector });
      return { matches: d.resources.totalCount, returned: d.resources.edges.length };
    },
    close: () => pool.destroy(),
  };
}

interface PodItem {
  metadata: { namespace?: string; name?: string };
  status?: { phase?: string };
}

export function fanoutAsker(clusters: readonly FanoutCluster[], connections: number): PodQuestionAsker {
  const pools = clusters.map((c) => ({
    c,
    pool: new Pool(c.url, { connections, connect: { ca: c.caPem }, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS }),
  }));
  return {
    async ask(selector) {
      const parts = await Promise.all(
        pools.map(async ({ c, pool }) => {
          const res = await pool.request({
            path: `/api/v1/pods?labelSelector=${encodeURIComponent(selector)}`,
            method: 'GET',
            headers: { authorization: `Bearer ${c.token}`, accept: 'application/json' },
            headersTimeout: REQUEST_TIMEOUT_MS,
            bodyTimeout: REQUEST_TIMEOUT_MS,
          });
          const body = (await res.body.json()) as { items?: PodItem[] };
          if (res.statusCode !== 200 || !body.items) throw new Error(`LIST pods on ${c.name} answered ${res.statusCode}`);
          return body.items.map((p) => ({ clusterId: c.name, namespace: p.metadata.namespace ?? '', name: p.metadata.name ?? '', status: p.status?.phase }));
        }),
      );
      const all = parts.flat();
      all.sort((a, b) => (a.clusterId < b.clusterId ? -1 : a.clusterId > b.clusterId ? 1 : a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      return { matches: all.length, returned: all.slice(0, PAGE).length };
    },
    close: async () => void (await Promise.all(pools.map((p) => p.pool.destroy()))),
  };
}

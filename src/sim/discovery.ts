import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { assetBytes, assetJson, assetText } from './assets.js';
import { parseAccept, sendBody, sendJson, sendNotFoundPage, sendStatus, type ResponseContext } from './http.js';
import { failureStatus } from './errors.js';
import { WIDGET_KIND, type AggregatedList } from './simKinds.js';

/**
 * Discovery, version, health and OpenAPI endpoints. Serves the documents
 * captured from a real kube-apiserver v1.28.7, extended with the simulator's
 * custom resource group so that everything served is discoverable.
 */

export interface ServedVersion {
  group: string;
  version: string;
}

const CUSTOM_GROUP = WIDGET_KIND.group;
const CUSTOM_GV = `${CUSTOM_GROUP}/${WIDGET_KIND.version}`;

function etagOf(body: string | Buffer): string {
  return `"${createHash('sha512').update(body).digest('hex').toUpperCase()}"`;
}

interface AggregatedResourceJson {
  resource: string;
  responseKind: { group: string; version: string; kind: string };
  scope: string;
  singularResource: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  subresources?: Array<{ subresource: string; responseKind: { group: string; version: string; kind: string }; verbs: string[] }>;
}

function widgetAggregatedGroup(): AggregatedList['items'][number] {
  const res: AggregatedResourceJson = {
    resource: WIDGET_KIND.plural,
    responseKind: { group: CUSTOM_GROUP, version: WIDGET_KIND.version, kind: WIDGET_KIND.kind },
    scope: 'Namespaced',
    singularResource: 'widget',
    verbs: [...WIDGET_KIND.verbs],
    shortNames: [...(WIDGET_KIND.shortNames ?? [])],
    categories: ['all'],
    subresources: [{ subresource: 'status', responseKind: { group: CUSTOM_GROUP, version: WIDGET_KIND.version, kind: WIDGET_KIND.kind }, verbs: ['get', 'patch', 'update'] }],
  };
  return { metadata: { name: CUSTOM_GROUP, creationTimestamp: null } as unknown as { name?: string }, versions: [{ version: WIDGET_KIND.version, resources: [res as never], freshness: 'Current' } as never] };
}

/** The per-cluster discovery documents (computed once; they only differ by server address). */
export class DiscoveryDocuments {
  readonly versionJson: string;
  readonly apiJson: string;
  readonly apisJson: string;
  readonly aggregatedApiJson: string;
  readonly aggregatedApisJson: string;
  readonly aggregatedApiEtag: string;
  readonly aggregatedApisEtag: string;
  readonly rootJson: string;
  readonly openapiV3Index: string;
  private readonly groupDocs = new Map<string, string>();
  private readonly gvDocs = new Map<string, string>();
  /** Every group/version served (core "v1" as group ""). */
  readonly servedVersions: ServedVersion[] = [];

  constructor(opts: { gitVersion: string; serverAddress: string }) {
    const version = assetJson<Record<string, string>>('discovery/version.json');
    const m = /^v(\d+)\.(\d+)/.exec(opts.gitVersion);
    if (m) {
      version.major = m[1];
      version.minor = m[2];
    }
    version.gitVersion = opts.gitVersion;
    this.versionJson = JSON.stringify(version, null, 2);

    this.apiJson = JSON.stringify({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: opts.serverAddress }] }) + '\n';

    const apis = assetJson<{ kind: string; apiVersion: string; groups: Array<{ name: string; versions: Array<{ groupVersion: string; version: string }>; preferredVersion: { groupVersion: string; version: string } }> }>('discovery/apis.json');
    apis.groups.push({ name: CUSTOM_GROUP, versions: [{ groupVersion: CUSTOM_GV, version: WIDGET_KIND.version }], preferredVersion: { groupVersion: CUSTOM_GV, version: WIDGET_KIND.version } });
    this.apisJson = JSON.stringify(apis) + '\n';
    for (const g of apis.groups) {
      this.groupDocs.set(g.name, JSON.stringify({ kind: 'APIGroup', apiVersion: 'v1', name: g.name, versions: g.versions, preferredVersion: g.preferredVersion }) + '\n');
      for (const v of g.versions) this.servedVersions.push({ group: g.name, version: v.version });
    }
    this.servedVersions.push({ group: '', version: 'v1' });

    this.aggregatedApiJson = assetText('discovery/aggregated-api.json');
    this.aggregatedApiEtag = etagOf(this.aggregatedApiJson);
    const agg = assetJson<AggregatedList>('discovery/aggregated-apis.json');
    agg.items.push(widgetAggregatedGroup());
    this.aggregatedApisJson = JSON.stringify(agg) + '\n';
    this.aggregatedApisEtag = etagOf(this.aggregatedApisJson);

    // Per group/version APIResourceLists: the captured ones, else generated from aggregated discovery.
    this.gvDocs.set('v1', assetText('discovery/api-v1.json'));
    for (const g of agg.items) {
      const group = g.metadata.name ?? '';
      for (const v of g.versions) {
        const gv = `${group}/${v.version}`;
        const file = `discovery/apis-${group.replace(/\./g, '_')}-${v.version}.json`;
        if (existsAsset(file)) {
          this.gvDocs.set(gv, assetText(file));
          continue;
        }
        const resources: Array<Record<string, unknown>> = [];
        for (const r of v.resources as unknown as AggregatedResourceJson[]) {
          const base: Record<string, unknown> = { name: r.resource, singularName: r.singularResource, namespaced: r.scope === 'Namespaced', kind: r.responseKind.kind, verbs: r.verbs };
          if (r.shortNames) base.shortNames = r.shortNames;
          if (r.categories) base.categories = r.categories;
          resources.push(base);
          for (const s of r.subresources ?? []) {
            const sub: Record<string, unknown> = { name: `${r.resource}/${s.subresource}`, singularName: '', namespaced: r.scope === 'Namespaced', kind: s.responseKind.kind, verbs: s.verbs };
            if (s.responseKind.group) sub.group = s.responseKind.group;
            if (s.responseKind.version) sub.version = s.responseKind.version;
            resources.push(sub);
          }
        }
        this.gvDocs.set(gv, JSON.stringify({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources }) + '\n');
      }
    }

    const root = assetJson<{ paths: string[] }>('discovery/root.json');
    root.paths.push(`/apis/${CUSTOM_GROUP}`, `/apis/${CUSTOM_GV}`);
    root.paths.sort();
    this.rootJson = JSON.stringify(root, null, 2);

    const v3 = assetJson<{ paths: Record<string, { serverRelativeURL: string }> }>('discovery/openapi-v3-root.json');
    // Only the group documents the simulator has are listed; clients fall back to /openapi/v2 for the rest.
    const kept: Record<string, { serverRelativeURL: string }> = {};
    for (const [k, v] of Object.entries(v3.paths)) if (OPENAPI_V3_DOCS[k]) kept[k] = v;
    this.openapiV3Index = JSON.stringify({ paths: kept });
  }

  groupDoc(group: string): string | undefined {
    return this.groupDocs.get(group);
  }

  /** The APIResourceList of a group/version ("v1" for core). */
  groupVersionDoc(group: string, version: string): string | undefined {
    return this.gvDocs.get(group ? `${group}/${version}` : version);
  }
}

const OPENAPI_V3_DOCS: Record<string, string> = {
  'api/v1': 'openapi/openapi-v3-api-v1.json.gz',
  'apis/apps/v1': 'openapi/openapi-v3-apis-apps-v1.json.gz',
};

function existsAsset(rel: string): boolean {
  return existsSync(new URL(`./assets/${rel}`, import.meta.url));
}

type Aggregation = 'aggregated' | 'plain' | 'unacceptable';

/** What a discovery Accept header asks for (v2beta1 aggregated; v2 is not served by 1.28). */
function discoveryAggregation(accept: string | undefined): Aggregation {
  const ranges = parseAccept(accept);
  if (!ranges.length) return 'plain';
  for (const r of ranges) {
    if (r.params.as === 'APIGroupDiscoveryList') {
      if (r.params.g === 'apidiscovery.k8s.io' && r.params.v === 'v2beta1') return 'aggregated';
      continue;
    }
    if (r.type === 'application/json' || r.type === '*/*' || r.type === 'application/*' || r.type === 'application/yaml' || r.type === 'application/vnd.kubernetes.protobuf') return 'plain';
  }
  return 'unacceptable';
}

const OPENAPI_LAST_MODIFIED = new Date().toUTCString();
/** The Etag the captured server gave this exact /openapi/v2 document. */
const OPENAPI_V2_ETAG = '"8D9EE55B68CE5CE5BA13ACC8D1C3B2EF4537C64D2787F571B4254758353A10B790B6FC2C15F7F5332050B84EF4A53399544EBD568EFF4A2A9EE705F4A8E3E8FF"';

/**
 * Answers a non-resource path. Returns false when `path` is not one (the
 * caller then routes it as a resource request or answers 404).
 */
export function serveNonResource(req: IncomingMessage, res: ServerResponse, url: URL, docs: DiscoveryDocuments, ctx: ResponseContext): boolean {
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const accept = req.headers.accept;
  switch (path) {
    case '/':
      sendJson(req, res, 200, docs.rootJson, ctx);
      return true;
    case '/version':
      sendJson(req, res, 200, docs.versionJson, ctx);
      return true;
    case '/healthz':
    case '/livez':
    case '/readyz': {
      const verbose = url.searchParams.has('verbose');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      sendBody(req, res, 200, verbose ? assetText('discovery/readyz-verbose.txt').replace(/readyz/g, path.slice(1)) : 'ok', ctx, 'text/plain; charset=utf-8');
      return true;
    }
    case '/api':
    case '/apis': {
      const mode = discoveryAggregation(accept);
      if (mode === 'unacceptable') {
        sendStatus(req, res, failureStatus(406, 'only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf', 'NotAcceptable'), ctx, {}, true);
        return true;
      }
      if (mode === 'aggregated') {
        const body = path === '/api' ? docs.aggregatedApiJson : docs.aggregatedApisJson;
        const etag = path === '/api' ? docs.aggregatedApiEtag : docs.aggregatedApisEtag;
        const headers = { Etag: etag, Vary: 'Accept' };
        if (req.headers['if-none-match'] === etag) {
          for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
          sendNotModified(res, ctx, 'public');
          return true;
        }
        sendBody(req, res, 200, body, ctx, 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList', headers, 'public');
        return true;
      }
      sendJson(req, res, 200, path === '/api' ? docs.apiJson : docs.apisJson, ctx);
      return true;
    }
    case '/openapi/v2': {
      const ranges = parseAccept(accept);
      const wantsProto = ranges.some((r) => r.type.startsWith('application/com.github.proto-openapi.spec.v2'));
      if (!wantsProto) {
        sendStatus(req, res, failureStatus(406, '406: Not Acceptable', 'NotAcceptable', {}), ctx);
        return true;
      }
      const pb = assetBytes('openapi/openapi-v2.pb.gz');
      res.setHeader('Accept-Ranges', 'bytes');
      res.setHeader('Etag', OPENAPI_V2_ETAG);
      res.setHeader('Last-Modified', OPENAPI_LAST_MODIFIED);
      res.setHeader('Vary', 'Accept');
      if (req.headers['if-none-match'] === OPENAPI_V2_ETAG) {
        sendNotModified(res, ctx, 'no-cache, private');
        return true;
      }
      sendBody(req, res, 200, pb, ctx, 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
      return true;
    }
    case '/openapi/v3':
      res.setHeader('Accept-Ranges', 'bytes');
      res.setHeader('Last-Modified', OPENAPI_LAST_MODIFIED);
      sendBody(req, res, 200, docs.openapiV3Index, ctx, 'text/plain; charset=utf-8');
      return true;
  }
  if (path.startsWith('/openapi/v3/')) {
    const doc = OPENAPI_V3_DOCS[path.slice('/openapi/v3/'.length)];
    if (!doc) return false;
    const body = assetBytes(doc);
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('Last-Modified', OPENAPI_LAST_MODIFIED);
    res.setHeader('Vary', 'Accept');
    if (url.searchParams.has('hash')) {
      res.setHeader('Etag', `"${url.searchParams.get('hash')}"`);
      res.setHeader('Expires', new Date(Date.now() + 365 * 24 * 3600 * 1000).toUTCString().replace('GMT', 'UTC'));
      sendBody(req, res, 200, body, ctx, 'application/json', {}, 'public, immutable');
    } else sendBody(req, res, 200, body, ctx, 'application/json');
    return true;
  }
  const m = /^\/apis\/([^/]+)(?:\/([^/]+))?$/.exec(path);
  if (m) {
    const [, group, version] = m;
    const doc = version ? docs.groupVersionDoc(group, version) : docs.groupDoc(group);
    if (!doc) {
      sendNotFoundPage(req, res, ctx);
      return true;
    }
    sendJson(req, res, 200, doc, ctx);
    return true;
  }
  if (path === '/api/v1') {
    sendJson(req, res, 200, docs.groupVersionDoc('', 'v1')!, ctx);
    return true;
  }
  return false;
}

function sendNotModified(res: ServerResponse, ctx: ResponseContext, cacheControl: string): void {
  res.setHeader('Audit-Id', crypto.randomUUID());
  res.setHeader('Cache-Control', cacheControl);
  if (ctx.flowSchemaUid) res.setHeader('X-Kubernetes-Pf-Flowschema-Uid', ctx.flowSchemaUid);
  if (ctx.priorityLevelUid) res.setHeader('X-Kubernetes-Pf-Prioritylevel-Uid', ctx.priorityLevelUid);
  res.statusCode = 304;
  res.end();
}

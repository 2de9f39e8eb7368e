import { assetJson } from './assets.js';
import type { SimKind, SimKindRef } from './types.js';

/**
 * The kinds the simulator stores, derived from the aggregated discovery
 * documents captured from a real kube-apiserver v1.28.7 (so verbs, short
 * names and subresources match), plus one custom resource group.
 */

interface AggregatedResource {
  resource: string;
  responseKind: { group: string; version: string; kind: string };
  scope: 'Namespaced' | 'Cluster';
  singularResource: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  subresources?: Array<{ subresource: string; responseKind: { group: string; version: string; kind: string }; verbs: string[] }>;
}

interface AggregatedGroup {
  metadata: { name?: string };
  versions: Array<{ version: string; resources: AggregatedResource[] }>;
}

export interface AggregatedList {
  kind: string;
  apiVersion: string;
  metadata: Record<string, unknown>;
  items: AggregatedGroup[];
}

/** The custom resource served by every simulated cluster (with its CRD object). */
export const WIDGET_KIND: SimKind = Object.freeze({
  group: 'example.kubeatlas.io',
  version: 'v1',
  kind: 'Widget',
  plural: 'widgets',
  namespaced: true,
  shortNames: ['wdg'],
  listKind: 'WidgetList',
  verbs: ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'],
  subresources: ['status'],
});

/** Groups whose objects are "unstructured" on the real server: list items carry kind/apiVersion. */
export function isCustomResourceKind(k: Pick<SimKind, 'group'>): boolean {
  return k.group === WIDGET_KIND.group;
}

let builtins: SimKind[] | undefined;

/**
 * Every storage-backed kind of the captured server (preferred version of each
 * group, resources that can be listed), plus the Widget custom resource.
 */
export function defaultSimKinds(): SimKind[] {
  if (!builtins) {
    const out: SimKind[] = [];
    const core = assetJson<AggregatedList>('discovery/aggregated-api.json');
    const named = assetJson<AggregatedList>('discovery/aggregated-apis.json');
    for (const g of [...core.items, ...named.items]) {
      const group = g.metadata.name ?? '';
      const preferred = g.versions[0];
      for (const r of preferred.resources) {
        if (!r.verbs.includes('list')) continue;
        if (r.resource === 'componentstatuses') continue; // computed by the real server, not stored
        out.push(
          Object.freeze({
            group,
            version: preferred.version,
            kind: r.responseKind.kind,
            plural: r.resource,
            namespaced: r.scope === 'Namespaced',
            ...(r.shortNames ? { shortNames: Object.freeze([...r.shortNames]) } : {}),
            listKind: `${r.responseKind.kind}List`,
            verbs: Object.freeze([...r.verbs]),
            ...(r.subresources?.length ? { subresources: Object.freeze(r.subresources.map((s) => s.subresource)) } : {}),
          }),
        );
      }
    }
    out.push(WIDGET_KIND);
    builtins = out;
  }
  return [...builtins];
}

/** Looks kinds up by every name SimKindRef allows. */
export class KindRegistry {
  private readonly byName = new Map<string, SimKind>();
  private readonly all: SimKind[];

  constructor(kinds: readonly SimKind[]) {
    this.all = [...kinds];
    // Later entries never shadow earlier ones: core kinds win bare names ("Event").
    for (const k of this.all) {
      const qualified = k.group ? `${k.group}/${k.kind}` : k.kind;
      for (const key of [qualified, k.group ? `${k.plural}.${k.group}` : k.plural, `${k.group}/${k.version}/${k.plural}`]) {
        if (!this.byName.has(key)) this.byName.set(key, k);
      }
      for (const key of [k.kind, k.plural, k.kind.toLowerCase()]) if (!this.byName.has(key)) this.byName.set(key, k);
    }
  }

  kinds(): readonly SimKind[] {
    return this.all;
  }

  /** The kind for a ref, or undefined. */
  find(ref: SimKindRef): SimKind | undefined {
    if (typeof ref !== 'string') {
      return this.all.find((k) => k === ref) ?? this.all.find((k) => k.group === ref.group && k.plural === ref.plural);
    }
    return this.byName.get(ref);
  }

  /** The storage kind served at group/resource (any served version). */
  byResource(group: string, plural: string): SimKind | undefined {
    return this.all.find((k) => k.group === group && k.plural === plural);
  }
}

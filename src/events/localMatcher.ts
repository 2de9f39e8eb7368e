import { kindKey } from '../kube/kinds.js';
import type { CompiledFilter, ResourceRecord } from '../store/types.js';

/**
 * TEMPORARY stand-in for the store's `matchesFilter` (src/store/filter.ts),
 * following the documented meaning of CompiledFilter. Deleted once the store
 * delivers its own.
 */
export function localMatchesFilter(f: CompiledFilter, r: ResourceRecord): boolean {
  if (f.clusters && !f.clusters.has(r.clusterId)) return false;
  if (f.kindKeys && !f.kindKeys.has(kindKey(r.kind))) return false;
  if (f.namespaces && !f.namespaces.has(r.namespace)) return false;
  if (f.name !== undefined && r.name !== f.name) return false;
  if (f.nameContains !== undefined && !r.name.includes(f.nameContains)) return false;
  if (f.status !== undefined && r.status !== f.status) return false;
  if (f.selector && !f.selector.matches(r.labels)) return false;
  return true;
}

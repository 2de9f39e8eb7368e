import type { ClusterSpec } from '../config/clusterSpecSchema.js';

/**
 * Where clusters added at runtime are kept across restarts. Config-file
 * clusters are never saved. `save` replaces the whole list; `load` returns
 * what the last `save` stored (entries are validated again by the registry).
 */
export interface ClusterPersistence {
  load(): Promise<ClusterSpec[]>;
  save(specs: ClusterSpec[]): Promise<void>;
}

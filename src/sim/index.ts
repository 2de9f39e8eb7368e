/** Public face of the simulated Kubernetes API server. */
export type * from './types.js';
export { startSimCluster, type SimClusterTuning } from './cluster.js';
export { createCertificateAuthority } from './ca.js';
export { createSimStore, type SimStoreInternals, type WriteOptions } from './store.js';
export { SimApiError, isSimApiError } from './errors.js';
export { defaultSimKinds, WIDGET_KIND } from './simKinds.js';
export type { SimAllowRule, SimUser } from './auth.js';

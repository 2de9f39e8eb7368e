/** The configuration module's public surface. */
export { loadConfig, type LoadConfigOptions } from './loadConfig.js';
export { ConfigSchema, LOG_LEVELS, DEFAULT_SERVICE_ACCOUNT_DIR, type Config } from './configSchema.js';
export { ClusterSpecSchema, AUTH_METHODS, SECRET_FIELDS, type ClusterSpec, type TlsSpec, type AuthMethod } from './clusterSpecSchema.js';
export { parseClusterSpec, parseClusterSpecShape, type ParseClusterSpecContext } from './parseClusterSpec.js';
export { checkClusterMaterial, type ClusterMaterialContext, type InClusterSettings } from './clusterMaterial.js';
export { loadKubeconfigContext, type KubeconfigContext } from './kubeconfigSelection.js';
export { ConfigError } from './configError.js';
export { HELP_TEXT, parseFlags } from './flags.js';

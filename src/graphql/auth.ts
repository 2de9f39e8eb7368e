import type { GraphqlServices } from './services.js';
import type { Context } from './context.js';

/**
 * The single place that decides what a caller may do. Until authentication
 * exists, every caller is treated alike: the admin scope (add/remove
 * clusters) is granted exactly when mutations are enabled in the config.
 * When authentication arrives, derive the scopes from the verified identity
 * here (HTTP: the Request's headers; WebSocket: connectionParams).
 */
export function authScopesFor(services: GraphqlServices, _credentials: { authorization?: string | null }): Context['auth'] {
  return { admin: services.mutationsEnabled };
}

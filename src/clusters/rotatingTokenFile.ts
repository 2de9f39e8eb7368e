import { readFile, stat } from 'node:fs/promises';
import type { KubeConfig, User } from '@kubernetes/client-node';

/** client-node's Authenticator (not exported from its index). */
type Authenticator = Parameters<KubeConfig['addAuthenticator']>[0];

/** The auth-provider name under which a KubeConfig user delegates to RotatingTokenFile. */
export const ROTATING_TOKEN_PROVIDER = 'kubeatlas-rotating-token-file';

/**
 * A bearer token read from a file that may be replaced at any time (projected
 * service account tokens rotate, usually through a symlink swap). Before each
 * request the file is stat'ed; when its identity, size or mtime changed, or
 * after `invalidate()` (a 401), it is read again. So the request after a
 * rotation already carries the new token, without a 60 s cache like
 * client-node's FileAuth.
 *
 * Plugged into a cluster's own KubeConfig (`addAuthenticator`) for users whose
 * `authProvider.name` is ROTATING_TOKEN_PROVIDER, so `applyToHTTPSOptions`
 * keeps working as the single source of headers and TLS options.
 */
export class RotatingTokenFile implements Authenticator {
  private token: string | undefined;
  private stamp = '';
  private forced = false;
  private inflight: Promise<string> | undefined;

  constructor(readonly path: string) {}

  isAuthProvider(user: User): boolean {
    return (user.authProvider as { name?: unknown } | undefined)?.name === ROTATING_TOKEN_PROVIDER;
  }

  async applyAuthentication(_user: User, opts: { headers?: unknown }): Promise<void> {
    const token = await this.current();
    const headers = (opts.headers ?? {}) as Record<string, string>;
    headers.Authorization = `Bearer ${token}`;
    opts.headers = headers;
  }

  /** Forces a re-read before the next request (after the server rejected the token). */
  invalidate(): void {
    this.forced = true;
  }

  /** The token, re-read if the file changed. Rejects (with the fs error code) if the file is missing or empty. */
  current(): Promise<string> {
    this.inflight ??= this.refresh().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async refresh(): Promise<string> {
    const st = await stat(this.path);
    const stamp = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
    if (this.token !== undefined && stamp === this.stamp && !this.forced) return this.token;
    this.forced = false;
    const token = (await readFile(this.path, 'utf8')).trim();
    if (token === '') throw Object.assign(new Error('the token file is empty'), { code: 'EMPTY_TOKEN_FILE' });
    this.token = token;
    this.stamp = stamp;
    return token;
  }
}

import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { createTestCa, type TestCa } from './certs.js';

/**
 * A minimal HTTPS API server for connection tests, with the subset of
 * SimCluster's surface these tests use (url, ca, adminToken,
 * adminClientCert, requests(), faults, kubeconfig()). Authentication like a
 * kube-apiserver: a client certificate (401 if it does not verify, e.g.
 * expired), else a bearer token (401 if unknown), else anonymous (403 except
 * on /version). Serves /version, /api/v1/namespaces and a watch on
 * /api/v1/pods?watch=1 that sends one line every 50 ms.
 */
export interface MiniRequestRecord {
  at: number;
  method: string;
  path: string;
  status: number;
  user: string;
  watch: boolean;
}

export interface MiniApiServer {
  readonly url: string;
  readonly port: number;
  readonly ca: TestCa;
  readonly adminToken: string;
  readonly adminClientCert: { certPem: string; keyPem: string };
  requests(): readonly MiniRequestRecord[];
  faults: {
    failNext(count: number, code: 429 | 500 | 503 | 504, options?: { retryAfterSeconds?: number; pathPrefix?: string }): void;
    hang(options?: { pathPrefix?: string; count?: number }): void;
    clear(): void;
  };
  /** Adds a bearer token (e.g. a rotated service account token). */
  addToken(token: string, user: string): void;
  kubeconfig(): string;
  close(): Promise<void>;
}

export async function startMiniApiServer(opts: { name?: string; ca?: TestCa; version?: string } = {}): Promise<MiniApiServer> {
  const ca = opts.ca ?? createTestCa();
  const serving = ca.issue({ commonName: 'kube-apiserver', hosts: ['127.0.0.1', 'localhost'] });
  const adminToken = `admin-${Math.random().toString(36).slice(2)}`;
  const adminClientCert = ca.issue({ commonName: 'mini-admin', organizations: ['system:masters'], client: true });
  const tokens = new Map<string, string>([[adminToken, 'mini-admin']]);
  const log: MiniRequestRecord[] = [];
  let failures: Array<{ code: number; retryAfter?: number; prefix?: string }> = [];
  let hang: { prefix?: string; count: number } | undefined;
  const hung = new Set<ServerResponse>();
  const sockets = new Set<Socket>();

  const server: Server = createServer({ key: serving.keyPem, cert: serving.certPem, ca: [ca.certPem], requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://x');
    const path = url.pathname;
    const watch = url.searchParams.get('watch') === '1' || url.searchParams.get('watch') === 'true';
    const user = authenticate(req, tokens);
    const record = (status: number) => log.push({ at: Date.now(), method: req.method ?? 'GET', path, status, user: user ?? '(rejected)', watch });
    if (hang && (!hang.prefix || path.startsWith(hang.prefix)) && hang.count > 0) {
      hang.count--;
      hung.add(res);
      record(0);
      return;
    }
    const fi = failures.findIndex((f) => !f.prefix || path.startsWith(f.prefix));
    if (fi >= 0) {
      const f = failures.splice(fi, 1)[0];
      record(f.code);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (f.retryAfter !== undefined) headers['retry-after'] = String(f.retryAfter);
      res.writeHead(f.code, headers).end(status(f.code, f.code === 429 ? 'TooManyRequests' : 'InternalError', 'injected failure'));
      return;
    }
    if (user === undefined) {
      record(401);
      res.writeHead(401, { 'content-type': 'application/json' }).end(status(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    if (path === '/version') {
      record(200);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ major: '1', minor: '28', gitVersion: opts.version ?? 'v1.28.7', platform: 'linux/amd64' }));
      return;
    }
    if (user === 'system:anonymous') {
      record(403);
      res.writeHead(403, { 'content-type': 'application/json' }).end(status(403, 'Forbidden', `forbidden: User "system:anonymous" cannot get path "${path}"`));
      return;
    }
    if (path === '/api/v1/namespaces') {
      record(200);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'NamespaceList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: [{ metadata: { name: 'default' } }] }));
      return;
    }
    if (path === '/api/v1/pods' && watch) {
      record(200);
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      let i = 0;
      const t = setInterval(() => {
        i++;
        res.write(`${JSON.stringify({ type: 'BOOKMARK', object: { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: String(i) } } })}\n`);
      }, 50);
      res.on('close', () => clearInterval(t));
      return;
    }
    record(404);
    res.writeHead(404, { 'content-type': 'application/json' }).end(status(404, 'NotFound', 'the server could not find the requested resource'));
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  // A failed client handshake (e.g. bad certificate) must not crash the test process.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const url = `https://127.0.0.1:${port}`;

  return {
    url,
    port,
    ca,
    adminToken,
    adminClientCert,
    requests: () => log,
    faults: {
      failNext(count, code, options = {}) {
        for (let i = 0; i < count; i++) failures.push({ code, ...(options.retryAfterSeconds !== undefined ? { retryAfter: options.retryAfterSeconds } : {}), ...(options.pathPrefix ? { prefix: options.pathPrefix } : {}) });
      },
      hang(options = {}) {
        hang = { ...(options.pathPrefix ? { prefix: options.pathPrefix } : {}), count: options.count ?? Number.POSITIVE_INFINITY };
      },
      clear() {
        failures = [];
        hang = undefined;
        for (const r of hung) r.destroy();
        hung.clear();
      },
    },
    addToken(token, user) {
      tokens.set(token, user);
    },
    kubeconfig() {
      const name = opts.name ?? 'mini';
      return [
        'apiVersion: v1',
        'kind: Config',
        `current-context: ${name}`,
        'clusters:',
        `- name: ${name}`,
        '  cluster:',
        `    server: ${url}`,
        `    certificate-authority-data: ${Buffer.from(ca.certPem).toString('base64')}`,
        'users:',
        `- name: ${name}-admin`,
        '  user:',
        `    token: ${adminToken}`,
        'contexts:',
        `- name: ${name}`,
        `  context: { cluster: ${name}, user: ${name}-admin }`,
        '',
      ].join('\n');
    },
    async close() {
      for (const r of hung) r.destroy();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function authenticate(req: IncomingMessage, tokens: Map<string, string>): string | undefined {
  const sock = req.socket as TLSSocket;
  const cert = sock.getPeerCertificate();
  if (cert && Object.keys(cert).length > 0) {
    if (!sock.authorized) return undefined;
    const cn = cert.subject?.CN;
    return Array.isArray(cn) ? cn[0] : cn;
  }
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return m ? tokens.get(m[1]) : undefined;
  }
  return 'system:anonymous';
}

function status(code: number, reason: string, message: string): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}

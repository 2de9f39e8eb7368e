import { createSecureContext } from 'node:tls';
import { Agent, ProxyAgent, type Dispatcher } from 'undici';

/** The TLS side of a connection as client-node's applyToHTTPSOptions describes it. */
export interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized: boolean;
  servername?: string;
  /** HTTP(S) proxy to tunnel through (CONNECT); the TLS settings above then apply to the API server inside the tunnel. */
  proxyUrl?: string;
}

export interface DispatcherOptions {
  /** TCP+TLS connect deadline. */
  connectTimeoutMs: number;
  /** How long an idle keep-alive socket is kept. */
  keepAliveTimeoutMs?: number;
}

/**
 * One undici Agent per cluster (keep-alive pool), rebuilt only when the TLS
 * material changes (an exec plugin returning a new client certificate, a
 * rotated CA file). The previous agent is closed gracefully: requests and
 * watches already on it run to their end. The agent's connections share
 * one TLS secure context (CA, client certificate and key parsed once, not
 * per connection: a cluster opens a connection per watch).
 */
export class TlsDispatchers {
  private current: { material: TlsMaterial; agent: Agent | ProxyAgent } | undefined;
  private closed = false;

  constructor(private readonly opts: DispatcherOptions) {}

  get(material: TlsMaterial): Dispatcher {
    if (this.closed) throw new Error('dispatcher closed');
    const cur = this.current;
    if (cur && sameMaterial(cur.material, material)) return cur.agent;
    const secureContext = createSecureContext({
      ...(material.ca ? { ca: material.ca } : {}),
      ...(material.cert ? { cert: material.cert } : {}),
      ...(material.key ? { key: material.key } : {}),
    });
    const tls = {
      secureContext,
      rejectUnauthorized: material.rejectUnauthorized,
      ...(material.servername ? { servername: material.servername } : {}),
      timeout: this.opts.connectTimeoutMs,
    };
    const common = {
      keepAliveTimeout: this.opts.keepAliveTimeoutMs ?? 30_000,
      keepAliveMaxTimeout: 10 * 60_000,
      // Deadlines are the connection's own (request deadline, watch header deadline);
      // a watch body may stay quiet for minutes.
      headersTimeout: 0,
      bodyTimeout: 0,
    };
    const agent = material.proxyUrl
      ? new ProxyAgent({ ...common, uri: material.proxyUrl, requestTls: tls, proxyTls: { timeout: this.opts.connectTimeoutMs } })
      : new Agent({ ...common, connect: tls });
    this.current = { material, agent };
    if (cur) void cur.agent.close().catch(() => undefined);
    return agent;
  }

  /** Destroys every socket at once (in-flight requests fail). Bounded: no waiting for peers. */
  async destroy(): Promise<void> {
    this.closed = true;
    const cur = this.current;
    this.current = undefined;
    if (cur) await cur.agent.destroy().catch(() => undefined);
  }
}

function sameBuf(a: Buffer | undefined, b: Buffer | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.equals(b));
}

function sameMaterial(a: TlsMaterial, b: TlsMaterial): boolean {
  return a.rejectUnauthorized === b.rejectUnauthorized && a.servername === b.servername && a.proxyUrl === b.proxyUrl && sameBuf(a.ca, b.ca) && sameBuf(a.cert, b.cert) && sameBuf(a.key, b.key);
}

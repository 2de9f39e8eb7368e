import { Redis, type RedisOptions } from 'ioredis';
import { describeError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { withScripts, type ScriptedRedis } from './scripts.js';

export interface RedisLinkOptions {
  /** redis:// or rediss:// URL (may hold a password: never logged). */
  url: string;
  /** Deadline of each connection attempt. */
  connectTimeoutMs: number;
  /** Deadline of each command. */
  commandTimeoutMs: number;
  /** Longest XREAD BLOCK the blocking connection issues (its command deadline allows for it). */
  maxBlockMs: number;
  log: Logger;
  /** Shown in CLIENT LIST. */
  name: string;
}

/** Longest wait between two reconnection attempts. */
const MAX_RECONNECT_DELAY_MS = 2000;

/**
 * The connections of one process to Redis: `cmd` for commands and scripts,
 * `blocking` for XREAD BLOCK, `sub` for pub/sub.
 *
 * Never buffers without bound: `cmd` and `blocking` have no offline queue
 * (a command while disconnected fails at once) and no per-request retries;
 * every command has a deadline. The connections reconnect forever with a
 * delay capped at 2 s, so kubeatlas attaches again whenever Redis is back.
 * `up` follows the `cmd` connection; listeners hear every change.
 */
export class RedisLink {
  readonly cmd: ScriptedRedis;
  readonly blocking: Redis;
  readonly sub: Redis;
  /** host:port, for logs (the URL may carry a password). */
  readonly where: string;
  private readonly log: Logger;
  private readonly listeners = new Set<(up: boolean) => void>();
  private isUp = false;
  private everUp = false;
  private closed = false;

  constructor(options: RedisLinkOptions) {
    this.log = options.log;
    const u = new URL(options.url);
    this.where = `${u.hostname}:${u.port || '6379'}`;
    const base: RedisOptions = {
      connectTimeout: options.connectTimeoutMs,
      commandTimeout: options.commandTimeoutMs,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      lazyConnect: true,
      retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), MAX_RECONNECT_DELAY_MS),
      connectionName: options.name,
    };
    this.cmd = withScripts(new Redis(options.url, base));
    this.blocking = new Redis(options.url, { ...base, commandTimeout: options.maxBlockMs + options.commandTimeoutMs });
    // Subscriptions are re-sent on reconnect by ioredis; its queue only ever holds (UN)SUBSCRIBE.
    this.sub = new Redis(options.url, { ...base, commandTimeout: undefined, enableOfflineQueue: true, maxRetriesPerRequest: null });
    for (const [role, client] of [
      ['cmd', this.cmd],
      ['blocking', this.blocking],
      ['sub', this.sub],
    ] as const) {
      client.on('error', (err: unknown) => this.log.debug({ role, err: describeError(err) }, 'redis connection error'));
    }
    this.cmd.on('ready', () => this.setUp(true));
    this.cmd.on('close', () => this.setUp(false));
    this.cmd.on('end', () => this.setUp(false));
  }

  /** Starts connecting (all three connections); resolves once `cmd` is ready or `timeoutMs` passed: true when up. */
  async connect(timeoutMs: number): Promise<boolean> {
    for (const c of [this.cmd, this.blocking, this.sub]) c.connect().catch(() => undefined);
    return this.waitUntilUp(timeoutMs);
  }

  get up(): boolean {
    return this.isUp;
  }

  /** Resolves true as soon as the link is up, false after `timeoutMs` or when closed. */
  waitUntilUp(timeoutMs: number): Promise<boolean> {
    if (this.isUp) return Promise.resolve(true);
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        off();
        resolve(false);
      }, timeoutMs);
      timer.unref();
      const off = this.onChange((up) => {
        if (!up && !this.closed) return;
        clearTimeout(timer);
        off();
        resolve(up);
      });
    });
  }

  /** Called on every change of `up` (synchronously, in order). Returns the unsubscribe function. */
  onChange(listener: (up: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Closes the connections: QUIT with a short deadline, then disconnect. */
  async close(timeoutMs = 1000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const quit = (c: Redis) =>
      c.status === 'ready'
        ? Promise.race([c.quit().catch(() => undefined), new Promise((r) => setTimeout(r, timeoutMs).unref())]).then(() => c.disconnect())
        : Promise.resolve(c.disconnect());
    await Promise.all([quit(this.cmd), Promise.resolve(this.blocking.disconnect()), quit(this.sub)]);
    this.setUp(false);
  }

  private setUp(up: boolean): void {
    if (this.closed && up) return;
    if (up === this.isUp) return;
    this.isUp = up;
    if (up) {
      this.log.info({ redis: this.where, reconnected: this.everUp }, this.everUp ? 'redis connection is back' : 'connected to redis');
      this.everUp = true;
    } else if (!this.closed) {
      this.log.warn({ redis: this.where }, 'redis connection lost: serving from the in-process cache; snapshots and leases resume when it is back');
    }
    for (const l of [...this.listeners]) {
      try {
        l(up);
      } catch (err) {
        this.log.error({ err: describeError(err) }, 'redis link listener failed');
      }
    }
  }
}

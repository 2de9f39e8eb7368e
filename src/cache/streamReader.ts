import { setTimeout as sleep } from 'node:timers/promises';
import { describeError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import type { ClusterFollower } from './follower.js';
import type { RedisKeys } from './keys.js';
import type { RedisLink } from './redisLink.js';
import { entryId } from './snapshotFormat.js';

export interface StreamReaderOptions {
  link: RedisLink;
  keys: RedisKeys;
  log: Logger;
  /** XREAD BLOCK timeout: also the longest delay before a newly added follower is read (default 1000 ms). */
  blockMs?: number;
  /** Entries per stream per read (default 16; entries hold up to a batch of objects each). */
  count?: number;
}

/**
 * One blocking XREAD over the change streams of every cluster this replica
 * follows (one connection however many clusters), handing each entry to its
 * follower in stream order. A follower that is loading is left out until it
 * follows again, from its new position.
 */
export class StreamReader {
  private readonly followers = new Map<string, ClusterFollower>();
  private readonly loop: Promise<void>;
  private closed = false;
  private readonly blockMs: number;
  private readonly count: number;

  constructor(private readonly o: StreamReaderOptions) {
    this.blockMs = o.blockMs ?? 1000;
    this.count = o.count ?? 16;
    this.loop = this.run();
  }

  add(follower: ClusterFollower): void {
    this.followers.set(follower.clusterId, follower);
  }

  remove(follower: ClusterFollower): void {
    if (this.followers.get(follower.clusterId) === follower) this.followers.delete(follower.clusterId);
  }

  /** Stops the loop (the pending XREAD is cut by the link closing, or ends within blockMs). */
  async close(): Promise<void> {
    this.closed = true;
    let t: NodeJS.Timeout | undefined;
    await Promise.race([this.loop, new Promise((r) => (t = setTimeout(r, this.blockMs + 500)))]);
    clearTimeout(t);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      const ready = [...this.followers.values()].filter((f) => f.state === 'following');
      if (!this.o.link.up || ready.length === 0) {
        await sleep(this.o.link.up ? 100 : 250);
        continue;
      }
      let reply: Array<[string, Array<[string, string[]]>]> | null;
      try {
        reply = (await this.o.link.blocking.xread(
          'COUNT',
          this.count,
          'BLOCK',
          this.blockMs,
          'STREAMS',
          ...ready.map((f) => this.o.keys.stream(f.clusterId)),
          ...ready.map((f) => entryId(f.seq)),
        )) as Array<[string, Array<[string, string[]]>]> | null;
        failures = 0;
      } catch (err) {
        if (this.closed) return;
        if (failures++ === 0) this.o.log.debug({ err: describeError(err) }, 'change stream read failed; retrying');
        await sleep(Math.min(2000, 100 * 2 ** Math.min(failures, 5)));
        continue;
      }
      if (!reply || this.closed) continue;
      for (const [key, entries] of reply) {
        const f = ready.find((x) => this.o.keys.stream(x.clusterId) === key);
        if (!f || this.followers.get(f.clusterId) !== f) continue;
        for (const [id, fields] of entries) {
          const i = fields.indexOf('e');
          if (!f.applyEntry(id, i >= 0 ? (fields[i + 1] ?? '') : '')) break;
        }
      }
    }
  }
}

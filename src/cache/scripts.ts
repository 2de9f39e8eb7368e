import type { Redis } from 'ioredis';

/**
 * The Lua scripts kubeatlas runs in Redis. Scripts are atomic: a lease is
 * checked and changed in one step, and a batch updates a cluster's objects,
 * snapshot meta and change stream as one (readers never see objects that
 * disagree with the recorded resourceVersion). ioredis `defineCommand` runs
 * them by EVALSHA, loading them on first use.
 */

/**
 * Acquire or keep a lease. KEYS[1] lease; ARGV owner, ttl ms.
 * Returns {1, ttl} when `owner` holds it now, {0, holder, pttl} otherwise.
 */
const LEASE_ACQUIRE = `
local ok = redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
if ok then return {1, tonumber(ARGV[2])} end
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1, tonumber(ARGV[2])}
end
return {0, holder or '', redis.call('PTTL', KEYS[1])}
`;

/** Extend a lease only if `owner` holds it (compare-and-extend). KEYS[1] lease; ARGV owner, ttl ms. 1 = extended. */
const LEASE_RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`;

/**
 * Release a lease only if `owner` holds it (compare-and-delete), and tell the
 * other replicas at once. KEYS[1] lease; ARGV owner, channel, cluster id.
 */
const LEASE_RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], ARGV[3])
  return 1
end
return 0
`;

/**
 * Commit one batch of a cluster's snapshot.
 * KEYS: 1 lease, 2 meta, 3 stream, then per kind i: objects hash, staging
 *   hash, bases hash, staging bases hash.
 * ARGV: 1 owner, 2 expected seq, 3 epoch for a new meta, 4 stream max length,
 *   5 stream entry ('' = none), 6 now (ms), 7 report JSON ('' = unchanged),
 *   8 number of kinds, 9 snapshot format, then per kind: kindKey, KindMeta JSON
 *   ('' = remove the kind), mode ('U' update, 'S' replace objects and bases
 *   by the staging hashes first, 'D' drop objects and bases first), nSet,
 *   nDel, expected count (-1 = no check), nBase, followed by nSet
 *   field/value pairs, nDel fields and nBase base id/value pairs (bases are
 *   written before the objects that use them, in the same step).
 * Returns {'OK', seq, epoch, kinds whose count differs...}, {'LEASE', holder}
 * when `owner` does not hold the lease, {'SEQ', seq, epoch} when the meta is
 * not at the expected seq (another writer, or a Redis that lost its data).
 */
const COMMIT_BATCH = `
local holder = redis.call('GET', KEYS[1])
if holder ~= ARGV[1] then return {'LEASE', holder or ''} end
local seq = tonumber(redis.call('HGET', KEYS[2], 'seq') or '0')
local epoch = redis.call('HGET', KEYS[2], 'epoch')
if seq ~= tonumber(ARGV[2]) or (seq > 0 and not epoch) then return {'SEQ', tostring(seq), epoch or ''} end
if not epoch then
  epoch = ARGV[3]
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[2], 'epoch', epoch, 'format', ARGV[9])
end
local a = 10
local mismatched = {}
local function replace(from, to)
  if redis.call('EXISTS', from) == 1 then
    redis.call('RENAME', from, to)
    redis.call('PERSIST', to)
  else
    redis.call('DEL', to)
  end
end
for i = 1, tonumber(ARGV[8]) do
  local hkey = KEYS[4 * i]
  local skey = KEYS[4 * i + 1]
  local bkey = KEYS[4 * i + 2]
  local bskey = KEYS[4 * i + 3]
  local kind = ARGV[a]
  local meta = ARGV[a + 1]
  local mode = ARGV[a + 2]
  local nset = tonumber(ARGV[a + 3])
  local ndel = tonumber(ARGV[a + 4])
  local expect = tonumber(ARGV[a + 5])
  local nbase = tonumber(ARGV[a + 6])
  a = a + 7
  if mode == 'S' then
    replace(skey, hkey)
    replace(bskey, bkey)
  elseif mode == 'D' then
    redis.call('DEL', hkey, bkey)
  end
  local sets = a
  a = a + 2 * nset
  local dels = a
  a = a + ndel
  for j = 1, nbase do
    redis.call('HSET', bkey, ARGV[a], ARGV[a + 1])
    a = a + 2
  end
  for j = 0, nset - 1 do
    redis.call('HSET', hkey, ARGV[sets + 2 * j], ARGV[sets + 2 * j + 1])
  end
  for j = 0, ndel - 1 do
    redis.call('HDEL', hkey, ARGV[dels + j])
  end
  if meta == '' then
    redis.call('HDEL', KEYS[2], 'kind:' .. kind)
  else
    redis.call('HSET', KEYS[2], 'kind:' .. kind, meta)
  end
  if expect >= 0 and redis.call('HLEN', hkey) ~= expect then table.insert(mismatched, kind) end
end
local nseq = seq + 1
redis.call('HSET', KEYS[2], 'seq', tostring(nseq), 'at', ARGV[6], 'by', ARGV[1])
if ARGV[7] ~= '' then redis.call('HSET', KEYS[2], 'report', ARGV[7]) end
if ARGV[5] ~= '' then
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[4], tostring(nseq) .. '-0', 'e', ARGV[5])
end
local out = {'OK', tostring(nseq), epoch}
for _, k in ipairs(mismatched) do table.insert(out, k) end
return out
`;

export type LeaseAcquireReply = [1, number] | [0, string, number];
export type CommitReply = ['OK', string, string, ...string[]] | ['LEASE', string] | ['SEQ', string, string];

/** A Redis client with kubeatlas's scripts defined. */
export interface ScriptedRedis extends Redis {
  kaLeaseAcquire(lease: string, owner: string, ttlMs: number): Promise<LeaseAcquireReply>;
  kaLeaseRenew(lease: string, owner: string, ttlMs: number): Promise<number>;
  kaLeaseRelease(lease: string, owner: string, channel: string, clusterId: string): Promise<number>;
  kaCommitBatch(numKeys: number, ...keysAndArgs: Array<string | number | Buffer>): Promise<CommitReply>;
}

/** Defines the scripts on `redis` (idempotent per client). */
export function withScripts(redis: Redis): ScriptedRedis {
  const r = redis as ScriptedRedis;
  if (typeof r.kaLeaseAcquire === 'function') return r;
  redis.defineCommand('kaLeaseAcquire', { numberOfKeys: 1, lua: LEASE_ACQUIRE });
  redis.defineCommand('kaLeaseRenew', { numberOfKeys: 1, lua: LEASE_RENEW });
  redis.defineCommand('kaLeaseRelease', { numberOfKeys: 1, lua: LEASE_RELEASE });
  redis.defineCommand('kaCommitBatch', { lua: COMMIT_BATCH });
  return r;
}

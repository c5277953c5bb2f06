// The waiting queue, entirely in Redis so every worker (and the queue-corrupt fault) sees one truth.
// Its keys and what each holds: queue-keys.ts.
// Recovery after data loss: a validly signed token issued before the epoch whose record is missing lost it with
// the data, so the lookup re-registers it (see README "Tokens after a Redis restart").
// Every multi-key change is one Lua script, so admission, issue and end are atomic.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { QueueKeys } from './queue-keys.ts';
import { LuaScript } from './redis.ts';

export type QueueState =
  | { status: 'ACTIVE'; expiresAt: number }
  | { status: 'WAITING'; position: number }
  | { status: 'UNKNOWN' };

export interface TokenRecord {
  token: string;
  userId: number;
  state: QueueState;
}

const SNAPSHOT_TTL_SECONDS = 86_400;

/** What the signature proves about a token: its user and when it was issued. */
export interface TokenClaimsForQueue {
  userId: number;
  issuedAtMs: number;
}

// Shared Lua: the state of token t → {'ACTIVE', expiresAt} | {'WAITING', position} | {'UNKNOWN', 0}
const STATE_OF = `
local function state_of(t)
  local score = redis.call('ZSCORE', KEYS[2], t)
  if score then return {'ACTIVE', score} end
  local rank = redis.call('ZRANK', KEYS[1], t)
  if rank then return {'WAITING', tostring(rank + 1)} end
  return {'UNKNOWN', '0'}
end
`;

// Shared Lua: the epoch stored at key k, set to \`now\` when missing (first use, or Redis lost its data)
const EPOCH_OF = `
local function epoch_of(k, now)
  local epoch = redis.call('GET', k)
  if epoch then return tonumber(epoch) end
  redis.call('SET', k, now)
  return tonumber(now)
end
`;

// Shared Lua: token t (record key k) joins the back of waiting queue w, numbered by counter seq
const JOIN_BACK = `
local function join_back(w, seq, k, t)
  local arrival = redis.call('INCR', seq)
  redis.call('ZADD', w, arrival, t)
  redis.call('HSET', k, 'arrival', arrival)
end
`;

// Shared Lua: put token t (record key k, its user's pointer userKey) back into waiting queue w at arrival
// number \`arrival\`, keeping that number in its record and both keys alive for ttl ms
const PUT_BACK = `
local function put_back(w, k, userKey, t, arrival, ttl)
  redis.call('HSET', k, 'arrival', arrival)
  redis.call('PEXPIRE', k, ttl)
  redis.call('SET', userKey, t, 'PX', ttl)
  redis.call('ZADD', w, arrival, t)
end
`;

// KEYS waiting, active, seq, userKey, epoch · ARGV newToken, userId, now (= the new token's issue time), capacity,
// ttlMs, tokenPrefix, static(0/1) → {token, status, value}
const issue = new LuaScript(
  'queueIssue',
  `${STATE_OF}${EPOCH_OF}${JOIN_BACK}
epoch_of(KEYS[5], ARGV[3])
local now, capacity, ttl, prefix = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
local token = redis.call('GET', KEYS[4])
if token and redis.call('EXISTS', prefix .. token) == 1 then
  local s = state_of(token)
  if s[1] ~= 'UNKNOWN' then return {token, s[1], s[2]} end
  -- its queue entry was lost (e.g. dropped): it rejoins at the back below
else
  token = ARGV[1]
  redis.call('HSET', prefix .. token, 'userId', ARGV[2], 'issuedAt', ARGV[3])
end
redis.call('PEXPIRE', prefix .. token, ttl)
redis.call('SET', KEYS[4], token, 'PX', ttl)
if ARGV[7] == '0' and redis.call('ZCARD', KEYS[1]) == 0 and redis.call('ZCOUNT', KEYS[2], '(' .. now, '+inf') < capacity then
  redis.call('ZADD', KEYS[2], now + ttl, token)
else
  join_back(KEYS[1], KEYS[3], prefix .. token, token)
end
local s = state_of(token)
return {token, s[1], s[2]}`,
  5,
);

// KEYS waiting, active, seq, epoch · ARGV token, tokenPrefix, ttlMs, claimedUserId, claimedIssuedAt, now, capacity
// → {userId|false, status, value, recovered (0/1)}; polling keeps a waiting token alive.
// A token without a record is recovered when it was issued before the epoch (its record and any end-marker were
// lost with Redis's data), is younger than its lifetime, has no end-marker since, and its user holds no other
// token: ACTIVE (until issue time + lifetime) while the active set has room, else WAITING at the back.
const lookup = new LuaScript(
  'queueLookup',
  `${STATE_OF}${EPOCH_OF}${JOIN_BACK}
local token, ttl = ARGV[1], tonumber(ARGV[3])
local key = ARGV[2] .. token
local userId = redis.call('HGET', key, 'userId')
local recovered = 0
if not userId then
  local issuedAt, now = tonumber(ARGV[5]), tonumber(ARGV[6])
  local userKey = '${QueueKeys.userPrefix}' .. ARGV[4]
  local owner = redis.call('GET', userKey)
  if issuedAt >= epoch_of(KEYS[4], now) or issuedAt + ttl <= now or (owner and owner ~= token)
    or redis.call('EXISTS', '${QueueKeys.endedPrefix}' .. token) == 1 then
    return {false, 'UNKNOWN', '0', 0}
  end
  userId = ARGV[4]
  redis.call('HSET', key, 'userId', userId, 'issuedAt', now)
  redis.call('PEXPIRE', key, ttl)
  redis.call('SET', userKey, token, 'PX', ttl)
  if redis.call('ZCOUNT', KEYS[2], '(' .. now, '+inf') < tonumber(ARGV[7]) then
    redis.call('ZADD', KEYS[2], issuedAt + ttl, token)
  else
    join_back(KEYS[1], KEYS[3], key, token)
  end
  recovered = 1
end
local s = state_of(token)
if s[1] == 'WAITING' then
  redis.call('PEXPIRE', key, ttl)
  redis.call('PEXPIRE', '${QueueKeys.userPrefix}' .. userId, ttl)
end
return {userId, s[1], s[2], recovered}`,
  4,
);

// KEYS waiting, active, epoch · ARGV token, tokenPrefix, userPrefix, issuedAt, now, ttlMs
// A token issued before the epoch gets an end-marker, so the lookup does not recover it.
const end = new LuaScript(
  'queueEnd',
  `${EPOCH_OF}
local userId = redis.call('HGET', ARGV[2] .. ARGV[1], 'userId')
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('DEL', ARGV[2] .. ARGV[1])
if userId and redis.call('GET', ARGV[3] .. userId) == ARGV[1] then redis.call('DEL', ARGV[3] .. userId) end
local issuedAt, now, ttl = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local left = issuedAt + ttl - now
if issuedAt < epoch_of(KEYS[3], now) and left > 0 then redis.call('SET', '${QueueKeys.endedPrefix}' .. ARGV[1], 1, 'PX', left) end
return 1`,
  3,
);

// KEYS waiting, active, epoch · ARGV now, capacity, maxAdmit, ttlMs, tokenPrefix, userPrefix
// → {admitted, dropped, expired, waiting, active, misordered}
// (sets the epoch too, so data loss is noticed within one admission tick even when no request arrives).
// misordered: admitted tokens whose queue score is not the arrival number their record kept — the order was rewritten.
const admit = new LuaScript(
  'queueAdmit',
  `${EPOCH_OF}
epoch_of(KEYS[3], ARGV[1])
local now, capacity, maxAdmit, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local expiredTokens = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
for _, t in ipairs(expiredTokens) do
  local userId = redis.call('HGET', ARGV[5] .. t, 'userId')
  redis.call('DEL', ARGV[5] .. t)
  if userId and redis.call('GET', ARGV[6] .. userId) == t then redis.call('DEL', ARGV[6] .. userId) end
end
if #expiredTokens > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now) end
local room = math.min(capacity - redis.call('ZCARD', KEYS[2]), maxAdmit)
local admitted, dropped, misordered = 0, 0, 0
while admitted < room do
  local popped = redis.call('ZPOPMIN', KEYS[1])
  if #popped == 0 then break end
  local t = popped[1]
  local record = redis.call('HMGET', ARGV[5] .. t, 'userId', 'arrival')
  local userId = record[1]
  if userId then
    if record[2] and tonumber(record[2]) ~= tonumber(popped[2]) then misordered = misordered + 1 end
    redis.call('ZADD', KEYS[2], now + ttl, t)
    redis.call('PEXPIRE', ARGV[5] .. t, ttl)
    redis.call('PEXPIRE', ARGV[6] .. userId, ttl)
    admitted = admitted + 1
  else
    dropped = dropped + 1
  end
end
return {admitted, dropped, #expiredTokens, redis.call('ZCARD', KEYS[1]), redis.call('ZCARD', KEYS[2]), misordered}`,
  3,
);

// KEYS waiting · ARGV tokenPrefix, limit → how many of the first `limit` waiting tokens stand at a score that is
// not the arrival number their record kept: the order was rewritten (seen even while admission is paused).
const misplaced = new LuaScript(
  'queueMisplaced',
  `local entries = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1, 'WITHSCORES')
local misplaced = 0
for i = 1, #entries, 2 do
  local arrival = redis.call('HGET', ARGV[1] .. entries[i], 'arrival')
  if arrival and tonumber(arrival) ~= tonumber(entries[i + 1]) then misplaced = misplaced + 1 end
end
return misplaced`,
  1,
);

/** the head of the queue is where a rewritten order hurts; checking it bounds the cost on a long queue */
const MISPLACED_CHECK_LIMIT = 200;

// KEYS waiting, snapshot, snapshotUsers, latest · ARGV id, tokenPrefix, ttlSeconds → entries
const snapshot = new LuaScript(
  'queueSnapshot',
  `local entries = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
redis.call('DEL', KEYS[2], KEYS[3])
for i = 1, #entries, 2 do
  redis.call('ZADD', KEYS[2], entries[i + 1], entries[i])
  local userId = redis.call('HGET', ARGV[2] .. entries[i], 'userId')
  if userId then redis.call('HSET', KEYS[3], entries[i], userId) end
end
redis.call('SET', KEYS[4], ARGV[1])
redis.call('SET', KEYS[2] .. ':taken', #entries / 2, 'EX', ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('EXPIRE', KEYS[3], ARGV[3])
return #entries / 2`,
  4,
);

// KEYS waiting, active, snapshot, snapshotUsers · ARGV tokenPrefix, userPrefix, ttlMs, now → restored
// Puts every snapshotted token that is not already ACTIVE (nor finished by payment since) back at its
// snapshotted arrival number, recreating token records the corruption deleted; entries that joined after
// the snapshot keep their place in the order of their arrival numbers.
const restore = new LuaScript(
  'queueRestore',
  `${PUT_BACK}
local entries = redis.call('ZRANGE', KEYS[3], 0, -1, 'WITHSCORES')
local restored = 0
for i = 1, #entries, 2 do
  local t, score = entries[i], entries[i + 1]
  local userId = redis.call('HGET', KEYS[4], t)
  local owner = userId and redis.call('GET', ARGV[2] .. userId)
  local finished = owner and owner ~= t
  if userId and not finished and not redis.call('ZSCORE', KEYS[2], t) then
    if redis.call('EXISTS', ARGV[1] .. t) == 0 then
      redis.call('HSET', ARGV[1] .. t, 'userId', userId, 'issuedAt', ARGV[4])
    end
    put_back(KEYS[1], ARGV[1] .. t, ARGV[2] .. userId, t, score, ARGV[3])
    restored = restored + 1
  end
end
return restored`,
  4,
);

// KEYS waiting, active, seq · ARGV tokenPrefix, userPrefix, ttlMs, token… → requeued
// The second half of a restore: a live token that is neither waiting nor active, and is still its user's
// token, lost its place after the snapshot was taken (or the queue was damaged with no snapshot of it): it
// goes back at the arrival number its record kept, or at the back when it never had one.
const requeueOrphans = new LuaScript(
  'queueRequeueOrphans',
  `${PUT_BACK}
local requeued = 0
for i = 4, #ARGV do
  local t = ARGV[i]
  local key = ARGV[1] .. t
  local userId = redis.call('HGET', key, 'userId')
  if userId and not redis.call('ZSCORE', KEYS[1], t) and not redis.call('ZSCORE', KEYS[2], t)
    and (redis.call('GET', ARGV[2] .. userId) or t) == t then
    put_back(KEYS[1], key, ARGV[2] .. userId, t, redis.call('HGET', key, 'arrival') or redis.call('INCR', KEYS[3]), ARGV[3])
    requeued = requeued + 1
  end
end
return requeued`,
  3,
);

/** token records scanned per requeue script call: each call runs alone on the server, so keep it short */
const ORPHAN_BATCH = 500;

export class QueueStore {
  constructor(private readonly opts: { capacity: number; tokenTtlMs: number }) {}

  /** `issuedAtMs` must be the issue time signed into `newToken`: it may become the epoch. */
  async issue(
    redis: Redis,
    userId: number,
    newToken: string,
    issuedAtMs: number,
    staticMode: boolean,
  ): Promise<TokenRecord> {
    const reply = (await issue.run(
      redis,
      [QueueKeys.waiting, QueueKeys.active, QueueKeys.seq, QueueKeys.userPrefix + userId, QueueKeys.epoch],
      [
        newToken,
        userId,
        issuedAtMs,
        this.opts.capacity,
        this.opts.tokenTtlMs,
        QueueKeys.tokenPrefix,
        staticMode ? 1 : 0,
      ],
    )) as [string, string, string];
    return { token: reply[0], userId, state: toState(reply[1], reply[2]) };
  }

  /**
   * The token's owner and queue state, re-registering a token whose record Redis lost (`recovered`);
   * undefined when Redis has no record of it (expired, ended, unknown).
   */
  async lookup(
    redis: Redis,
    token: string,
    claims: TokenClaimsForQueue,
  ): Promise<{ userId: number; state: QueueState; recovered: boolean } | undefined> {
    const reply = (await lookup.run(
      redis,
      [QueueKeys.waiting, QueueKeys.active, QueueKeys.seq, QueueKeys.epoch],
      [
        token,
        QueueKeys.tokenPrefix,
        this.opts.tokenTtlMs,
        claims.userId,
        claims.issuedAtMs,
        Date.now(),
        this.opts.capacity,
      ],
    )) as [string | null, string, string, number];
    if (!reply[0]) return undefined;
    return { userId: Number(reply[0]), state: toState(reply[1], reply[2]), recovered: reply[3] === 1 };
  }

  async end(redis: Redis, token: string, issuedAtMs: number): Promise<void> {
    await end.run(
      redis,
      [QueueKeys.waiting, QueueKeys.active, QueueKeys.epoch],
      [token, QueueKeys.tokenPrefix, QueueKeys.userPrefix, issuedAtMs, Date.now(), this.opts.tokenTtlMs],
    );
  }

  async admit(
    redis: Redis,
    maxAdmit: number,
  ): Promise<{
    admitted: number;
    dropped: number;
    expired: number;
    waiting: number;
    active: number;
    misordered: number;
  }> {
    const [admitted, dropped, expired, waiting, active, misordered] = (await admit.run(
      redis,
      [QueueKeys.waiting, QueueKeys.active, QueueKeys.epoch],
      [Date.now(), this.opts.capacity, maxAdmit, this.opts.tokenTtlMs, QueueKeys.tokenPrefix, QueueKeys.userPrefix],
    )) as number[];
    return {
      admitted: admitted ?? 0,
      dropped: dropped ?? 0,
      expired: expired ?? 0,
      waiting: waiting ?? 0,
      active: active ?? 0,
      misordered: misordered ?? 0,
    };
  }

  async sizes(redis: Redis): Promise<{ waiting: number; active: number }> {
    const [waiting, active] = await Promise.all([redis.zcard(QueueKeys.waiting), redis.zcard(QueueKeys.active)]);
    return { waiting, active };
  }

  /** Waiting users near the head of the queue whose place is not their arrival number. */
  async misplaced(redis: Redis): Promise<number> {
    return (await misplaced.run(redis, [QueueKeys.waiting], [QueueKeys.tokenPrefix, MISPLACED_CHECK_LIMIT])) as number;
  }

  async snapshot(redis: Redis): Promise<{ snapshotId: string; entries: number }> {
    const snapshotId = `${new Date().toISOString().replace(/[-:.]/g, '')}-${randomUUID().slice(0, 8)}`;
    const key = QueueKeys.snapshotPrefix + snapshotId;
    const entries = (await snapshot.run(
      redis,
      [QueueKeys.waiting, key, `${key}:users`, QueueKeys.snapshotLatest],
      [snapshotId, QueueKeys.tokenPrefix, SNAPSHOT_TTL_SECONDS],
    )) as number;
    return { snapshotId, entries };
  }

  /**
   * Put the snapshot's waiting users back at their positions, then every other live token that lost its place
   * (`requeued`). → undefined when there is no such snapshot.
   */
  async restore(
    redis: Redis,
    snapshotId?: string,
  ): Promise<{ snapshotId: string; restored: number; requeued: number } | undefined> {
    const id = snapshotId ?? (await redis.get(QueueKeys.snapshotLatest));
    if (!id) return undefined;
    const key = QueueKeys.snapshotPrefix + id;
    if (!(await redis.exists(`${key}:taken`))) return undefined;
    const restored = (await restore.run(
      redis,
      [QueueKeys.waiting, QueueKeys.active, key, `${key}:users`],
      [QueueKeys.tokenPrefix, QueueKeys.userPrefix, this.opts.tokenTtlMs, Date.now()],
    )) as number;
    return { snapshotId: id, restored, requeued: await this.requeueOrphans(redis) };
  }

  /** SCAN, not KEYS: the queue keeps serving while a restore walks a large keyspace. */
  private async requeueOrphans(redis: Redis): Promise<number> {
    let requeued = 0;
    const stream = redis.scanStream({ match: `${QueueKeys.tokenPrefix}*`, count: ORPHAN_BATCH });
    for await (const keys of stream as AsyncIterable<string[]>) {
      if (keys.length === 0) continue;
      const tokens = keys.map((key) => key.slice(QueueKeys.tokenPrefix.length));
      requeued += (await requeueOrphans.run(
        redis,
        [QueueKeys.waiting, QueueKeys.active, QueueKeys.seq],
        [QueueKeys.tokenPrefix, QueueKeys.userPrefix, this.opts.tokenTtlMs, ...tokens],
      )) as number;
    }
    return requeued;
  }
}

function toState(status: string, value: string): QueueState {
  if (status === 'ACTIVE') return { status, expiresAt: Number(value) };
  if (status === 'WAITING') return { status, position: Number(value) };
  return { status: 'UNKNOWN' };
}

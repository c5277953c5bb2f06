// The I/O shell of `loadctl verify`: takes one consistent snapshot of the stack's PostgreSQL (a read-only
// REPEATABLE READ transaction, so every check sees the same instant even while load is running) and of its
// Redis queue, and hands the rows to the pure checks in invariants.ts.
import { Redis } from 'ioredis';
import pg from 'pg';
import { QueueKeys } from '../../reference-api/src/store/queue-keys.ts';
import type { StackState } from '../shared/stack-state.ts';
import {
  HOLD_GRACE_SECONDS,
  SQL_INVARIANTS,
  queueInvariants,
  sqlCheckResult,
  type QueueSnapshot,
} from './invariants.ts';
import { invariantReport, type CheckResult, type InvariantReport } from './report.ts';

export type { CheckResult, InvariantReport } from './report.ts';
export { HOLD_GRACE_SECONDS } from './invariants.ts';

export interface VerifyOptions {
  /** override the hold grace period (seconds past expiry before a blocking hold is a violation) */
  holdGraceSeconds?: number;
}

/** Check every data invariant of the stack described by `state`. Never throws for a violation: read `ok`. */
export async function verifyInvariants(state: StackState, options: VerifyOptions = {}): Promise<InvariantReport> {
  const holdGraceSeconds = options.holdGraceSeconds ?? HOLD_GRACE_SECONDS;
  const { checks: sqlChecks, at } = await runSqlChecks(state.postgres.url, holdGraceSeconds);
  const queueChecks = queueInvariants(await readQueueSnapshot(state.redis.url), holdGraceSeconds);
  return invariantReport([...sqlChecks, ...queueChecks], at, holdGraceSeconds);
}

async function runSqlChecks(
  databaseUrl: string,
  holdGraceSeconds: number,
): Promise<{ checks: CheckResult[]; at: Date }> {
  const client = new pg.Client({
    connectionString: databaseUrl,
    connectionTimeoutMillis: 5_000,
    statement_timeout: 60_000,
    application_name: 'loadctl-verify',
  });
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const now = await client.query<{ now: Date }>('SELECT now() AS now');
    const checks: CheckResult[] = [];
    for (const invariant of SQL_INVARIANTS) {
      const { rows } = await client.query(invariant.sql, invariant.usesGrace ? [holdGraceSeconds] : []);
      checks.push(sqlCheckResult(invariant, rows[0]));
    }
    await client.query('COMMIT');
    return { checks, at: now.rows[0]?.now ?? new Date() };
  } finally {
    await client.end();
  }
}

// One atomic read of the whole queue (a script runs alone on the server), so no admission or payment can
// happen between reading the sorted sets and the token records. KEYS inside a script is fine here: the
// stack's Redis holds one queue, and verify runs after load, not under it.
const READ_QUEUE = `
local waiting = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local active = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
local records = {}
for _, key in ipairs(redis.call('KEYS', ARGV[1] .. '*')) do
  local fields = redis.call('HMGET', key, 'userId', 'issuedAt')
  if fields[1] then table.insert(records, string.sub(key, #ARGV[1] + 1)); table.insert(records, fields[1]); table.insert(records, fields[2] or '0') end
end
local users = {}
for _, key in ipairs(redis.call('KEYS', ARGV[2] .. '*')) do
  local token = redis.call('GET', key)
  if token then table.insert(users, string.sub(key, #ARGV[2] + 1)); table.insert(users, token) end
end
local time = redis.call('TIME')
return {waiting, active, records, users, time[1] * 1000 + math.floor(time[2] / 1000)}`;

function groups<T>(flat: string[], size: number, make: (fields: string[]) => T): T[] {
  const out: T[] = [];
  for (let i = 0; i + size <= flat.length; i += size) out.push(make(flat.slice(i, i + size)));
  return out;
}

async function readQueueSnapshot(redisUrl: string): Promise<QueueSnapshot> {
  // Fail fast: a dead Redis is an error for verify, not something to wait out.
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 5_000,
    retryStrategy: () => null,
  });
  await redis.connect();
  try {
    const [waiting, active, records, users, nowMs] = (await redis.eval(
      READ_QUEUE,
      2,
      QueueKeys.waiting,
      QueueKeys.active,
      QueueKeys.tokenPrefix,
      QueueKeys.userPrefix,
    )) as [string[], string[], string[], string[], number];
    return {
      nowMs,
      waiting: groups(waiting, 2, ([token = '', arrival]) => ({ token, arrival: Number(arrival) })),
      active: groups(active, 2, ([token = '', expiresAt]) => ({ token, expiresAtMs: Number(expiresAt) })),
      records: groups(records, 3, ([token = '', userId, issuedAt]) => ({
        token,
        userId: Number(userId),
        issuedAtMs: Number(issuedAt),
      })),
      userPointers: groups(users, 2, ([userId, token = '']) => ({ userId: Number(userId), token })),
    };
  } finally {
    redis.disconnect();
  }
}

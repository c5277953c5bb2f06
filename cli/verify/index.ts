// The I/O shell of `loadctl verify`: takes one consistent snapshot of the stack's PostgreSQL (a read-only
// REPEATABLE READ transaction, so every check sees the same instant even while load is running) and of its
// Redis queue, and hands the rows to the pure checks in invariants.ts.
import { Redis } from 'ioredis';
import pg from 'pg';
import type { StackState } from '../stack/state.ts';
import { HOLD_GRACE_SECONDS, SQL_INVARIANTS, queueInvariants, sqlCheckResult, type QueueSnapshot } from './invariants.ts';
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
  const queueChecks = queueInvariants(await readQueueSnapshot(state.redis.url));
  return invariantReport([...sqlChecks, ...queueChecks], at, holdGraceSeconds);
}

async function runSqlChecks(databaseUrl: string, holdGraceSeconds: number): Promise<{ checks: CheckResult[]; at: Date }> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000, statement_timeout: 60_000, application_name: 'loadctl-verify' });
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

async function readQueueSnapshot(redisUrl: string): Promise<QueueSnapshot> {
  // Fail fast: a dead Redis is an error for verify, not something to wait out.
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 5_000, retryStrategy: () => null });
  await redis.connect();
  try {
    return { tokens: await redis.dbsize() };
  } finally {
    redis.disconnect();
  }
}

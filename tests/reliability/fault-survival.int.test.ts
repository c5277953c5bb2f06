import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresUrl, pingPostgres } from '../../cli/stack/postgres.ts';
import { postgresProgram, postgresRunAs } from '../../cli/toolchain/executables.ts';
import { childPids, isAlive, launchDetached, waitUntilReady } from '../../cli/stack/processes.ts';
import { restartRedis } from '../../cli/stack/extras.ts';
import { writeStackState } from '../../cli/stack/state-file.ts';
import type { StackState } from '../../cli/shared/stack-state.ts';
import { startTestStack, waitUntil, type TestStack } from '../../cli/stack/test-stack.ts';
import { verifyInvariants } from '../../cli/verify/index.ts';
import { BookingLoad } from './booking-load.ts';

const WORKERS = 2;
const SIZES = { users: 40, concerts: 1, schedules: 20, seats: 200, balance: 50_000_000 };
let stack: TestStack;
let state: StackState;

beforeAll(async () => {
  stack = await startTestStack({ apiWorkers: WORKERS, seedSizes: SIZES });
  state = stack.state;
});

afterAll(async () => {
  await stack?.stop();
});

const apiReady = async () => (await fetch(`${state.api.url}/health/ready`).catch(() => undefined))?.status === 200;

/** Crash PostgreSQL (SIGQUIT = immediate shutdown, no checkpoint: the restart replays the WAL) and start it again on the same port. */
async function crashAndRestartPostgres(): Promise<void> {
  const { pid, dataDir, logFile, port } = state.postgres;
  if (pid === undefined || dataDir === undefined || logFile === undefined)
    throw new Error('the test stack has no PostgreSQL of its own');
  process.kill(pid, 'SIGQUIT');
  await waitUntil('PostgreSQL exit', () => !isAlive(pid), 30_000);
  const restarted = await launchDetached({
    name: 'PostgreSQL',
    command: postgresProgram('postgres'),
    args: ['-D', dataDir],
    logFile,
    stateDir: state.stateDir,
    user: postgresRunAs(),
  });
  state = { ...state, postgres: { ...state.postgres, pid: restarted } };
  writeStackState(state);
  await waitUntilReady({
    name: 'PostgreSQL',
    pid: restarted,
    logFile,
    timeoutMs: 60_000,
    probe: () => pingPostgres(postgresUrl(port, 'postgres')),
  });
}

describe('crash and fault survival under load', () => {
  it('loses no acknowledged write and breaks no invariant across a worker kill, a PostgreSQL crash and a Redis kill', async () => {
    const load = new BookingLoad({
      baseUrl: state.api.url,
      vus: 24,
      concertId: 1,
      schedules: SIZES.schedules,
      seatsPerSchedule: SIZES.seats,
    });
    const phases: Record<string, unknown>[] = [];
    const mark = (phase: string, extra: Record<string, unknown> = {}) =>
      phases.push({ phase, ...load.counts, ...extra });
    load.start();
    await sleep(3_000);
    mark('warm-up');

    // 1. SIGKILL one API worker while a payment is in flight; the primary forks a replacement
    const before = childPids(state.api.pid ?? 0);
    expect(before).toHaveLength(WORKERS);
    await load.whenInFlight('payment');
    const victim = before[0] ?? 0;
    process.kill(victim, 'SIGKILL');
    const replacedMs = await waitUntil('worker replacement', () => {
      const now = childPids(state.api.pid ?? 0);
      return now.length === WORKERS && !now.includes(victim);
    });
    await sleep(3_000);
    mark('worker SIGKILL', { killedPid: victim, replacedMs });

    // 2. crash PostgreSQL mid-load and restart it
    await load.whenInFlight('payment');
    const pgStarted = Date.now();
    await crashAndRestartPostgres();
    const pgDownMs = Date.now() - pgStarted;
    await waitUntil('API ready after PostgreSQL restart', apiReady);
    await sleep(4_000);
    mark('PostgreSQL crash+restart', { pgDownMs });

    // 3. SIGKILL Redis while a reservation is in flight, restart it empty two seconds later
    await load.whenInFlight('reservation');
    process.kill(state.redis.pid ?? 0, 'SIGKILL');
    await sleep(2_000);
    state = await restartRedis(state);
    const redisBackMs = await waitUntil('API ready after Redis restart', apiReady);
    await sleep(4_000);
    mark('Redis SIGKILL+restart', { redisBackMs });

    await load.stop();
    mark('end');
    console.info(`fault survival: ${JSON.stringify(phases)}`);

    // nothing was lost or doubled
    const report = await verifyInvariants(state);
    expect(report.checks.filter((check) => check.status === 'violated')).toEqual([]);

    const { counts, writes } = load;
    expect(counts.acknowledged).toBeGreaterThan(50);
    expect(writes.payments.length).toBeGreaterThan(10);
    expect(counts.retried).toBeGreaterThan(0);
    expect(counts.replayMismatches).toBe(0);

    const db = new pg.Client(state.postgres.url);
    await db.connect();
    try {
      const reservationIds = writes.reservations.flatMap((reservation) => reservation.ids);
      const found = await db.query<{ id: string }>('SELECT id FROM reservations WHERE id = ANY($1::bigint[])', [
        reservationIds,
      ]);
      expect(found.rowCount, 'acknowledged reservations present').toBe(reservationIds.length);

      const paidIds = writes.payments.flatMap((payment) => payment.reservationIds);
      const paid = await db.query<{ n: string }>(
        "SELECT count(*) AS n FROM reservations r JOIN payments p ON p.reservation_id = r.id WHERE r.id = ANY($1::bigint[]) AND r.status = 'PAID'",
        [paidIds],
      );
      expect(Number(paid.rows[0]?.n), 'acknowledged payments present').toBe(paidIds.length);

      const keys = await db.query<{ user_id: number; key: string }>(
        "SELECT user_id, key FROM idempotency_keys WHERE scope = 'recharge' AND key = ANY($1::text[])",
        [writes.recharges.map((recharge) => recharge.key)],
      );
      expect(keys.rowCount, 'acknowledged recharges present').toBe(writes.recharges.length);

      // for users with no write of unknown outcome, the database holds exactly what they were told
      const certain = Array.from({ length: 24 }, (_, index) => index + 1).filter(
        (userId) => !writes.uncertainUsers.has(userId),
      );
      const ledger = await db.query<{ user_id: number; recharged: string; paid: string }>(
        `SELECT u.id AS user_id,
                coalesce((SELECT sum(delta) FROM balance_ledger l WHERE l.user_id = u.id AND kind = 'RECHARGE'), 0) AS recharged,
                coalesce((SELECT string_agg(reservation_id::text, ',' ORDER BY reservation_id) FROM payments p WHERE p.user_id = u.id), '') AS paid
           FROM users u WHERE u.id = ANY($1::int[])`,
        [certain],
      );
      for (const row of ledger.rows) {
        const toldRecharged = writes.recharges
          .filter((recharge) => recharge.userId === row.user_id)
          .reduce((sum, recharge) => sum + recharge.amount, 0);
        const toldPaid = writes.payments
          .filter((payment) => payment.userId === row.user_id)
          .flatMap((payment) => payment.reservationIds)
          .sort((a, b) => a - b)
          .join(',');
        expect({ user: row.user_id, recharged: Number(row.recharged), paid: row.paid }).toEqual({
          user: row.user_id,
          recharged: toldRecharged,
          paid: toldPaid,
        });
      }
      console.info(
        `fault survival: ${certain.length} of 24 users checked exactly; ${writes.uncertainUsers.size} had a write of unknown outcome`,
      );
    } finally {
      await db.end();
    }
  }, 240_000);
});

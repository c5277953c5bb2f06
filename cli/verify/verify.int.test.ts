// verify against a real stack (PostgreSQL + Redis, no API needed): clean bookings pass; each kind of
// corruption, written straight into the database the way a bug or a crash would leave it, is caught by
// its own check — and by `loadctl verify` with exit code 5.
import { execa } from 'execa';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { seed } from '../../reference-api/src/db/index.ts';
import { QueueKeys } from '../../reference-api/src/store/queue-keys.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import { startTestStack, type TestStack } from '../stack/test-stack.ts';
import { verifyInvariants } from './index.ts';

const SIZES = { users: 20, concerts: 1, schedules: 2, seats: 24, balance: 1_000_000 };
let stack: TestStack;
let db: pg.Client;
let redis: Redis;

beforeAll(async () => {
  stack = await startTestStack({ withApi: false, seedSizes: SIZES });
  db = new pg.Client(stack.state.postgres.url);
  await db.connect();
  redis = new Redis(stack.state.redis.url);
  // verify must not rely on the schema's own guards: drop the ones that would refuse the corruptions below.
  await db.query('ALTER TABLE users DROP CONSTRAINT users_balance_check');
  await db.query('DROP INDEX reservations_one_live_per_seat');
});

afterAll(async () => {
  await db?.end();
  redis?.disconnect();
  await stack?.stop();
});

/** What the API does for a hold, a payment and a recharge — correct bookings to corrupt afterwards. */
async function hold(userId: number, scheduleId: number, seatNo: number, ttl = '5 minutes'): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO reservations (user_id, concert_id, schedule_id, seat_no, price, status, expires_at)
     SELECT $1, concert_id, schedule_id, seat_no, price, 'HELD', now() + $4::interval FROM seats WHERE concert_id = 1 AND schedule_id = $2 AND seat_no = $3
     RETURNING id`,
    [userId, scheduleId, seatNo, ttl],
  );
  const id = Number(rows[0]?.id);
  await db.query(
    `UPDATE seats SET status = 'HELD', reservation_id = $1, held_until = r.expires_at FROM reservations r
     WHERE r.id = $1 AND (seats.concert_id, seats.schedule_id, seats.seat_no) = (r.concert_id, r.schedule_id, r.seat_no)`,
    [id],
  );
  return id;
}

async function pay(reservationId: number): Promise<void> {
  await db.query(
    `WITH r AS (UPDATE reservations SET status = 'PAID', paid_at = now() WHERE id = $1 RETURNING *),
          p AS (INSERT INTO payments (user_id, reservation_id, amount) SELECT user_id, id, price FROM r RETURNING *),
          l AS (INSERT INTO balance_ledger (user_id, kind, delta, payment_id) SELECT user_id, 'PAYMENT', -amount, id FROM p),
          s AS (UPDATE seats SET status = 'SOLD', held_until = NULL FROM r WHERE seats.reservation_id = r.id)
     UPDATE users SET balance = balance - p.amount FROM p WHERE users.id = p.user_id`,
    [reservationId],
  );
}

async function recharge(userId: number, amount: number): Promise<void> {
  await db.query(
    `WITH l AS (INSERT INTO balance_ledger (user_id, kind, delta) VALUES ($1, 'RECHARGE', $2)) UPDATE users SET balance = balance + $2 WHERE id = $1`,
    [userId, amount],
  );
}

async function violated(): Promise<string[]> {
  const report = await verifyInvariants(stack.state);
  return report.checks.filter((check) => check.status === 'violated').map((check) => check.id);
}

/** What the API's queue scripts write when a user takes a token (reference-api/src/store/queue.ts). */
async function enqueue(userId: number, place: 'waiting' | 'active', issuedAtMs = Date.now()): Promise<string> {
  const token = `v1.${userId}.${issuedAtMs.toString(36)}.test`;
  await redis.hset(QueueKeys.tokenPrefix + token, 'userId', userId, 'issuedAt', issuedAtMs);
  await redis.set(QueueKeys.userPrefix + userId, token);
  if (place === 'active') await redis.zadd(QueueKeys.active, issuedAtMs + 600_000, token);
  else await redis.zadd(QueueKeys.waiting, await redis.incr(QueueKeys.seq), token);
  return token;
}

beforeEach(async () => {
  await redis.flushall();
  const start = Date.now() - 60_000;
  for (const userId of [1, 2, 3]) await enqueue(userId, 'active', start + userId);
  for (const userId of [4, 5, 6, 7]) await enqueue(userId, 'waiting', start + userId * 1000);
  await seed(stack.state.postgres.url, SIZES, { reset: true });
  await recharge(1, 500_000);
  await pay(await hold(1, 1, 1));
  await pay(await hold(2, 1, 2));
  await hold(3, 1, 3);
  await hold(3, 2, 3);
});

describe('verifyInvariants', () => {
  it('passes on clean data and counts what it checked', async () => {
    const report = await verifyInvariants(stack.state);
    expect(report.checks.filter((check) => check.status === 'violated')).toEqual([]);
    expect(report.ok).toBe(true);
    const byId = Object.fromEntries(report.checks.map((check) => [check.id, check]));
    expect(byId['no-negative-balance']?.checked).toBe(SIZES.users);
    expect(byId['seat-single-owner']?.checked).toBe(4);
    expect(byId['payment-matches-reservation']?.detail).toBe('2 payments');
    expect(byId['money-conserved']?.detail).toMatch(
      /^initial 20000000 \+ recharges 500000 = 20500000; balances \d+ \+ payments \d+ = 20500000$/,
    );
  });

  it('catches a seat held twice', async () => {
    await db.query(
      `INSERT INTO reservations (user_id, concert_id, schedule_id, seat_no, price, status, expires_at) VALUES (4, 1, 1, 3, 60000, 'HELD', now() + interval '5 minutes')`,
    );
    expect(await violated()).toContain('seat-single-owner');
  });

  it('catches a seat sold twice', async () => {
    await db.query(
      `INSERT INTO reservations (user_id, concert_id, schedule_id, seat_no, price, status, expires_at) VALUES (5, 1, 1, 1, 150000, 'PAID', now())`,
    );
    expect(await violated()).toContain('seat-single-owner');
  });

  it('catches a seat row that disagrees with its reservation', async () => {
    await db.query(
      `UPDATE seats SET status = 'HELD', held_until = now() + interval '1 hour' WHERE concert_id = 1 AND schedule_id = 1 AND seat_no = 1`,
    );
    expect(await violated()).toEqual(['seat-matches-reservation']);
  });

  it('catches a live reservation its seat does not know about', async () => {
    await db.query(
      `UPDATE seats SET status = 'AVAILABLE', reservation_id = NULL, held_until = NULL WHERE concert_id = 1 AND schedule_id = 2 AND seat_no = 3`,
    );
    expect(await violated()).toEqual(['seat-matches-reservation']);
  });

  it('catches a negative balance', async () => {
    await db.query('UPDATE users SET balance = -1 WHERE id = 7');
    expect(await violated()).toContain('no-negative-balance');
  });

  it('catches a balance that moved without a ledger entry (money created)', async () => {
    await db.query('UPDATE users SET balance = balance + 100 WHERE id = 8');
    expect(await violated()).toEqual(['balance-matches-ledger', 'money-conserved']);
  });

  it('catches a payment whose reservation is not paid', async () => {
    await db.query(
      `UPDATE reservations SET status = 'EXPIRED' WHERE id = (SELECT reservation_id FROM payments ORDER BY id LIMIT 1)`,
    );
    expect(await violated()).toContain('payment-matches-reservation');
  });

  it('catches a paid reservation without a payment (a seat given away)', async () => {
    const id = await hold(9, 2, 9);
    await db.query(`UPDATE reservations SET status = 'PAID' WHERE id = $1`, [id]);
    await db.query(`UPDATE seats SET status = 'SOLD', held_until = NULL WHERE reservation_id = $1`, [id]);
    expect(await violated()).toEqual(['payment-matches-reservation']);
  });

  it('catches a payment missing from the ledger', async () => {
    await db.query(`DELETE FROM balance_ledger WHERE kind = 'PAYMENT' AND payment_id = (SELECT min(id) FROM payments)`);
    expect(await violated()).toEqual(['balance-matches-ledger', 'payment-matches-reservation']);
  });

  it('catches money that vanished: a payment recorded but never charged, or a balance cut with no payment', async () => {
    await db.query(`UPDATE users SET balance = balance - 50 WHERE id = 13`);
    await db.query(
      `INSERT INTO balance_ledger (user_id, kind, delta, payment_id) SELECT 13, 'PAYMENT', -50, min(id) FROM payments`,
    );
    expect(await violated()).toEqual(['money-conserved', 'payment-matches-reservation']);
  });

  it('catches an expired hold still blocking its seat beyond the grace period, and not within it', async () => {
    await hold(10, 2, 10, '-10 seconds');
    expect(await violated()).toEqual([]);
    await hold(11, 2, 11, '-1 hour');
    expect(await violated()).toEqual(['no-stale-hold']);
  });
});

describe('verifyInvariants on the waiting queue', () => {
  it('counts the queue on clean data', async () => {
    const placed = (await verifyInvariants(stack.state)).checks.find((check) => check.id === 'queue-tokens-placed');
    expect(placed).toMatchObject({ status: 'ok', checked: 7, detail: '4 waiting, 3 active, 7 tokens issued' });
  });

  it('catches a user dropped from the queue while their token lives', async () => {
    await redis.zrem(QueueKeys.waiting, (await redis.get(`${QueueKeys.userPrefix}5`)) ?? '');
    expect(await violated()).toEqual(['queue-tokens-placed']);
  });

  it('catches a token both waiting and active', async () => {
    await redis.zadd(QueueKeys.active, Date.now() + 60_000, (await redis.get(`${QueueKeys.userPrefix}6`)) ?? '');
    expect(await violated()).toEqual(['queue-tokens-placed']);
  });

  it('catches a user holding two tokens', async () => {
    await redis.hset(`${QueueKeys.tokenPrefix}v1.4.x.forged`, 'userId', 4, 'issuedAt', Date.now());
    await redis.zadd(QueueKeys.waiting, 99, 'v1.4.x.forged');
    expect(await violated()).toEqual(['queue-one-token-per-user']);
  });

  it('catches a reordered queue (an earlier arrival pushed behind later ones)', async () => {
    await redis.zadd(QueueKeys.waiting, 100, (await redis.get(`${QueueKeys.userPrefix}4`)) ?? '');
    expect(await violated()).toEqual(['queue-order']);
  });

  it('catches an expired token still holding an active slot', async () => {
    await redis.zadd(QueueKeys.active, Date.now() - 3_600_000, (await redis.get(`${QueueKeys.userPrefix}2`)) ?? '');
    expect(await violated()).toEqual(['queue-no-stale-admission']);
  });
});

describe('loadctl verify', () => {
  const loadctl = join(import.meta.dirname, '..', '..', 'bin', 'loadctl');
  const run = (args: string[]) =>
    execa(loadctl, ['verify', ...args], {
      reject: false,
      env: { LOADCTL_STATE_DIR: stack.state.stateDir, NO_COLOR: '1' },
    });

  it('prints each check with its counts and exits 0 on clean data', async () => {
    const result = await run([]);
    expect(result.exitCode).toBe(ExitCode.ok);
    expect(result.stdout).toContain('no seat held or sold twice');
    expect(result.stdout).toMatch(/All \d+ invariants hold\./);
  });

  it(`exits ${ExitCode.violation} with the offending rows on a violation, and reports JSON with --json`, async () => {
    await db.query('UPDATE users SET balance = -5 WHERE id = 12');
    const text = await run([]);
    expect(text.exitCode).toBe(ExitCode.violation);
    expect(text.stdout).toContain('user 12 has balance -5');
    const json = await run(['--json']);
    expect(json.exitCode).toBe(ExitCode.violation);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, totals: { violated: 3 } });
  });

  it('refuses a bad --hold-grace with one line and exit 2', async () => {
    const result = await run(['--hold-grace', 'soon']);
    expect(result.exitCode).toBe(ExitCode.badInput);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});

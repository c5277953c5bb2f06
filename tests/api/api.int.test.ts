// The reference API against a real stack (its own PostgreSQL, Redis and a 2-worker API): the SPEC §3
// contract with every listed error, concurrency invariants, hold expiry, Redis loss and recovery, and
// the admin surface. One stack for the whole file keeps it near a minute.
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminRoutes, ADMIN_TOKEN_HEADER } from '../../reference-api/src/admin-contract.ts';
import { QueueKeys } from '../../reference-api/src/store/queue-keys.ts';
import { startTestStack, waitUntil, type TestStack } from '../../cli/stack/test-stack.ts';
import { isAlive } from '../../cli/stack/processes.ts';
import { apiClient, type ApiClient, type Reply } from './api-client.ts';
import { restartRedis } from '../../cli/stack/extras.ts';

const HOLD_TTL_SECONDS = 2;
const START_BALANCE = 1_000_000;
let stack: TestStack;
let call: ApiClient['call'];
let admin: ApiClient['admin'];
let metric: ApiClient['metric'];
let freshGet: ApiClient['freshGet'];
let db: pg.Pool;

async function tokenFor(userId: number): Promise<string> {
  const reply = await call('POST', `/api/v1/queue/users/${userId}`);
  expect(reply.status).toBe(200);
  return reply.body.token as string;
}

function expectError(reply: Reply, status: number, code: string): void {
  expect({ status: reply.status, code: reply.body?.error?.code }).toEqual({ status, code });
  expect(typeof reply.body.error.message).toBe('string');
}

beforeAll(async () => {
  stack = await startTestStack({
    apiWorkers: 2,
    seedSizes: { users: 300, balance: START_BALANCE },
    env: { HOLD_TTL_SECONDS: String(HOLD_TTL_SECONDS), LOCAL_CACHE_TTL_MS: '100', LOG_LEVEL: 'warn' },
  });
  ({ call, admin, metric, freshGet } = apiClient(stack.state.api.url, stack.state.api.adminToken));
  db = new pg.Pool({ connectionString: stack.state.postgres.url, max: 2 });
});

afterAll(async () => {
  await db?.end();
  await stack?.stop();
});

describe('balance', () => {
  it('reads and recharges a balance; rejects bad ids and amounts with 400 and unknown users with 404', async () => {
    expect((await call('GET', '/api/v1/balance/users/1')).body).toEqual({ userId: 1, balance: START_BALANCE });
    expect((await call('POST', '/api/v1/balance/users/1/recharge', { body: { amount: 500 } })).body).toEqual({
      userId: 1,
      balance: START_BALANCE + 500,
    });
    expectError(await call('GET', '/api/v1/balance/users/999999'), 404, 'USER_NOT_FOUND');
    expectError(
      await call('POST', '/api/v1/balance/users/999999/recharge', { body: { amount: 1 } }),
      404,
      'USER_NOT_FOUND',
    );
    for (const bad of ['abc', '0', '-1', '1.5', '99999999999'])
      expectError(await call('GET', `/api/v1/balance/users/${bad}`), 400, 'BAD_REQUEST');
    for (const amount of [0, -5, 1.5, '100', 10_000_001, null])
      expectError(await call('POST', '/api/v1/balance/users/1/recharge', { body: { amount } }), 400, 'BAD_REQUEST');
    expectError(await call('POST', '/api/v1/balance/users/1/recharge', { raw: '{"amount":' }), 400, 'BAD_REQUEST');
    expectError(await call('POST', '/api/v1/balance/users/1/recharge'), 400, 'BAD_REQUEST');
    expectError(
      await call('POST', '/api/v1/balance/users/1/recharge', {
        raw: JSON.stringify({ amount: 1, pad: 'x'.repeat(20_000) }),
      }),
      413,
      'BAD_REQUEST',
    );
  });

  it('replays a recharge with the same Idempotency-Key and refuses the key with another body', async () => {
    const key = { 'Idempotency-Key': 'recharge-once' };
    const first = await call('POST', '/api/v1/balance/users/2/recharge', { body: { amount: 700 }, headers: key });
    const again = await call('POST', '/api/v1/balance/users/2/recharge', { body: { amount: 700 }, headers: key });
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await call('GET', '/api/v1/balance/users/2')).body.balance).toBe(START_BALANCE + 700);
    expectError(
      await call('POST', '/api/v1/balance/users/2/recharge', { body: { amount: 800 }, headers: key }),
      422,
      'IDEMPOTENCY_KEY_REUSED',
    );
    expectError(
      await call('POST', '/api/v1/balance/users/2/recharge', {
        body: { amount: 1 },
        headers: { 'Idempotency-Key': 'bad key with spaces' },
      }),
      400,
      'BAD_REQUEST',
    );
  });
});

describe('queue and catalogue', () => {
  it('issues one unguessable token per user, ACTIVE while there is room', async () => {
    const first = await call('POST', '/api/v1/queue/users/10');
    expect(first.body).toMatchObject({ status: 'ACTIVE', position: 0, userId: 10 });
    expect(first.body.token).toMatch(/^v1\.10\./);
    expect((await call('POST', '/api/v1/queue/users/10')).body.token).toBe(first.body.token);
    expect((await call('GET', '/api/v1/queue/status', { token: first.body.token })).body).toMatchObject({
      status: 'ACTIVE',
      userId: 10,
    });
    expectError(await call('POST', '/api/v1/queue/users/999999'), 404, 'USER_NOT_FOUND');
    expectError(await call('POST', '/api/v1/queue/users/x'), 400, 'BAD_REQUEST');
  });

  it('rejects missing, literal, forged and edited tokens with 401', async () => {
    const real = await tokenFor(11);
    expectError(await call('GET', '/api/v1/concerts'), 401, 'TOKEN_MISSING');
    expectError(await call('GET', '/api/v1/concerts', { token: 'token' }), 401, 'TOKEN_INVALID');
    expectError(
      await call('GET', '/api/v1/concerts', { token: real.replace('v1.11.', 'v1.12.') }),
      401,
      'TOKEN_INVALID',
    );
    expectError(await call('GET', '/api/v1/concerts', { token: `${real.slice(0, -2)}AA` }), 401, 'TOKEN_INVALID');
    expectError(await call('GET', '/api/v1/queue/status', { token: 'token' }), 401, 'TOKEN_INVALID');
    expectError(await call('GET', '/api/v1/queue/status'), 401, 'TOKEN_MISSING');
  });

  it('serves concerts, schedules and seats with the seed fields; 404 for unknown ids, 400 for bad ids', async () => {
    const token = await tokenFor(12);
    const concerts = await call('GET', '/api/v1/concerts', { token });
    expect(concerts.status).toBe(200);
    expect(concerts.body).toHaveLength(5);
    expect(concerts.body[0]).toMatchObject({ id: 1, available: true, title: expect.any(String) });
    const again = await call('GET', '/api/v1/concerts', {
      token,
      headers: { 'if-none-match': concerts.headers.get('etag') ?? '' },
    });
    expect(again.status).toBe(304);
    const schedules = await call('GET', '/api/v1/concerts/1/schedules', { token });
    expect(schedules.body).toHaveLength(28);
    expect(schedules.body[0]).toMatchObject({
      id: 1,
      available: true,
      remainingSeats: expect.any(Number),
      startsAt: expect.any(String),
    });
    const seats = await call('GET', '/api/v1/concerts/1/schedules/1/seats', { token });
    expect(seats.body).toHaveLength(672);
    expect(seats.body[0]).toMatchObject({
      id: 1,
      seatNo: 1,
      available: expect.any(Boolean),
      price: expect.any(Number),
    });
    expectError(await call('GET', '/api/v1/concerts/99/schedules', { token }), 404, 'CONCERT_NOT_FOUND');
    expectError(await call('GET', '/api/v1/concerts/1/schedules/99/seats', { token }), 404, 'SCHEDULE_NOT_FOUND');
    expectError(await call('GET', '/api/v1/concerts/x/schedules', { token }), 400, 'BAD_REQUEST');
    expectError(await call('GET', '/api/v1/nope', { token }), 404, 'NOT_FOUND');
  });

  it('queues newcomers as WAITING (403 on protected calls) in static mode and admits them in order after', async () => {
    expect((await admin(AdminRoutes.staticQueue, { enabled: true })).body.staticQueue).toBe(true);
    const waiting = [];
    for (const userId of [20, 21, 22]) waiting.push((await call('POST', `/api/v1/queue/users/${userId}`)).body);
    expect(waiting.map((entry) => entry.status)).toEqual(['WAITING', 'WAITING', 'WAITING']);
    expect(waiting.map((entry) => entry.position)).toEqual([1, 2, 3]);
    expectError(await call('GET', '/api/v1/concerts', { token: waiting[0].token }), 403, 'QUEUE_NOT_ACTIVE');
    const snapshot = await admin(AdminRoutes.queueSnapshot, {});
    expect(snapshot.body.entries).toBe(3);
    await admin(AdminRoutes.staticQueue, { enabled: false });
    await sleep(400);
    for (const entry of waiting)
      expect((await call('GET', '/api/v1/queue/status', { token: entry.token })).body.status).toBe('ACTIVE');
    await sleep(150); // past LOCAL_CACHE_TTL_MS
    expect((await call('GET', '/api/v1/concerts', { token: waiting[0].token })).status).toBe(200);
    expect((await admin(AdminRoutes.queueRestore, { snapshotId: snapshot.body.snapshotId })).body.restored).toBe(0); // all admitted since
    expectError(await admin(AdminRoutes.queueRestore, { snapshotId: 'nope' }), 404, 'SNAPSHOT_NOT_FOUND');
  });

  it('restores users who joined after the snapshot too, at their own positions, when the queue is wiped', async () => {
    await admin(AdminRoutes.staticQueue, { enabled: true });
    let after: string[] = [];
    try {
      const join = async (userIds: number[]) => {
        const tokens = [];
        for (const userId of userIds)
          tokens.push((await call('POST', `/api/v1/queue/users/${userId}`)).body.token as string);
        return tokens;
      };
      const positions = async (tokens: string[]) =>
        Promise.all(
          tokens.map(
            async (token) => (await call('GET', '/api/v1/queue/status', { token })).body.position as number | undefined,
          ),
        );
      const before = await join([23, 24, 25]);
      const snapshot = await admin(AdminRoutes.queueSnapshot, {});
      after = await join([26, 27]);
      const expected = await positions([...before, ...after]);
      expect(expected).toEqual([1, 2, 3, 4, 5]);
      const redis = new Redis(stack.state.redis.url);
      try {
        await redis.del(QueueKeys.waiting); // what a buggy clean-up job does
      } finally {
        redis.disconnect();
      }
      const restore = await admin(AdminRoutes.queueRestore, { snapshotId: snapshot.body.snapshotId });
      expect(restore.body).toMatchObject({ restored: 3, requeued: 2 });
      expect(await positions([...before, ...after])).toEqual(expected);
    } finally {
      await admin(AdminRoutes.staticQueue, { enabled: false });
    }
    // admitted in order once admission resumes, leaving the queue empty for the tests after this one
    await waitUntil(
      'the restored users to be admitted',
      async () => (await call('GET', '/api/v1/queue/status', { token: after.at(-1) })).body.status === 'ACTIVE',
      10_000,
    );
  });

  it('counts users admitted out of turn when something rewrote the queue order', async () => {
    await admin(AdminRoutes.staticQueue, { enabled: true });
    const tokens: string[] = [];
    let before = 0;
    try {
      for (const userId of [33, 34, 35]) tokens.push((await call('POST', `/api/v1/queue/users/${userId}`)).body.token);
      const redis = new Redis(stack.state.redis.url);
      try {
        const scores = await Promise.all(tokens.map((token) => redis.zscore(QueueKeys.waiting, token)));
        await redis.zadd(QueueKeys.waiting, scores[2] ?? '', tokens[0] ?? '', scores[0] ?? '', tokens[2] ?? ''); // first and last swap places
      } finally {
        redis.disconnect();
      }
      // read while admission is still frozen: the first tick after unfreezing may come before any later read
      before = await metric('api_queue_order_violations_total');
    } finally {
      await admin(AdminRoutes.staticQueue, { enabled: false });
    }
    await waitUntil(
      'the three users to be admitted',
      async () => (await call('GET', '/api/v1/queue/status', { token: tokens[0] })).body.status === 'ACTIVE',
      10_000,
    );
    await waitUntil(
      'the admission to be counted',
      async () => (await metric('api_queue_order_violations_total')) >= before + 2,
      5_000,
    );
    expect((await metric('api_queue_order_violations_total')) - before).toBe(2); // the middle user kept their place
  });
});

describe('reservations and payments', () => {
  it('holds seats all-or-nothing and refuses taken, foreign, unknown and malformed requests', async () => {
    const token = await tokenFor(30);
    const held = await call('POST', '/api/v1/reservations', {
      token,
      body: { userId: 30, concertId: 2, scheduleId: 1, seatIds: [1, 2] },
    });
    expect(held.status).toBe(200);
    expect(held.body).toHaveLength(2);
    expect(held.body[0]).toMatchObject({
      id: expect.any(Number),
      seatId: 1,
      status: 'HELD',
      expiresAt: expect.any(String),
    });
    expectError(
      await call('POST', '/api/v1/reservations', {
        token,
        body: { userId: 30, concertId: 2, scheduleId: 1, seatIds: [3, 2] },
      }),
      409,
      'SEAT_UNAVAILABLE',
    );
    const seats = await call('GET', '/api/v1/concerts/2/schedules/1/seats', { token });
    expect(seats.body.slice(0, 3).map((seat: { available: boolean }) => seat.available)).toEqual([false, false, true]); // seat 3 was not taken by the refused request
    expectError(
      await call('POST', '/api/v1/reservations', {
        token,
        body: { userId: 31, concertId: 2, scheduleId: 1, seatIds: [5] },
      }),
      403,
      'TOKEN_NOT_OWNED',
    );
    expectError(
      await call('POST', '/api/v1/reservations', {
        token: 'token',
        body: { userId: 30, concertId: 2, scheduleId: 1, seatIds: [5] },
      }),
      401,
      'TOKEN_INVALID',
    );
    expectError(
      await call('POST', '/api/v1/reservations', {
        token,
        body: { userId: 30, concertId: 2, scheduleId: 1, seatIds: [673] },
      }),
      404,
      'SEAT_NOT_FOUND',
    );
    expectError(
      await call('POST', '/api/v1/reservations', {
        token,
        body: { userId: 30, concertId: 2, scheduleId: 99, seatIds: [1] },
      }),
      404,
      'SCHEDULE_NOT_FOUND',
    );
    for (const seatIds of [[], [1, 1], Array.from({ length: 51 }, (_, i) => i + 1), [0], ['1']]) {
      expectError(
        await call('POST', '/api/v1/reservations', {
          token,
          body: { userId: 30, concertId: 2, scheduleId: 1, seatIds },
        }),
        400,
        'BAD_REQUEST',
      );
    }
    expectError(await call('POST', '/api/v1/reservations', { token, body: { userId: 30 } }), 400, 'BAD_REQUEST');
  });

  it('pays in one transaction, ends the token, replays with the same key, and refuses every listed case', async () => {
    const token = await tokenFor(40);
    const hold = (seatIds: number[], t = token, userId = 40) =>
      call('POST', '/api/v1/reservations', { token: t, body: { userId, concertId: 3, scheduleId: 2, seatIds } });
    const ids = (await hold([10, 11])).body.map((r: { id: number }) => r.id) as number[];
    const pay = (reservationIds: unknown, t: string, headers: Record<string, string> = {}, userId = 40) =>
      call('POST', `/api/v1/payment/payments/users/${userId}`, { token: t, body: { reservationIds }, headers });

    expectError(await pay([999_999], token), 404, 'RESERVATION_NOT_FOUND');
    expectError(await pay([], token), 400, 'BAD_REQUEST');
    expectError(await pay(ids, 'token'), 401, 'TOKEN_INVALID');
    expectError(await pay(ids, token, {}, 41), 403, 'TOKEN_NOT_OWNED');
    const otherToken = await tokenFor(41);
    expectError(await pay(ids, otherToken, {}, 41), 409, 'RESERVATION_NOT_OWNED');

    const key = { 'Idempotency-Key': 'pay-40-a' };
    const paid = await pay(ids, token, key);
    expect(paid.status).toBe(200);
    expect(paid.body).toHaveLength(2);
    expect(paid.body[0]).toMatchObject({ reservationId: ids[0], status: 'PAID', amount: 150_000 });
    expect((await call('GET', '/api/v1/balance/users/40')).body.balance).toBe(START_BALANCE - 300_000);
    const replay = await pay(ids, token, key);
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(paid.body);
    expectError(await pay([ids[0]], token, key), 422, 'IDEMPOTENCY_KEY_REUSED');
    await sleep(150);
    expectError(await call('GET', '/api/v1/concerts', { token }), 401, 'TOKEN_EXPIRED');

    const next = await tokenFor(40);
    expect(next).not.toBe(token);
    expectError(await pay(ids, next), 409, 'RESERVATION_ALREADY_PAID');
    const expensive = (
      await hold(
        Array.from({ length: 7 }, (_, i) => 100 + i),
        next,
      )
    ).body.map((r: { id: number }) => r.id);
    expectError(await pay(expensive, next), 402, 'INSUFFICIENT_BALANCE');
    expect((await call('GET', '/api/v1/balance/users/40')).body.balance).toBe(START_BALANCE - 300_000);
  });

  it('lets exactly one of 100 parallel holds on one seat succeed', async () => {
    const users = Array.from({ length: 100 }, (_, i) => 100 + i);
    const tokens = await Promise.all(users.map(tokenFor));
    const replies = await Promise.all(
      users.map((userId, i) =>
        call('POST', '/api/v1/reservations', {
          token: tokens[i],
          body: { userId, concertId: 4, scheduleId: 4, seatIds: [42] },
        }),
      ),
    );
    const statuses = replies.map((reply) => reply.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(99);
    const live = await db.query(
      "SELECT count(*)::int AS n FROM reservations WHERE concert_id = 4 AND schedule_id = 4 AND seat_no = 42 AND status IN ('HELD', 'PAID')",
    );
    expect(live.rows[0].n).toBe(1);
  });

  it('keeps money conserved under parallel payments and recharges on one user, never negative', async () => {
    const userId = 50;
    const token = await tokenFor(userId);
    const held = await call('POST', '/api/v1/reservations', {
      token,
      body: { userId, concertId: 5, scheduleId: 3, seatIds: Array.from({ length: 20 }, (_, i) => 600 + i) },
    });
    const ids = held.body.map((r: { id: number }) => r.id) as number[];
    // 20 single-seat payments (60 000 each, 1.2 M in all, over the 1 M balance), each reservation paid twice, plus 20 recharges
    const payments = [...ids, ...ids].map((id) =>
      call('POST', `/api/v1/payment/payments/users/${userId}`, { token, body: { reservationIds: [id] } }),
    );
    const recharges = Array.from({ length: 20 }, () =>
      call('POST', `/api/v1/balance/users/${userId}/recharge`, { body: { amount: 1000 } }),
    );
    const [paid, recharged] = await Promise.all([Promise.all(payments), Promise.all(recharges)]);
    const paidOk = paid.filter((reply) => reply.status === 200).length;
    expect(paid.every((reply) => [200, 401, 402, 409].includes(reply.status))).toBe(true);
    expect(recharged.every((reply) => reply.status === 200)).toBe(true);
    const balance = (await call('GET', `/api/v1/balance/users/${userId}`)).body.balance as number;
    expect(balance).toBe(START_BALANCE + 20 * 1000 - paidOk * 60_000);
    expect(balance).toBeGreaterThanOrEqual(0);
    const sold = await db.query(
      "SELECT count(*)::int AS n FROM reservations WHERE id = ANY($1::bigint[]) AND status = 'PAID'",
      [ids],
    );
    expect(sold.rows[0].n).toBe(paidOk);
    const ledger = await db.query<{ users: string; ledger: string; money_in: string; payments: string }>(
      `SELECT (SELECT sum(balance) FROM users) AS users, (SELECT sum(delta) FROM balance_ledger) AS ledger,
              (SELECT sum(delta) FROM balance_ledger WHERE kind IN ('INITIAL', 'RECHARGE')) AS money_in, (SELECT coalesce(sum(amount), 0) FROM payments) AS payments`,
    );
    const row = ledger.rows[0]!;
    expect(Number(row.users)).toBe(Number(row.ledger));
    expect(Number(row.money_in)).toBe(Number(row.users) + Number(row.payments));
  });

  it('returns expired holds to sale and refuses to pay them', async () => {
    const token = await tokenFor(60);
    const held = await call('POST', '/api/v1/reservations', {
      token,
      body: { userId: 60, concertId: 1, scheduleId: 9, seatIds: [7] },
    });
    expect(held.status).toBe(200);
    const seat7 = async () =>
      (await call('GET', '/api/v1/concerts/1/schedules/9/seats', { token })).body[6].available as boolean;
    expect(await seat7()).toBe(false);
    await sleep(HOLD_TTL_SECONDS * 1000 + 1500); // TTL + one sweep + local cache
    expect(await seat7()).toBe(true);
    expectError(
      await call('POST', '/api/v1/payment/payments/users/60', { token, body: { reservationIds: [held.body[0].id] } }),
      409,
      'RESERVATION_EXPIRED',
    );
    const other = await tokenFor(61);
    expect(
      (
        await call('POST', '/api/v1/reservations', {
          token: other,
          body: { userId: 61, concertId: 1, scheduleId: 9, seatIds: [7] },
        })
      ).status,
    ).toBe(200);
  });

  it('patches cached seat lists on a hold: every worker shows the seats taken within the bound, without querying PostgreSQL again', async () => {
    const token = await tokenFor(62);
    const seatsQueries = () => metric('api_db_query_duration_seconds_count{op="catalogue-seats"}');
    const availability = async () => {
      const seats = (await call('GET', '/api/v1/concerts/3/schedules/11/seats', { token })).body as Array<{
        available: boolean;
      }>;
      return seats.slice(9, 12).map((seat) => seat.available);
    };
    for (let i = 0; i < 6; i++) expect(await availability()).toEqual([true, true, true]); // warms Redis and both workers
    const before = await seatsQueries();
    expect(
      (
        await call('POST', '/api/v1/reservations', {
          token,
          body: { userId: 62, concertId: 3, scheduleId: 11, seatIds: [10, 12] },
        })
      ).status,
    ).toBe(200);
    await sleep(100); // LOCAL_CACHE_TTL_MS here: the bound, even for a worker whose patch message were lost
    // reads spread over both workers, across several local lifetimes (refreshes come from the patched Redis copy)
    for (let i = 0; i < 10; i++) {
      expect(await availability()).toEqual([false, true, false]);
      await sleep(30);
    }
    expect(await seatsQueries()).toBe(before);
  });
});

describe('operations', () => {
  it('exposes the documented metrics aggregated across workers', async () => {
    const text = (await call('GET', '/metrics')).body as string;
    for (const name of [
      'http_request_duration_seconds_bucket{le="0.005",method="GET",route="/api/v1/concerts",status="200"}',
      'api_cache_requests_total{layer="local",result="hit"}',
      'api_db_pool_connections{pool="primary",state="total"}',
      'api_queue_tokens{state="active"}',
      'api_circuit_breaker_state{breaker="redis"} 0',
      'api_workers 2',
      'nodejs_eventloop_lag_p99_seconds',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(text).toContain(name);
    }
    expect((await call('GET', '/health/ready')).body).toEqual({ status: 'ready', postgres: 'up', redis: 'up' });
  });

  it('guards the admin surface and applies settings to every worker', async () => {
    expectError(await call('GET', AdminRoutes.state), 401, 'ADMIN_UNAUTHORIZED');
    expectError(
      await call('GET', AdminRoutes.state, { headers: { [ADMIN_TOKEN_HEADER]: 'wrong' } }),
      401,
      'ADMIN_UNAUTHORIZED',
    );
    expect((await admin(AdminRoutes.dbPool, { max: 4 })).body.poolMax).toBe(4);
    expectError(await admin(AdminRoutes.dbPool, { max: 0 }), 400, 'BAD_REQUEST');
    expect((await admin(AdminRoutes.cacheWarm, {})).body.keys).toBe(1 + 5 + 5 * 28);
    expectError(
      await admin(AdminRoutes.readRouting, { replicaUrl: 'postgres://127.0.0.1:1/x' }),
      400,
      'REPLICA_UNREACHABLE',
    );
    const leak = await admin(AdminRoutes.leak, { enabled: true, bytesPerRequest: 1024 });
    expect(leak.body.leak).toMatchObject({ enabled: true, bytesPerRequest: 1024 });
    const token = await tokenFor(70);
    for (let i = 0; i < 10; i++) await call('GET', '/api/v1/concerts', { token });
    await admin(AdminRoutes.leak, { enabled: false });
    expect((await admin(AdminRoutes.state)).body.leak.retainedBytes).toBeGreaterThanOrEqual(10 * 1024);
    const snapshot = await admin(AdminRoutes.heapSnapshot, {});
    expect(snapshot.body.bytes).toBeGreaterThan(1_000_000);
    await admin(AdminRoutes.chaos, { latencyMs: 0, errorRate: 1 });
    const failures = await Promise.all(Array.from({ length: 6 }, () => call('GET', '/api/v1/concerts', { token })));
    expect(failures.every((reply) => reply.status === 500 && reply.body.error.code === 'CHAOS_INJECTED')).toBe(true);
    expect((await admin(AdminRoutes.chaos, { latencyMs: 0, errorRate: 0 })).body.chaos).toEqual({
      latencyMs: 0,
      errorRate: 0,
    });
    expect((await call('GET', '/api/v1/concerts', { token })).status).toBe(200);
  });

  it('replaces every worker in a rolling restart without failing a request', async () => {
    const token = await tokenFor(71);
    const pidsBefore: number[] = (await admin(AdminRoutes.state)).body.workerPids;
    expect(pidsBefore).toHaveLength(2);
    let running = true;
    const statuses: number[] = [];
    const load = (async () => {
      while (running) {
        const replies = await Promise.all(
          Array.from({ length: 4 }, () =>
            call('GET', '/api/v1/concerts', { token }).then(
              (r) => r.status,
              () => -1,
            ),
          ),
        );
        statuses.push(...replies);
      }
    })();
    const restart = await admin(AdminRoutes.rollingRestart, {});
    running = false;
    await load;
    expect(restart.body).toEqual({ restarted: 2 });
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    // the worker that answered the restart retires just after its answer: wait for it to have exited
    let pidsAfter: number[] = [];
    await waitUntil(
      'the old workers to retire',
      async () => {
        pidsAfter = (await admin(AdminRoutes.state)).body.workerPids;
        return (
          pidsAfter.length === 2 && pidsAfter.every((pid) => !pidsBefore.includes(pid)) && !pidsBefore.some(isAlive)
        );
      },
      20_000,
    );
    // and only new workers serve new clients
    for (let i = 0; i < 6; i++) expect(pidsAfter).toContain((await freshGet('/health')).body.pid);
  });

  it('replaces a worker that dies, while the other keeps serving', async () => {
    const [victim, survivor] = (await admin(AdminRoutes.state)).body.workerPids as number[];
    process.kill(victim ?? 0, 'SIGKILL');
    // Requests that were on the victim's sockets at that moment are lost with it (a crash cannot drain);
    // once the primary has reaped it, every new connection is served by the survivor.
    await waitUntil('the primary to reap the killed worker', () => !isAlive(victim ?? 0), 10_000);
    const served = [];
    for (let i = 0; i < 10; i++) served.push(await freshGet('/health'));
    expect(served.map((reply) => reply.status)).toEqual(Array(10).fill(200));
    expect(served.map((reply) => reply.body.pid)).not.toContain(victim);
    // (a pooled keep-alive socket of this client may still be bound to the victim: such a call fails once)
    let replaced: number[] = [];
    const workerPids = async () =>
      (replaced = (await admin(AdminRoutes.state).catch(() => ({ body: { workerPids: [] } }))).body.workerPids);
    await waitUntil('a replacement worker', async () => (await workerPids()).length === 2, 20_000);
    expect(replaced).toContain(survivor);
    expect(replaced).not.toContain(victim);
  });

  it('serves catalogue reads from PostgreSQL while Redis is dead and recovers the Redis hit ratio when it returns', async () => {
    const token = await tokenFor(80);
    const read = () => call('GET', '/api/v1/concerts/2/schedules/5/seats', { token });
    expect((await read()).status).toBe(200);
    process.kill(stack.state.redis.pid ?? 0, 'SIGKILL');
    await sleep(200);
    const during = await Promise.all(Array.from({ length: 20 }, read));
    expect(during.map((reply) => reply.status)).toEqual(Array(20).fill(200));
    for (let i = 0; i < 10; i++) {
      expect((await call('GET', '/api/v1/concerts', { token })).status).toBe(200);
      await sleep(50);
    }
    expect((await call('GET', '/health/ready')).status).toBe(503);
    expectError(await call('POST', '/api/v1/queue/users/81'), 503, 'QUEUE_UNAVAILABLE');

    stack.state = await restartRedis(stack.state);
    const fresh = await (async () => {
      for (let attempt = 0; attempt < 50; attempt++) {
        const reply = await call('POST', '/api/v1/queue/users/80');
        if (reply.status === 200) return reply.body.token as string;
        await sleep(200);
      }
      throw new Error('queue did not come back after Redis restarted');
    })();
    const hitsBefore = await metric('api_cache_requests_total{layer="redis",result="hit"}');
    const missesBefore = await metric('api_cache_requests_total{layer="redis",result="miss"}');
    for (let i = 0; i < 30; i++) {
      expect((await call('GET', '/api/v1/concerts/2/schedules/5/seats', { token: fresh })).status).toBe(200);
      await sleep(40);
    }
    const hits = (await metric('api_cache_requests_total{layer="redis",result="hit"}')) - hitsBefore;
    const misses = (await metric('api_cache_requests_total{layer="redis",result="miss"}')) - missesBefore;
    expect(hits / (hits + misses)).toBeGreaterThanOrEqual(0.7);
    expect((await call('GET', '/health/ready')).status).toBe(200);
  });
});

// Recovery from dependency faults found by drills: queue tokens survive Redis restarting empty, and the API
// survives its PostgreSQL sessions being terminated. One stack (own PostgreSQL, Redis, 2-worker API) for both.
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminRoutes, ADMIN_TOKEN_HEADER } from '../../reference-api/src/admin-contract.ts';
import { restartRedis } from '../../cli/stack/extras.ts';
import { startTestStack, type TestStack } from '../../cli/stack/test-stack.ts';
import { apiClient, type ApiClient } from './api-client.ts';

let stack: TestStack;
let call: ApiClient['call'];
let metric: ApiClient['metric'];

/** Repeat `attempt` every 200 ms until it returns true, for at most `limitMs`; → ms it took. */
async function within(limitMs: number, attempt: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await attempt())) {
    if (Date.now() - started > limitMs) throw new Error(`not within ${limitMs} ms`);
    await sleep(200);
  }
  return Date.now() - started;
}

async function tokenFor(userId: number): Promise<string> {
  const reply = await call('POST', `/api/v1/queue/users/${userId}`);
  expect(reply.body.status).toBe('ACTIVE');
  return reply.body.token as string;
}

/** Hold one seat and pay for it with the user's token → the two statuses. */
async function holdAndPay(userId: number, token: string, seat: number): Promise<[number, number]> {
  const held = await call('POST', '/api/v1/reservations', {
    token,
    body: { userId, concertId: 1, scheduleId: 1, seatIds: [seat] },
  });
  if (held.status !== 200) return [held.status, 0];
  const paid = await call('POST', `/api/v1/payment/payments/users/${userId}`, {
    token,
    body: { reservationIds: [held.body[0].id] },
  });
  return [held.status, paid.status];
}

const concerts = (token: string) => call('GET', '/api/v1/concerts', { token });
const workerPids = async () =>
  new Set(await Promise.all(Array.from({ length: 8 }, async () => (await call('GET', '/health')).body.pid as number)));

beforeAll(async () => {
  stack = await startTestStack({
    apiWorkers: 2,
    seedSizes: { users: 50 },
    env: { LOCAL_CACHE_TTL_MS: '100', LOG_LEVEL: 'warn' },
  });
  ({ call, metric } = apiClient(stack.state.api.url, stack.state.api.adminToken));
});

afterAll(async () => {
  await stack?.stop();
});

describe('Redis restarted empty', () => {
  it('re-registers still-valid tokens issued before the loss, but not one whose user paid afterwards', async () => {
    const users = [1, 2, 3, 4, 5];
    const tokens = await Promise.all(users.map(tokenFor));
    for (const token of tokens) expect((await concerts(token)).status).toBe(200);
    const recoveredBefore = await metric('api_queue_admissions_total{outcome="recovered"}');

    process.kill(stack.state.redis.pid ?? 0, 'SIGKILL');
    stack.state = await restartRedis(stack.state);
    // every request passes throughout (known tokens keep their state while Redis is away), and within seconds
    // of Redis answering again the tokens are re-registered in it rather than refused
    await within(8000, async () => {
      const replies = await Promise.all(tokens.map(concerts));
      expect(replies.map((reply) => reply.status)).toEqual(users.map(() => 200));
      return (await metric('api_queue_admissions_total{outcome="recovered"}')) >= recoveredBefore + users.length;
    });
    await sleep(300); // past LOCAL_CACHE_TTL_MS: the next checks are answered from the new Redis
    for (const token of tokens) expect((await concerts(token)).status).toBe(200);
    // the recovered token is the user's one token: asking the queue again hands it back
    expect((await call('POST', '/api/v1/queue/users/2')).body).toMatchObject({ token: tokens[1], status: 'ACTIVE' });

    // user 1 pays after the restart: the token is spent and stays spent on every worker, past the local cache
    expect(await holdAndPay(1, tokens[0] ?? '', 1)).toEqual([200, 200]);
    for (let i = 0; i < 6; i++) {
      expect((await concerts(tokens[0] ?? '')).body.error?.code).toBe('TOKEN_EXPIRED');
      await sleep(150);
    }
    expect((await concerts(tokens[1] ?? '')).status).toBe(200);
  });
});

describe('PostgreSQL sessions terminated', () => {
  it('keeps the primary and every worker alive and serves reads and payments again within seconds', async () => {
    const primaryPid = stack.state.api.pid;
    const pidsBefore = await workerPids();
    const token = await tokenFor(20);
    const errorsBefore = await metric('api_db_errors_total{op="connection-lost"}');

    // keep connections busy (checked out, mid-query) in workers and primary while they are cut, several times
    const started = Date.now();
    const load = Promise.allSettled(
      Array.from({ length: 8 }, async (_, i) => {
        while (Date.now() - started < 1200)
          await call('POST', `/api/v1/balance/users/${30 + i}/recharge`, { body: { amount: 1 } });
      }),
    );
    const admin = new pg.Client({ connectionString: stack.state.postgres.url });
    await admin.connect();
    try {
      for (let round = 0; round < 3; round++) {
        const { rows } = await admin.query(
          'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
        );
        expect(rows[0].n).toBeGreaterThan(0);
        await sleep(300);
      }
    } finally {
      await admin.end();
    }
    await load;

    await within(
      5000,
      async () =>
        (await concerts(token)).status === 200 && (await call('GET', '/api/v1/balance/users/20')).status === 200,
    );
    expect(await holdAndPay(20, token, 2)).toEqual([200, 200]);
    expect(primaryPid !== undefined && process.kill(primaryPid, 0)).toBe(true);
    expect(await workerPids()).toEqual(pidsBefore);
    const state = await call('GET', AdminRoutes.state, {
      headers: { [ADMIN_TOKEN_HEADER]: stack.state.api.adminToken },
    });
    expect(state.body.workers).toBe(2);
    expect(await metric('api_db_errors_total{op="connection-lost"}')).toBeGreaterThan(errorsBefore);
  });
});

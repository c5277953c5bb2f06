// Slow and stuck clients cannot hold the API's sockets, and a slow database cannot hold a client past the
// request deadline. A write that timed out on the client's side is still safe to retry with its
// Idempotency-Key: it is applied exactly once, whichever attempt wins.
import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../../cli/stack/test-stack.ts';

const REQUEST_TIMEOUT_MS = 2_000;
/** Node checks header/request deadlines on a timer, so the cut-off may come this much after the deadline. */
const CUT_OFF_SLACK_MS = 3_000;

let stack: TestStack;
let db: pg.Client;
let port: number;

beforeAll(async () => {
  stack = await startTestStack({
    apiWorkers: 1,
    seedSizes: { users: 10, concerts: 1, schedules: 1, seats: 10 },
    env: { REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) },
  });
  port = stack.state.api.port;
  db = new pg.Client(stack.state.postgres.url);
  await db.connect();
});

afterAll(async () => {
  await db?.end();
  await stack?.stop();
});

/**
 * Opens a socket, writes `head` at once, then feeds `slowly` one byte every `everyMs`; resolves with how long
 * the server kept the socket open (-1: still open a minute later) and what it answered.
 */
async function dribble(head: string, slowly: string, everyMs: number): Promise<{ openMs: number; reply: string }> {
  const socket: Socket = connect({ host: '127.0.0.1', port });
  const started = Date.now();
  let reply = '';
  socket.on('data', (chunk: Buffer) => (reply += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now() - started)));
  let open = true;
  void closed.then(() => (open = false));
  socket.write(head);
  for (const byte of Buffer.from(slowly)) {
    if (!open) break;
    socket.write(Buffer.from([byte]));
    await Promise.race([sleep(everyMs), closed]);
  }
  const openMs = await Promise.race([closed, sleep(60_000).then(() => -1)]);
  socket.destroy();
  return { openMs, reply };
}

describe('slow-client protection', () => {
  it(`cuts off a client that sends its headers byte by byte (slowloris) within ${REQUEST_TIMEOUT_MS} ms + slack`, async () => {
    const { openMs, reply } = await dribble(
      '',
      `GET /api/v1/concerts HTTP/1.1\r\nhost: 127.0.0.1\r\nx-padding: ${'a'.repeat(200)}\r\n\r\n`,
      100,
    );
    expect(openMs).toBeGreaterThan(0);
    expect(openMs).toBeLessThan(REQUEST_TIMEOUT_MS + CUT_OFF_SLACK_MS);
    expect(reply === '' || reply.startsWith('HTTP/1.1 408')).toBe(true);
  }, 70_000);

  it('cuts off a client that sends a complete head but dribbles its body, and applies nothing', async () => {
    const before = await db.query<{ balance: string }>('SELECT balance FROM users WHERE id = 1');
    const body = `{"amount": 1000${' '.repeat(100)}}`;
    const head = `POST /api/v1/balance/users/1/recharge HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\nidempotency-key: ${randomUUID()}\r\ncontent-length: ${body.length}\r\n\r\n`;
    const { openMs } = await dribble(head, body, 100);
    expect(openMs).toBeGreaterThan(0);
    expect(openMs).toBeLessThan(REQUEST_TIMEOUT_MS + CUT_OFF_SLACK_MS);
    const after = await db.query<{ balance: string }>('SELECT balance FROM users WHERE id = 1');
    expect(after.rows[0]?.balance).toBe(before.rows[0]?.balance);
  }, 70_000);

  it('keeps serving other clients while slow ones hold sockets', async () => {
    const slow = Array.from({ length: 50 }, () =>
      dribble('GET /health HTTP/1.1\r\n', `host: x\r\nx-pad: ${'b'.repeat(100)}\r\n\r\n`, 200),
    );
    await sleep(300);
    const started = Date.now();
    const response = await fetch(`${stack.state.api.url}/health`);
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1_000);
    await Promise.all(slow);
  }, 70_000);
});

describe('request deadline and retries', () => {
  it(`answers 503 at the deadline when the database is stuck, and the retried write is applied exactly once`, async () => {
    const key = randomUUID();
    const recharge = () =>
      fetch(`${stack.state.api.url}/api/v1/balance/users/2/recharge`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ amount: 5000 }),
        signal: AbortSignal.timeout(30_000),
      });
    const before = Number(
      (await db.query<{ balance: string }>('SELECT balance FROM users WHERE id = 2')).rows[0]?.balance,
    );
    // hold user 2's row: the recharge must wait for the lock
    const locker = new pg.Client(stack.state.postgres.url);
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('SELECT * FROM users WHERE id = 2 FOR UPDATE');
    const started = Date.now();
    const stuck = await recharge();
    const tookMs = Date.now() - started;
    expect(stuck.status).toBe(503);
    expect(tookMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
    expect(tookMs).toBeLessThan(REQUEST_TIMEOUT_MS + 1_500);
    await locker.query('ROLLBACK');
    await locker.end();
    // the client saw a 503; it retries with the same key until it gets an answer
    let retried = await recharge();
    for (let attempt = 0; retried.status >= 500 && attempt < 20; attempt += 1) {
      await sleep(250);
      retried = await recharge();
    }
    expect(retried.status).toBe(200);
    const replayed = await recharge();
    expect(replayed.status).toBe(200);
    expect(await replayed.json()).toEqual(await retried.json());
    const after = Number(
      (await db.query<{ balance: string }>('SELECT balance FROM users WHERE id = 2')).rows[0]?.balance,
    );
    expect(after - before).toBe(5000);
  }, 60_000);

  it('a payment retried with its Idempotency-Key after it succeeded (the answer was lost) gets the same answer, and is charged once', async () => {
    const api = stack.state.api.url;
    const { token } = (await (await fetch(`${api}/api/v1/queue/users/3`, { method: 'POST' })).json()) as {
      token: string;
    };
    const held = await fetch(`${api}/api/v1/reservations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'queue-token': token },
      body: JSON.stringify({ userId: 3, concertId: 1, scheduleId: 1, seatIds: [4] }),
    });
    expect(held.status).toBe(200);
    const reservationIds = ((await held.json()) as { id: number }[]).map((reservation) => reservation.id);
    const key = randomUUID();
    const pay = () =>
      fetch(`${api}/api/v1/payment/payments/users/3`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'queue-token': token, 'idempotency-key': key },
        body: JSON.stringify({ reservationIds }),
      });
    const first = await pay();
    expect(first.status).toBe(200);
    const firstBody = await first.json();
    // the client never saw `first` (connection dropped): after a back-off longer than the API's local token
    // cache (LOCAL_CACHE_TTL_MS, 1 s), it retries exactly the same request
    await sleep(2_000);
    const retry = await pay();
    expect(
      retry.status,
      'a retry of a completed payment must replay its answer, not be refused because paying ended the queue token',
    ).toBe(200);
    expect(await retry.json()).toEqual(firstBody);
    const payments = await db.query<{ n: string }>('SELECT count(*) AS n FROM payments WHERE user_id = 3');
    expect(Number(payments.rows[0]?.n)).toBe(reservationIds.length);
  });
});

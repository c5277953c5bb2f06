// Bad input against every endpoint of the reference API: fast-check generates ids, bodies, headers, sizes,
// encodings and injection strings. Properties: the API never answers 5xx, and a 4xx never changes state
// (a snapshot of every table that holds business state, taken before and after each rejected request).
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../../cli/stack/test-stack.ts';
import { businessSnapshot, INJECTION_STRINGS, sendRaw } from './http-helpers.ts';

const SIZES = { users: 20, concerts: 2, schedules: 3, seats: 30, balance: 1_000_000 };
let stack: TestStack;
let db: pg.Client;
let redis: Redis;
let baseUrl: string;
let token: string;

beforeAll(async () => {
  stack = await startTestStack({ apiWorkers: 1, seedSizes: SIZES });
  baseUrl = stack.state.api.url;
  db = new pg.Client(stack.state.postgres.url);
  await db.connect();
  redis = new Redis(stack.state.redis.url);
  const issued = await fetch(`${baseUrl}/api/v1/queue/users/1`, { method: 'POST' });
  token = ((await issued.json()) as { token: string }).token;
});

afterAll(async () => {
  await db?.end();
  redis?.disconnect();
  await stack?.stop();
});

/** Path segments a client could send in place of an id. */
const idSegment = fc.oneof(
  fc.constantFrom(
    '0',
    '-1',
    '1.5',
    '1e3',
    '0x10',
    '9007199254740993',
    '99999999999999999999',
    ' 1',
    '1 ',
    '%00',
    '%2e%2e%2f',
    'NaN',
    'null',
    'undefined',
    '[]',
    '{}',
  ),
  fc.constantFrom(...INJECTION_STRINGS).map(encodeURIComponent),
  fc.string({ maxLength: 30, unit: 'binary' }).map(encodeURIComponent),
  fc.integer({ min: 1, max: 30 }).map(String),
);

/** JSON-ish body values: garbage of every shape, plus near-valid objects with one bad field. */
const anyJson = fc.jsonValue({ maxDepth: 3 });
const badNumber = fc.oneof(
  fc.constantFrom(-1, 0, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, '100', null, true, [], {}),
  fc.double(),
  fc.string({ maxLength: 10 }),
);
/** null (= use the genuine value) three times in four, so validation past the header is reached too. */
const mostlyGenuine = <T>(garbage: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: fc.constant(null), weight: 3 }, { arbitrary: garbage, weight: 1 });
const header = fc.oneof(
  fc.constantFrom('token', '', 'v1.1.0.AAAA.AAAA', 'Bearer x'),
  fc.constantFrom(...INJECTION_STRINGS),
  fc.string({ maxLength: 200, unit: 'grapheme-ascii' }),
);

interface BadRequest {
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

const endpoints: Record<string, fc.Arbitrary<BadRequest>> = {
  'GET /balance/users/:userId': idSegment.map(
    (id): BadRequest => ({ method: 'GET', path: `/api/v1/balance/users/${id}` }),
  ),
  'POST /balance/users/:userId/recharge': fc
    .record({
      id: fc.oneof(idSegment, fc.constant('1')),
      body: fc.oneof(
        anyJson,
        badNumber.map((amount) => ({ amount })),
      ),
      key: mostlyGenuine(header),
    })
    .map(
      ({ id, body, key }): BadRequest => ({
        method: 'POST',
        path: `/api/v1/balance/users/${id}/recharge`,
        body,
        headers: { 'idempotency-key': key ?? randomUUID() },
      }),
    ),
  'POST /queue/users/:userId': idSegment
    .filter((id) => !/^[1-9]\d*$/.test(id))
    .map((id): BadRequest => ({ method: 'POST', path: `/api/v1/queue/users/${id}` })),
  'GET /queue/status': header.map(
    (value): BadRequest => ({ method: 'GET', path: '/api/v1/queue/status', headers: { 'queue-token': value } }),
  ),
  'GET /concerts': header.map(
    (value): BadRequest => ({ method: 'GET', path: '/api/v1/concerts', headers: { 'queue-token': value } }),
  ),
  'GET /concerts/:id/schedules': fc.tuple(idSegment, mostlyGenuine(header)).map(
    ([id, value]): BadRequest => ({
      method: 'GET',
      path: `/api/v1/concerts/${id}/schedules`,
      headers: { 'queue-token': value ?? token },
    }),
  ),
  'GET /concerts/:cid/schedules/:sid/seats': fc.tuple(idSegment, idSegment, mostlyGenuine(header)).map(
    ([cid, sid, value]): BadRequest => ({
      method: 'GET',
      path: `/api/v1/concerts/${cid}/schedules/${sid}/seats`,
      headers: { 'queue-token': value ?? token },
    }),
  ),
  'POST /reservations': fc
    .tuple(
      fc.oneof(
        anyJson,
        fc.record({
          userId: fc.oneof(badNumber, fc.constant(1)),
          concertId: fc.oneof(badNumber, fc.constant(1)),
          scheduleId: fc.oneof(badNumber, fc.constant(1)),
          seatIds: fc.oneof(
            anyJson,
            fc.array(badNumber, { maxLength: 60 }),
            fc.constant(Array.from({ length: 51 }, (_, i) => i + 1)),
            fc.constant([1, 1]),
          ),
        }),
        fc.record({
          userId: fc.constant(2),
          concertId: fc.constant(1),
          scheduleId: fc.constant(1),
          seatIds: fc.constant([5]),
        }),
      ),
      mostlyGenuine(header),
    )
    .map(
      ([body, value]): BadRequest => ({
        method: 'POST',
        path: '/api/v1/reservations',
        body,
        headers: { 'queue-token': value ?? token },
      }),
    ),
  'POST /payment/payments/users/:userId': fc
    .tuple(
      fc.oneof(idSegment, fc.constant('1')),
      fc.oneof(
        anyJson,
        fc.record({ reservationIds: fc.oneof(anyJson, fc.array(badNumber, { maxLength: 60 }), fc.constant([999999])) }),
      ),
      mostlyGenuine(header),
      mostlyGenuine(header),
    )
    .map(
      ([id, body, value, key]): BadRequest => ({
        method: 'POST',
        path: `/api/v1/payment/payments/users/${id}`,
        body,
        headers: { 'queue-token': value ?? token, 'idempotency-key': key ?? randomUUID() },
      }),
    ),
};

function send(request: BadRequest) {
  const body = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body));
  return sendRaw(
    baseUrl,
    request.method,
    request.path,
    { ...(body ? { 'content-type': 'application/json' } : {}), ...request.headers },
    body,
  );
}

describe('every endpoint under generated bad input', () => {
  for (const [name, arbitrary] of Object.entries(endpoints)) {
    it(`${name}: never 5xx, and a 4xx changes nothing`, async () => {
      await fc.assert(
        fc.asyncProperty(arbitrary, async (request) => {
          const before = await businessSnapshot(db, redis);
          const { status, text, headers } = await send(request);
          expect(status, `${request.method} ${request.path} → ${status} ${text.slice(0, 200)}`).toBeLessThan(500);
          if (status >= 400) {
            // Node's own HTTP parser answers malformed requests (control characters in a header) before Express sees them
            if (headers['content-type']?.startsWith('application/json'))
              expect(JSON.parse(text)).toMatchObject({
                error: { code: expect.any(String), message: expect.any(String) },
              });
            expect(
              await businessSnapshot(db, redis),
              `${request.method} ${request.path} → ${status} changed state`,
            ).toEqual(before);
          }
        }),
        { numRuns: 100 },
      );
    });
  }
});

describe('malformed HTTP', () => {
  const writes = ['/api/v1/balance/users/1/recharge', '/api/v1/reservations', '/api/v1/payment/payments/users/1'];

  it('rejects broken JSON, wrong content types and odd encodings with a 4xx and no state change', async () => {
    // `valid` bodies are unusual but correct (JSON in UTF-16, declared as such): the API may accept them.
    const bodies: { contentType: string; body: Buffer; valid?: boolean }[] = [
      { contentType: 'application/json', body: Buffer.from('{"amount": 10') },
      { contentType: 'application/json', body: Buffer.from('{"amount": 10}}') },
      { contentType: 'application/json', body: Buffer.from([0xff, 0xfe, 0x00, 0x7b]) },
      { contentType: 'application/json', body: Buffer.from('{"amount":10}', 'utf16le') },
      { contentType: 'application/json; charset=utf-16', body: Buffer.from('{"amount":10}', 'utf16le'), valid: true },
      { contentType: 'application/json; charset=klingon', body: Buffer.from('{"amount":10}') },
      { contentType: 'text/plain', body: Buffer.from('amount=10') },
      { contentType: 'application/x-www-form-urlencoded', body: Buffer.from('amount=10') },
      { contentType: 'application/json', body: Buffer.from('"\\ud800"') },
      {
        contentType: 'application/json',
        body: Buffer.from('{"__proto__": {"amount": 10}, "constructor": {"prototype": {"amount": 1}}}'),
      },
      { contentType: 'application/json', body: Buffer.from('['.repeat(5_000) + ']'.repeat(5_000)) },
    ];
    for (const path of writes) {
      for (const { contentType, body, valid } of bodies) {
        const before = await businessSnapshot(db, redis);
        const reply = await sendRaw(baseUrl, 'POST', path, { 'content-type': contentType, 'queue-token': token }, body);
        const what = `${path} ${contentType} ${JSON.stringify(body.subarray(0, 30).toString())} → ${reply.status} ${reply.text.slice(0, 120)}`;
        expect(reply.status, what).toBeLessThan(500);
        if (!valid) expect(reply.status, what).toBeGreaterThanOrEqual(400);
        if (reply.status >= 400) expect(await businessSnapshot(db, redis), what).toEqual(before);
      }
    }
  });

  it('refuses an oversized body with 413 before reading it all', async () => {
    const huge = Buffer.alloc(5 * 1024 * 1024, 'a');
    for (const path of writes) {
      const reply = await sendRaw(
        baseUrl,
        'POST',
        path,
        { 'content-type': 'application/json', 'queue-token': token },
        Buffer.concat([Buffer.from('{"amount":"'), huge, Buffer.from('"}')]),
      );
      expect(reply.status).toBe(413);
    }
  });

  it('refuses oversized headers and URLs with a 4xx', async () => {
    const longToken = await sendRaw(baseUrl, 'GET', '/api/v1/concerts', { 'queue-token': 'x'.repeat(64 * 1024) });
    expect(longToken.status).toBe(431);
    const longUrl = await sendRaw(baseUrl, 'GET', `/api/v1/balance/users/${'9'.repeat(100_000)}`, {});
    expect([414, 431, 400, 404]).toContain(longUrl.status);
  });
});

// Security properties of the reference API, each proved by a refusal: queue tokens are unguessable,
// expire and are bound to their user; the admin surface is absent unless configured, loopback-only and
// token-checked; secrets never reach the logs.
import { readdirSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN_HEADER, AdminRoutes } from '../../reference-api/src/admin-contract.ts';
import { startTestStack, type TestStack } from '../../cli/stack/test-stack.ts';
import { startExtraApi, type ExtraApi } from './extra-api.ts';
import { sendRaw } from './http-helpers.ts';

const TOKEN_TTL_SECONDS = 10;
/** a password the stack's trust-auth PostgreSQL ignores, so it can only ever appear in a log by leaking */
const CANARY_PASSWORD = 'canary-pw-7f3a9c1e';
const QUEUE_TOKEN_FORMAT = /^v1\.(\d+)\.([0-9a-z]+)\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{43})$/;

const nonLoopbackAddress = Object.values(networkInterfaces())
  .flat()
  .find((address) => address && address.family === 'IPv4' && !address.internal)?.address;

let stack: TestStack;
let baseUrl: string;
let publicApi: ExtraApi;
let unconfiguredApi: ExtraApi;
const issuedTokens: string[] = [];

async function takeToken(userId: number): Promise<string> {
  const response = await fetch(`${baseUrl}/api/v1/queue/users/${userId}`, { method: 'POST' });
  expect(response.status).toBeLessThan(300);
  const { token } = (await response.json()) as { token: string };
  issuedTokens.push(token);
  return token;
}

beforeAll(async () => {
  stack = await startTestStack({
    apiWorkers: 1,
    seedSizes: { users: 200, concerts: 1, schedules: 2, seats: 30 },
    env: { TOKEN_TTL_SECONDS: String(TOKEN_TTL_SECONDS), LOG_LEVEL: 'trace' },
  });
  baseUrl = stack.state.api.url;
  const canaryUrl = new URL(stack.state.postgres.url);
  canaryUrl.password = CANARY_PASSWORD;
  publicApi = await startExtraApi(stack.state, 'public', {
    HOST: '0.0.0.0',
    DATABASE_URL: canaryUrl.toString(),
    LOG_LEVEL: 'trace',
  });
  unconfiguredApi = await startExtraApi(stack.state, 'no-admin', { ADMIN_TOKEN: '' });
});

afterAll(async () => {
  await publicApi?.stop();
  await unconfiguredApi?.stop();
  await stack?.stop();
});

describe('queue tokens', () => {
  it('have the documented format with a 96-bit random nonce and a 256-bit MAC', async () => {
    const tokens = await Promise.all(Array.from({ length: 100 }, (_, index) => takeToken(index + 1)));
    const nonces = tokens.map((token) => {
      const match = QUEUE_TOKEN_FORMAT.exec(token);
      expect(match, token).not.toBeNull();
      return Buffer.from(match?.[3] ?? '', 'base64url');
    });
    expect(new Set(tokens).size).toBe(100);
    // 9,600 nonce bits from a CSPRNG: the share of ones sits within a few standard deviations (0.5 %) of half
    const bits = nonces.flatMap((nonce) =>
      [...nonce].flatMap((byte) => Array.from({ length: 8 }, (_, bit) => (byte >> bit) & 1)),
    );
    const ones = bits.reduce((sum: number, bit) => sum + bit, 0) / bits.length;
    expect(ones).toBeGreaterThan(0.47);
    expect(ones).toBeLessThan(0.53);
  });

  it('the same user gets the same token back', async () => {
    expect(await takeToken(150)).toBe(await takeToken(150));
  });

  it('refuses a missing, literal, forged or tampered token with 401', async () => {
    const genuine = await takeToken(151);
    const [version, user, issued, nonce, mac] = genuine.split('.');
    const flip = (text: string) => (text.startsWith('A') ? `B${text.slice(1)}` : `A${text.slice(1)}`);
    const refused = [
      undefined,
      'token',
      '',
      `${version}.${user}.${issued}.${flip(nonce ?? '')}.${mac}`,
      `${version}.${user}.${issued}.${nonce}.${flip(mac ?? '')}`,
      `${version}.152.${issued}.${nonce}.${mac}`,
      `${genuine}x`,
    ];
    for (const value of refused) {
      const response = await fetch(`${baseUrl}/api/v1/concerts`, {
        headers: value === undefined ? {} : { 'queue-token': value },
      });
      expect(response.status, `QUEUE-TOKEN ${JSON.stringify(value)}`).toBe(401);
      const status = await fetch(`${baseUrl}/api/v1/queue/status`, {
        headers: value === undefined ? {} : { 'queue-token': value },
      });
      expect(status.status, `status with ${JSON.stringify(value)}`).toBe(401);
    }
  });

  it("refuses someone else's token with 403 and changes nothing", async () => {
    const mine = await takeToken(160);
    const reserve = await fetch(`${baseUrl}/api/v1/reservations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'queue-token': mine },
      body: JSON.stringify({ userId: 161, concertId: 1, scheduleId: 1, seatIds: [1] }),
    });
    expect(reserve.status).toBe(403);
    const seats = await fetch(`${baseUrl}/api/v1/concerts/1/schedules/1/seats`, { headers: { 'queue-token': mine } });
    const list = (await seats.json()) as { seatNo?: number; id?: number; available: boolean }[];
    expect(list.every((seat) => seat.available)).toBe(true);
    const pay = await fetch(`${baseUrl}/api/v1/payment/payments/users/161`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'queue-token': mine },
      body: JSON.stringify({ reservationIds: [1] }),
    });
    expect(pay.status).toBe(403);
  });

  it(`expires after TOKEN_TTL_SECONDS (${TOKEN_TTL_SECONDS} s here)`, async () => {
    const token = await takeToken(170);
    expect((await fetch(`${baseUrl}/api/v1/queue/status`, { headers: { 'queue-token': token } })).status).toBe(200);
    await sleep((TOKEN_TTL_SECONDS + 2) * 1000);
    expect((await fetch(`${baseUrl}/api/v1/queue/status`, { headers: { 'queue-token': token } })).status).toBe(401);
    expect((await fetch(`${baseUrl}/api/v1/concerts`, { headers: { 'queue-token': token } })).status).toBe(401);
  }, 60_000);
});

describe('admin surface', () => {
  const adminState = (url: string, headers: Record<string, string> = {}) =>
    fetch(`${url}${AdminRoutes.state}`, { headers });

  it('answers on loopback with the right token', async () => {
    const response = await adminState(baseUrl, { [ADMIN_TOKEN_HEADER]: stack.state.api.adminToken });
    expect(response.status).toBe(200);
  });

  it('refuses a missing or wrong token, and a token sent anywhere but its header', async () => {
    const token = stack.state.api.adminToken;
    const attempts: [string, Record<string, string>][] = [
      [baseUrl, {}],
      [baseUrl, { [ADMIN_TOKEN_HEADER]: 'wrong-token-wrong-token' }],
      [baseUrl, { [ADMIN_TOKEN_HEADER]: token.slice(0, -1) }],
      [baseUrl, { [ADMIN_TOKEN_HEADER]: `${token} x` }],
      [baseUrl, { authorization: `Bearer ${token}` }],
      [baseUrl, { cookie: `${ADMIN_TOKEN_HEADER}=${token}` }],
    ];
    for (const [url, headers] of attempts) {
      const response = await adminState(url, headers);
      expect([401, 403], JSON.stringify(headers)).toContain(response.status);
    }
    expect([401, 403]).toContain((await fetch(`${baseUrl}${AdminRoutes.state}?token=${token}`)).status);
    const write = await fetch(`${baseUrl}${AdminRoutes.leak}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ enabled: true }),
    });
    expect([401, 403]).toContain(write.status);
    const state = (await (await adminState(baseUrl, { [ADMIN_TOKEN_HEADER]: token })).json()) as {
      leak: { enabled: boolean };
    };
    expect(state.leak.enabled).toBe(false);
  });

  it('is 404 on every admin route when no admin token is configured', async () => {
    for (const route of Object.values(AdminRoutes)) {
      for (const method of ['GET', 'POST']) {
        const response = await sendRaw(
          `http://127.0.0.1:${unconfiguredApi.port}`,
          method,
          route,
          { [ADMIN_TOKEN_HEADER]: stack.state.api.adminToken, 'content-type': 'application/json' },
          Buffer.from('{}'),
        );
        expect(response.status, `${method} ${route}`).toBe(404);
      }
    }
  });

  it.runIf(nonLoopbackAddress !== undefined)(
    `refuses callers from a non-loopback address (${nonLoopbackAddress ?? 'none on this machine'}) even with the token`,
    async () => {
      const publicUrl = `http://${nonLoopbackAddress}:${publicApi.port}`;
      // the API itself is reachable there …
      expect((await fetch(`${publicUrl}/health`)).status).toBe(200);
      // … but not its admin surface, whatever the request claims about its origin
      const spoofs: Record<string, string>[] = [
        {},
        { 'x-forwarded-for': '127.0.0.1' },
        { forwarded: 'for=127.0.0.1', 'x-real-ip': '127.0.0.1', host: 'localhost' },
      ];
      for (const headers of spoofs) {
        const response = await adminState(publicUrl, { [ADMIN_TOKEN_HEADER]: stack.state.api.adminToken, ...headers });
        expect([403, 404], JSON.stringify(headers)).toContain(response.status);
      }
      // while the same process still serves it on loopback
      expect(
        (await adminState(`http://127.0.0.1:${publicApi.port}`, { [ADMIN_TOKEN_HEADER]: stack.state.api.adminToken }))
          .status,
      ).toBe(200);
    },
  );
});

describe('logs', () => {
  it('never contain the admin token, the database password or a queue token', async () => {
    // provoke the paths most likely to log a secret: errors, refusals, admin calls
    await fetch(`${baseUrl}${AdminRoutes.state}`, { headers: { [ADMIN_TOKEN_HEADER]: 'wrong-token-wrong-token' } });
    await fetch(`${baseUrl}${AdminRoutes.cacheBypass}`, {
      method: 'POST',
      headers: { [ADMIN_TOKEN_HEADER]: stack.state.api.adminToken, 'content-type': 'application/json' },
      body: '{"enabled": "yes"}',
    });
    await fetch(`http://127.0.0.1:${publicApi.port}/api/v1/concerts`, {
      headers: { 'queue-token': issuedTokens[0] ?? 'none' },
    });
    await sleep(500);
    const logsDir = join(stack.state.stateDir, 'logs');
    const logs = readdirSync(logsDir).map((name) => ({ name, text: readFileSync(join(logsDir, name), 'utf8') }));
    expect(logs.map((log) => log.name)).toEqual(expect.arrayContaining(['api.log', 'api-public.log']));
    expect(issuedTokens.length).toBeGreaterThan(50);
    const secrets = [stack.state.api.adminToken, CANARY_PASSWORD, ...issuedTokens];
    for (const { name, text } of logs) {
      for (const secret of secrets)
        expect(text.includes(secret), `${name} contains a secret (${secret.slice(0, 12)}…)`).toBe(false);
    }
  });
});

// Each fault against a real stack: it really breaks what it says, recover really mends it, and a fault
// outlives neither its deadline nor what the stack owns.
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient } from '../stack/admin-client.ts';
import { pingRedis } from '../stack/services.ts';
import { readStackState } from '../stack/state-file.ts';
import { startTestStack, type TestStack } from '../stack/test-stack.ts';
import type { StackState } from '../shared/stack-state.ts';
import { faultContext, injectFault, recoverFault } from './engine.ts';
import { readFaults } from './active-faults.ts';
import type { FaultContext } from './types.ts';

let stack: TestStack;
const fresh = (): StackState => readStackState(stack.state.stateDir) ?? stack.state;
/** a context read from the state file now: restarts (Redis, API) change PIDs */
const context = (): FaultContext => ({ state: fresh(), stateDir: stack.state.stateDir });

beforeAll(async () => {
  stack = await startTestStack({ env: { QUEUE_ACTIVE_CAPACITY: '5', QUEUE_ADMIT_PER_SECOND: '1', LOG_LEVEL: 'warn' } });
  expect((await faultContext(stack.state.stateDir)).stateDir).toBe(stack.state.stateDir);
});

afterAll(async () => {
  await stack?.stop();
});

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${fresh().api.url}/api/v1${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
}

async function faultSessions(state: StackState): Promise<number> {
  const client = new pg.Client({ connectionString: state.postgres.url });
  await client.connect();
  try {
    return (
      (
        await client.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'loadctl-fault'",
        )
      ).rows[0]?.n ?? 0
    );
  } finally {
    await client.end();
  }
}

describe('redis-kill', () => {
  it('kills the stack redis-server and brings it back on the same port', async () => {
    const before = fresh().redis;
    await injectFault(context(), 'redis-kill', { durationS: 60 });
    expect(await pingRedis(before.url).catch(() => false)).toBe(false);
    expect(() => process.kill(before.pid as number, 0)).toThrow();
    // idempotent: a second inject reports the active fault instead of acting again
    expect((await injectFault(context(), 'redis-kill', { durationS: 60 })).alreadyActive).toBe(true);
    await recoverFault(context(), 'redis-kill');
    expect(await pingRedis(before.url)).toBe(true);
    expect(fresh().redis.port).toBe(before.port);
    expect(fresh().redis.pid).not.toBe(before.pid);
    expect(await readFaults(stack.state.stateDir)).toEqual([]);
  });

  it('recovers by itself at its deadline', async () => {
    await injectFault(context(), 'redis-kill', { durationS: 2 });
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && (await readFaults(stack.state.stateDir)).length > 0) await sleep(250);
    expect(await readFaults(stack.state.stateDir)).toEqual([]);
    expect(await pingRedis(fresh().redis.url)).toBe(true);
  });

  it('refuses a Redis the stack did not start', async () => {
    const foreign: FaultContext = { ...context(), state: { ...fresh(), redis: { ...fresh().redis, owned: false } } };
    await expect(injectFault(foreign, 'redis-kill', { durationS: 10 })).rejects.toThrow(/not started by loadctl/);
  });
});

describe('db-saturate', () => {
  it('locks mode blocks writes to hot rows until recover terminates the sessions', async () => {
    await injectFault(context(), 'db-saturate', { mode: 'locks', durationS: 60 });
    const client = new pg.Client({ connectionString: fresh().postgres.url });
    await client.connect();
    try {
      await client.query("SET lock_timeout = '300ms'");
      await expect(client.query('UPDATE users SET balance = balance WHERE id = 1')).rejects.toThrow(/lock/);
      await recoverFault(context(), 'db-saturate');
      expect(await faultSessions(fresh())).toBe(0);
      await client.query('UPDATE users SET balance = balance WHERE id = 1');
    } finally {
      await client.end();
    }
  });

  it('cpu and pool modes hold their sessions, and recover cancels every one', async () => {
    await injectFault(context(), 'db-saturate', { mode: 'cpu', durationS: 60, params: { connections: '2' } });
    expect(await faultSessions(fresh())).toBe(2);
    await recoverFault(context(), 'db-saturate');
    expect(await faultSessions(fresh())).toBe(0);

    await injectFault(context(), 'db-saturate', { mode: 'pool', durationS: 60 });
    expect(await faultSessions(fresh())).toBeGreaterThan(100);
    await recoverFault(context(), 'db-saturate');
    expect(await faultSessions(fresh())).toBe(0);
  });
});

describe('queue-corrupt', () => {
  async function positions(tokens: Map<number, string>): Promise<Map<number, number | string>> {
    const out = new Map<number, number | string>();
    for (const [userId, token] of tokens) {
      const body = (await (await api('/queue/status', { headers: { 'QUEUE-TOKEN': token } })).json()) as {
        status?: string;
        position?: number;
      };
      out.set(userId, body.position ?? body.status ?? 'gone');
    }
    return out;
  }

  it.each(['reorder', 'drop', 'expire'])(
    '%s: restore gives every waiting user their original position',
    async (mode) => {
      const admin = adminClient(fresh());
      await admin.staticQueue({ enabled: true });
      try {
        const tokens = new Map<number, string>();
        for (let userId = 100; userId < 200; userId++) {
          const body = (await (await api(`/queue/users/${userId}`, { method: 'POST' })).json()) as { token: string };
          tokens.set(userId, body.token);
        }
        const before = await positions(tokens);
        expect([...before.values()].filter((position) => typeof position === 'number').length).toBeGreaterThan(90);
        await injectFault(context(), 'queue-corrupt', { mode, durationS: 60 });
        expect(await positions(tokens)).not.toEqual(before);
        await recoverFault(context(), 'queue-corrupt');
        expect(await positions(tokens)).toEqual(before);
      } finally {
        await admin.staticQueue({ enabled: false });
      }
    },
  );
});

describe('network', () => {
  it('on a stack without toxiproxy, names the one command that fixes it, and recover is a no-op', async () => {
    await expect(injectFault(context(), 'network', { durationS: 10 })).rejects.toMatchObject({
      message: /nothing to degrade/,
      fix: /loadctl fault proxy on/,
    });
    expect(await readFaults(stack.state.stateDir)).toEqual([]);
    expect((await recoverFault(context(), 'network')).summary).toMatch(/no toxic to remove/);
  });
});

describe('memory-leak', () => {
  it('grows memory under traffic; recover restarts the workers without a failed request', async () => {
    const rss = async (): Promise<number> => {
      const text = await (await fetch(`${fresh().api.url}/metrics`)).text();
      return Number(/^api_leak_retained_bytes (\S+)/m.exec(text)?.[1] ?? 0);
    };
    await injectFault(context(), 'memory-leak', { durationS: 60, params: { 'bytes-per-request': '1000000' } });
    for (let i = 0; i < 40; i++) await (await api('/balance/users/1')).text();
    expect(await rss()).toBeGreaterThan(20_000_000);

    // light load all through the rolling restart: every request must succeed
    let stop = false;
    let sent = 0;
    const failures: string[] = [];
    const load = (async () => {
      while (!stop) {
        sent++;
        try {
          const response = await fetch(`${fresh().api.url}/api/v1/balance/users/1`, {
            signal: AbortSignal.timeout(10_000),
          });
          await response.text();
          if (response.status !== 200) failures.push(String(response.status));
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
    })();
    await recoverFault(context(), 'memory-leak');
    stop = true;
    await load;
    expect(sent).toBeGreaterThan(20);
    expect(failures).toEqual([]);
    expect(await rss()).toBeLessThan(5_000_000);
  });
});

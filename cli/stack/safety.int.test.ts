// No loadctl command can stop the machine's shared Redis/PostgreSQL (or any process it did not start),
// whatever the state file says; a stale stack is detected and replaced by `up`.
import { execa } from 'execa';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../shared/ports.ts';
import { isAlive } from './processes.ts';
import { down, status, up } from './lifecycle.ts';
import { restartRedis } from './extras.ts';
import type { StackState } from '../shared/stack-state.ts';
import { waitUntil } from './test-stack.ts';
import { stateFilePath } from './state-file.ts';

const loadctl = join(import.meta.dirname, '..', '..', 'bin', 'loadctl');

/** The PID of whatever listens on 127.0.0.1:<port> as `program`, found by its title. */
async function listenerPid(program: string, port: number): Promise<number | undefined> {
  const result = await execa('pgrep', ['-f', `${program}.*:${port}`], { reject: false });
  return result.stdout.split('\n').filter(Boolean).map(Number)[0];
}

describe('the machine shared services are out of reach', () => {
  const dirs: string[] = [];
  /** a redis-server started by the test itself, like someone else's: no loadctl marker, own dir */
  let foreignRedis: { pid: number; port: number } | undefined;
  let sharedRedisPid: number;
  let sharedPostgresPid: number | undefined;

  beforeAll(async () => {
    // The real shared instance when the machine has one; otherwise a stand-in this test starts directly.
    const existing = await listenerPid('redis-server', 6379);
    if (existing) {
      sharedRedisPid = existing;
    } else {
      const port = await freePort();
      const child = execa('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', ''], {
        detached: true,
        stdio: 'ignore',
        reject: false,
      });
      foreignRedis = { pid: child.pid as number, port };
      sharedRedisPid = foreignRedis.pid;
      await sleep(300);
    }
    sharedPostgresPid = (await execa('pgrep', ['-o', '-x', 'postgres'], { reject: false })).stdout
      .split('\n')
      .filter(Boolean)
      .map(Number)[0];
  });

  afterAll(() => {
    if (foreignRedis) process.kill(foreignRedis.pid, 'SIGTERM');
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  function craftedState(ports: { redis: number; postgres: number }): StackState {
    const stateDir = mkdtempSync(join(tmpdir(), 'loadctl-crafted-'));
    dirs.push(stateDir);
    const at = new Date().toISOString();
    const state: StackState = {
      version: 1,
      stateDir,
      createdAt: at,
      redis: {
        pid: sharedRedisPid,
        host: '127.0.0.1',
        port: ports.redis,
        url: `redis://127.0.0.1:${ports.redis}`,
        owned: true,
        startedAt: at,
        dataDir: join(stateDir, 'redis'),
      },
      postgres: {
        pid: sharedPostgresPid ?? sharedRedisPid,
        host: '127.0.0.1',
        port: ports.postgres,
        url: `postgres://postgres@127.0.0.1:${ports.postgres}/booking`,
        owned: true,
        startedAt: at,
      },
      api: {
        pid: process.pid,
        host: '127.0.0.1',
        port: 1,
        url: 'http://127.0.0.1:1',
        owned: true,
        startedAt: at,
        adminToken: 'x',
        workers: 1,
      },
    };
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(stateFilePath(stateDir), JSON.stringify(state));
    return state;
  }

  function sharedStillRunning(): void {
    expect(isAlive(sharedRedisPid)).toBe(true);
    if (sharedPostgresPid) expect(isAlive(sharedPostgresPid)).toBe(true);
    expect(isAlive(process.pid)).toBe(true);
  }

  it('refuses outright a state file that claims the shared ports', async () => {
    const state = craftedState({ redis: 6379, postgres: 5432 });
    const result = await execa(loadctl, ['down'], {
      env: { LOADCTL_STATE_DIR: state.stateDir },
      reject: false,
      all: true,
    });
    expect(result.exitCode).toBe(2);
    expect(result.all).toMatch(/refusing to stop .*shared instance/);
    await expect(restartRedis(state)).rejects.toThrow(/shared instance/);
    sharedStillRunning();
  });

  it('signals nothing when the recorded PIDs are not processes it started', async () => {
    const state = craftedState({ redis: await freePort(), postgres: await freePort() });
    const report = await status(state.stateDir);
    expect(report.services.every((service) => !service.running && !service.healthy)).toBe(true);

    // up sees a stale stack, "cleans" it without touching the foreign PIDs, and would start its own.
    const result = await execa(loadctl, ['down', '--json'], {
      env: { LOADCTL_STATE_DIR: state.stateDir },
      reject: false,
      all: true,
    });
    expect(result.exitCode, result.all).toBe(0);
    const stopped = JSON.parse(result.stdout) as {
      stopped: { wasRunning: boolean; killed: number[] }[];
      leftovers: number[];
    };
    expect(stopped.stopped.every((service) => !service.wasRunning && service.killed.length === 0)).toBe(true);
    expect(stopped.leftovers).toEqual([]);
    sharedStillRunning();
    if (foreignRedis)
      expect(await execa('redis-cli', ['-p', String(foreignRedis.port), 'ping'], { reject: false })).toMatchObject({
        stdout: 'PONG',
      });
  });

  it('uses external Redis/PostgreSQL given by URL and never stops them', async () => {
    const [ownerDir, userDir] = [
      mkdtempSync(join(tmpdir(), 'loadctl-owner-')),
      mkdtempSync(join(tmpdir(), 'loadctl-user-')),
    ];
    dirs.push(ownerDir, userDir);
    try {
      const owner = await up({ stateDir: ownerDir, withApi: false });
      const user = await up({
        stateDir: userDir,
        withApi: false,
        redisUrl: owner.redis.url,
        databaseUrl: owner.postgres.url,
      });
      expect([user.redis.owned, user.postgres.owned, user.redis.pid, user.postgres.pid]).toEqual([
        false,
        false,
        undefined,
        undefined,
      ]);
      expect(
        (await status(userDir)).services
          .filter((service) => service.name !== 'api')
          .every((service) => service.healthy),
      ).toBe(true);
      const result = await down(userDir);
      // it stops only what it started itself: its monitoring, never the Redis and PostgreSQL it was given
      expect(result.stopped.map((service) => service.name).sort()).toEqual(
        ['postgresExporter', 'prometheus', 'redisExporter'].sort(),
      );
      expect(isAlive(owner.redis.pid as number) && isAlive(owner.postgres.pid as number)).toBe(true);
    } finally {
      await down(ownerDir);
    }
  });

  it('up replaces a stale stack (redis kill -9) and stops unrecorded leftovers of a crashed start-up', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'loadctl-stale-'));
    dirs.push(stateDir);
    try {
      const first = await up({ stateDir, withApi: false });
      process.kill(first.redis.pid as number, 'SIGKILL');
      // A crash leaves a dead PID; SIGKILL is asynchronous, and a process still tearing itself down is
      // alive but no longer recognisable as ours (CI once saw exactly that), so wait for the death.
      await waitUntil('the killed redis-server has exited', () => !isAlive(first.redis.pid as number), 10_000);
      const lines: string[] = [];
      const second = await up({ stateDir, withApi: false, onProgress: (line) => lines.push(line) });
      expect(lines.join('\n')).toMatch(/stale or incomplete \(redis: not running/);
      expect(second.redis.pid).not.toBe(first.redis.pid);
      expect(second.postgres.pid).not.toBe(first.postgres.pid);
      expect(isAlive(first.postgres.pid as number)).toBe(false);
      expect(JSON.parse(readFileSync(stateFilePath(stateDir), 'utf8'))).toMatchObject({
        redis: { pid: second.redis.pid },
      });

      // A start-up that died before writing its state file leaves unrecorded processes: the next up stops them.
      rmSync(stateFilePath(stateDir));
      lines.length = 0;
      const third = await up({ stateDir, withApi: false, onProgress: (line) => lines.push(line) });
      expect(lines.join('\n')).toMatch(/stopping \d+ leftover process/);
      expect([second.redis.pid, second.postgres.pid].some((pid) => isAlive(pid as number))).toBe(false);
      expect(isAlive(third.redis.pid as number)).toBe(true);
    } finally {
      await down(stateDir);
    }
  });
});

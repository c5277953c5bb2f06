// loadctl acts only on what it owns: faults refuse processes and services the stack did not start (even
// when a state file is crafted to point at them), and `run` sends no load to a non-loopback address
// unless --allow-remote is given.
import { execa, type ResultPromise } from 'execa';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../cli/shared/exit-codes.ts';
import { freePort } from '../../cli/shared/ports.ts';
import { isAlive } from '../../cli/stack/processes.ts';
import { writeStackState } from '../../cli/stack/state-file.ts';
import type { StackState } from '../../cli/shared/stack-state.ts';

const loadctl = join(import.meta.dirname, '..', '..', 'bin', 'loadctl');
const nonLoopbackAddress = Object.values(networkInterfaces())
  .flat()
  .find((address) => address && address.family === 'IPv4' && !address.internal)?.address;

function runLoadctl(args: string[], env: Record<string, string> = {}) {
  return execa(loadctl, args, { reject: false, env: { NO_COLOR: '1', ...env }, timeout: 60_000 });
}

function expectOneLineRefusal(result: { exitCode?: number; stderr: string }) {
  expect(result.exitCode).not.toBe(ExitCode.ok);
  expect(result.stderr).not.toMatch(/^\s+at\s/m);
  expect(
    result.stderr
      .trim()
      .split('\n')
      .filter((line) => line.startsWith('error:')),
  ).toHaveLength(1);
}

describe('faults refuse targets the stack did not start', () => {
  let foreignRedis: ResultPromise;
  let foreignPort: number;
  let foreignDir: string;
  let stateDir: string;

  /** A state file that claims `redis` (and the rest) for this state dir. */
  function craftState(redis: Partial<StackState['redis']>): void {
    const now = new Date().toISOString();
    const service = {
      host: '127.0.0.1',
      port: foreignPort,
      url: `redis://127.0.0.1:${foreignPort}`,
      owned: true,
      startedAt: now,
    };
    writeStackState({
      version: 1,
      stateDir,
      createdAt: now,
      redis: { ...service, ...redis },
      postgres: { ...service, port: 1, url: 'postgres://postgres@127.0.0.1:1/booking', owned: false },
      api: { ...service, port: 1, url: 'http://127.0.0.1:1', owned: false, adminToken: 'x'.repeat(32), workers: 1 },
    });
  }

  // a redis-server loadctl did not start: the stand-in for the machine's shared instance (started again if a test killed it)
  beforeEach(async () => {
    if (foreignRedis?.pid !== undefined && isAlive(foreignRedis.pid)) return;
    foreignPort = await freePort();
    foreignRedis = execa('redis-server', ['--port', String(foreignPort), '--save', '', '--appendonly', 'no'], {
      cwd: foreignDir,
      reject: false,
    });
    await new Promise((resolve) => foreignRedis.once('spawn', resolve));
  });

  beforeAll(() => {
    foreignDir = mkdtempSync(join(tmpdir(), 'foreign-redis-'));
    stateDir = mkdtempSync(join(tmpdir(), 'loadctl-crafted-'));
    mkdirSync(join(stateDir, 'logs'), { recursive: true });
  });

  afterAll(() => {
    foreignRedis?.kill('SIGTERM');
    rmSync(stateDir, { recursive: true, force: true });
    rmSync(foreignDir, { recursive: true, force: true });
  });

  it('redis-kill refuses a Redis the state file marks as external', async () => {
    craftState({ pid: foreignRedis.pid, owned: false });
    expectOneLineRefusal(
      await runLoadctl(['fault', 'inject', 'redis-kill', '--duration', '5'], { LOADCTL_STATE_DIR: stateDir }),
    );
    expect(isAlive(foreignRedis.pid ?? 0)).toBe(true);
  });

  it("redis-kill refuses a redis-server that is not the stack's, even when the state file claims it", async () => {
    craftState({ pid: foreignRedis.pid, owned: true, dataDir: join(stateDir, 'redis') });
    expectOneLineRefusal(
      await runLoadctl(['fault', 'inject', 'redis-kill', '--duration', '5'], { LOADCTL_STATE_DIR: stateDir }),
    );
    expect(isAlive(foreignRedis.pid ?? 0)).toBe(true);
  });

  it("redis-kill refuses a foreign redis-server even when the crafted state file names that server's own working dir as the data dir", async () => {
    craftState({ pid: foreignRedis.pid, owned: true, dataDir: foreignDir });
    const result = await runLoadctl(['fault', 'inject', 'redis-kill', '--duration', '5'], {
      LOADCTL_STATE_DIR: stateDir,
    });
    expect(isAlive(foreignRedis.pid ?? 0), 'a state file pointing at a foreign process made loadctl SIGKILL it').toBe(
      true,
    );
    expectOneLineRefusal(result);
  });

  it('queue-corrupt and db-saturate refuse services the stack did not start', async () => {
    craftState({ pid: foreignRedis.pid, owned: false });
    expectOneLineRefusal(
      await runLoadctl(['fault', 'inject', 'queue-corrupt', '--duration', '5'], { LOADCTL_STATE_DIR: stateDir }),
    );
    expectOneLineRefusal(
      await runLoadctl(['fault', 'inject', 'db-saturate', '--duration', '5'], { LOADCTL_STATE_DIR: stateDir }),
    );
    expect(isAlive(foreignRedis.pid ?? 0)).toBe(true);
  });
});

describe('load goes to loopback only', () => {
  let listener: Server;
  let port: number;
  let connections = 0;

  beforeAll(async () => {
    listener = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '0.0.0.0', resolve));
    port = (listener.address() as { port: number }).port;
  });

  afterAll(() => {
    listener?.close();
  });

  const remoteTargets = () => [
    ...(nonLoopbackAddress ? [`http://${nonLoopbackAddress}:${port}`] : []),
    `http://10.255.255.1:${port}`,
    `http://[fd00::1]:${port}`,
    `http://0.0.0.0:${port}`,
  ];

  it('refuses every non-loopback --target without --allow-remote, sends nothing and writes no run', async () => {
    const reportsDir = mkdtempSync(join(tmpdir(), 'loadctl-reports-'));
    try {
      for (const target of remoteTargets()) {
        const result = await runLoadctl([
          'run',
          'smoke',
          '--workload',
          'concerts',
          '--target',
          target,
          '--dir',
          reportsDir,
        ]);
        expect(result.exitCode, target).toBe(ExitCode.badInput);
        expectOneLineRefusal(result);
        expect(result.stderr).toContain('--allow-remote');
      }
      expect(connections).toBe(0);
      expect(readdirSync(reportsDir)).toEqual([]);
    } finally {
      rmSync(reportsDir, { recursive: true, force: true });
    }
  });
});

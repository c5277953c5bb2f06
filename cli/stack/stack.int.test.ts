// The real stack on free ports: every process healthy (Prometheus and its targets too), `up` idempotent, the
// on-demand extras work, and `loadctl down` after a `kill -9` leaves no process of any recorded group.
import { execa } from 'execa';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusClient } from '../observe/prometheus-api.ts';
import { adminClient } from './admin-client.ts';
import { isInRecovery, pingPostgres } from './postgres.ts';
import { isAlive, isOurProcess } from './processes.ts';
import { identityOf } from './layout.ts';
import { pingRedis } from './services.ts';
import { readStackState } from './state-file.ts';
import { restartRedis, startReplica, startToxiproxy, stopReplica } from './extras.ts';
import { status, up } from './lifecycle.ts';
import type { StackState } from '../shared/stack-state.ts';
import { startTestStack, waitUntil, type TestStack } from './test-stack.ts';

const loadctl = join(import.meta.dirname, '..', '..', 'bin', 'loadctl');
const ALERT_RULES =
  'groups:\n  - name: test\n    rules:\n      - alert: ApiDown\n        expr: up{job="api"} == 0\n        for: 5s\n';

/**
 * PIDs still running in the process group a recorded PID leads (pgrep -g), the leader included. Zombies
 * do not count: a killed orphan stays one until init gets round to reaping it.
 */
async function groupAlive(pid: number): Promise<number[]> {
  const result = await execa('pgrep', ['-g', String(pid)], { reject: false });
  return result.stdout.split('\n').filter(Boolean).map(Number).filter(isAlive);
}

function recordedPids(state: StackState): number[] {
  const services = [
    state.redis,
    state.postgres,
    state.api,
    state.replica,
    state.toxiproxy,
    state.prometheus,
    state.redisExporter,
    state.postgresExporter,
  ];
  return services.flatMap((service) => (service?.pid ? [service.pid] : []));
}

describe('embedded stack', () => {
  let stack: TestStack;
  let upSeconds: number;

  beforeAll(async () => {
    const started = Date.now();
    stack = await startTestStack({ alertRules: ALERT_RULES });
    upSeconds = (Date.now() - started) / 1000;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('starts redis-server, PostgreSQL and the API on free ports, all healthy', async () => {
    console.info(`stack up in ${upSeconds.toFixed(1)} s`);
    const { state } = stack;
    for (const service of [state.redis, state.postgres, state.api]) {
      expect(service.owned).toBe(true);
      expect([6379, 5432]).not.toContain(service.port);
    }
    const report = await status(state.stateDir);
    expect(report.services.map((service) => [service.name, service.healthy, service.running])).toEqual([
      ['postgres', true, true],
      ['redis', true, true],
      ['api', true, true],
      ['postgresExporter', true, true],
      ['redisExporter', true, true],
      ['prometheus', true, true],
    ]);
    for (const pid of recordedPids(state)) expect(await groupAlive(pid)).toContain(pid);
    const ready = await fetch(`${state.api.url}/health/ready`);
    expect(ready.status).toBe(200);
  });

  it('Prometheus scrapes the API and both exporters, every target healthy, and has loaded the alert rules', async () => {
    const prometheus = new PrometheusClient(stack.state.prometheus?.url as string);
    await waitUntil(
      'every target scraped and up',
      async () => {
        const targets = await prometheus.targets();
        return targets.length === 3 && targets.every((target) => target.health === 'up');
      },
      15_000,
    );
    expect((await prometheus.targets()).map((target) => target.labels.job).sort()).toEqual([
      'api',
      'postgres',
      'redis',
    ]);
    expect(await prometheus.alertRuleNames()).toEqual(['ApiDown']);
    for (const metric of ['redis_up', 'pg_up', 'api_workers'])
      expect(await prometheus.query(metric), metric).not.toEqual([]);
  });

  it('up again reuses the running stack: same PIDs, same ports', async () => {
    const again = await up({ stateDir: stack.state.stateDir });
    expect(recordedPids(again)).toEqual(recordedPids(stack.state));
    expect(again.api.port).toBe(stack.state.api.port);
  });

  it('the admin client reaches the API with the stack token', async () => {
    const admin = await adminClient(stack.state).state();
    expect(admin.workers).toBe(stack.state.api.workers);
    await expect(adminClient({ api: { ...stack.state.api, adminToken: 'wrong' } }).state()).rejects.toThrow(
      /answered 40[13]/,
    );
  });

  it('restarts a killed Redis on the same port, and adds a streaming replica and toxiproxy on demand', async () => {
    let state = stack.state;
    const oldRedis = state.redis.pid as number;
    process.kill(oldRedis, 'SIGKILL');
    state = await restartRedis(state);
    expect(state.redis.pid).not.toBe(oldRedis);
    expect(state.redis.port).toBe(stack.state.redis.port);
    expect(await pingRedis(state.redis.url)).toBe(true);

    state = await startReplica(state);
    expect(state.replica && (await isInRecovery(state.replica.url))).toBe(true);
    state = await startToxiproxy(state);
    expect((await fetch(`${state.toxiproxy?.url}/version`)).ok).toBe(true);
    expect(readStackState(state.stateDir)).toEqual(state);

    const replicaPid = state.replica?.pid as number;
    state = await stopReplica(state);
    expect(state.replica).toBeUndefined();
    expect(await groupAlive(replicaPid)).toEqual([]);
    stack.state = state;
  });

  it('`loadctl down` after kill -9 of the API primary and the postmaster stops every process of every group', async () => {
    const state = readStackState(stack.state.stateDir) as StackState;
    const pids = recordedPids(state);
    // Orphans are the hard part: a frozen API worker cannot notice its primary died, so it outlives it.
    // The group may also hold tsx's esbuild service (started when its transform cache is cold): not a worker.
    const apiIdentity = identityOf(state.stateDir, 'api');
    const isWorker = (pid: number) => pid !== state.api.pid && isOurProcess(pid, apiIdentity);
    const worker = (await groupAlive(state.api.pid as number)).find(isWorker) as number;
    process.kill(worker, 'SIGSTOP');
    process.kill(state.api.pid as number, 'SIGKILL');
    process.kill(state.postgres.pid as number, 'SIGKILL');
    const result = await execa(loadctl, ['down', '--json'], {
      env: { LOADCTL_STATE_DIR: state.stateDir },
      reject: false,
      all: true,
    });
    expect(result.exitCode, result.all).toBe(0);
    const api = (
      JSON.parse(result.stdout) as {
        stopped: { name: string; wasRunning: boolean; orphans: number[]; killed: number[] }[];
      }
    ).stopped.find((service) => service.name === 'api');
    expect(api).toMatchObject({ wasRunning: false, orphans: expect.arrayContaining([worker]), killed: [worker] });
    for (const pid of pids) expect(await groupAlive(pid)).toEqual([]);
    expect(readStackState(state.stateDir)).toBeUndefined();
    expect(await pingPostgres(state.postgres.url).catch(() => false)).toBe(false);
  });
});

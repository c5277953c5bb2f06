// The stack's on-demand extras, started and stopped after `up` by faults and mitigations: a restart of its
// Redis, a streaming replica of its PostgreSQL, and toxiproxy's server.
import type { StackState } from '../shared/stack-state.ts';
import { waitForPortRelease } from '../shared/ports.ts';
import { resolveToxiproxy } from '../toolchain/tools.ts';
import { serviceStatus } from './health.ts';
import { now, onFreePort } from './launch.ts';
import { layoutOf } from './layout.ts';
import { postgresUrl, startPostgresReplica } from './postgres.ts';
import { startRedis, startToxiproxyServer } from './services.ts';
import { writeStackState } from './state-file.ts';
import { requireOwned, stopService } from './stopping.ts';

/** Stop (if still running) and start the stack's redis-server again: same port, same arguments, empty data. */
export async function restartRedis(state: StackState): Promise<StackState> {
  const redis = requireOwned(state.redis, 'Redis', 'redis-restart');
  await stopService(state.stateDir, 'redis', redis);
  await waitForPortRelease(redis.port);
  const layout = layoutOf(state.stateDir);
  const pid = await startRedis({
    port: redis.port,
    dataDir: redis.dataDir ?? layout.redisDir,
    logFile: redis.logFile ?? layout.logs.redis,
    stateDir: state.stateDir,
  });
  const next: StackState = { ...state, redis: { ...redis, pid, startedAt: now() } };
  writeStackState(next);
  return next;
}

/** A streaming replica of the stack's PostgreSQL (pg_basebackup -R), on its own free port; reused when healthy. */
export async function startReplica(state: StackState): Promise<StackState> {
  const primary = requireOwned(state.postgres, 'PostgreSQL', 'read-replica');
  if (state.replica) {
    const current = await serviceStatus(state.stateDir, 'replica', state.replica);
    if (current.healthy) return state;
    await stopReplica(state);
  }
  const layout = layoutOf(state.stateDir);
  const { pid, port } = await onFreePort(state.stateDir, 'replica', async (port) => ({
    pid: await startPostgresReplica(layout.replica, primary.port, port),
    port,
  }));
  const next: StackState = {
    ...state,
    replica: {
      pid,
      host: '127.0.0.1',
      port,
      url: postgresUrl(port),
      logFile: layout.replica.logFile,
      dataDir: layout.replica.dataDir,
      owned: true,
      startedAt: now(),
    },
  };
  writeStackState(next);
  return next;
}

export async function stopReplica(state: StackState): Promise<StackState> {
  return stopExtra(state, 'replica');
}

/** toxiproxy's server on a free port (its API only; the faults engineer creates the proxies). */
export async function startToxiproxy(state: StackState): Promise<StackState> {
  if (state.toxiproxy) {
    const current = await serviceStatus(state.stateDir, 'toxiproxy', state.toxiproxy);
    if (current.healthy) return state;
    await stopToxiproxy(state);
  }
  const layout = layoutOf(state.stateDir);
  const { path: binary } = await resolveToxiproxy();
  const { pid, port } = await onFreePort(state.stateDir, 'toxiproxy', async (port) => ({
    pid: await startToxiproxyServer({ binary, port, logFile: layout.logs.toxiproxy, stateDir: state.stateDir }),
    port,
  }));
  const next: StackState = {
    ...state,
    toxiproxy: {
      pid,
      host: '127.0.0.1',
      port,
      url: `http://127.0.0.1:${port}`,
      logFile: layout.logs.toxiproxy,
      owned: true,
      startedAt: now(),
    },
  };
  writeStackState(next);
  return next;
}

export async function stopToxiproxy(state: StackState): Promise<StackState> {
  return stopExtra(state, 'toxiproxy');
}

async function stopExtra(state: StackState, name: 'replica' | 'toxiproxy'): Promise<StackState> {
  const service = state[name];
  if (!service) return state;
  await stopService(state.stateDir, name, service);
  const next: StackState = { ...state, [name]: undefined };
  writeStackState(next);
  return next;
}

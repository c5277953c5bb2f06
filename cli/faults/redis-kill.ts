// redis-kill: SIGKILL the stack's redis-server, as a crashed cache server would die. Recover starts it
// again on the same port and warms the catalogue cache through the admin API.
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../shared/errors.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import { adminClient } from '../stack/admin-client.ts';
import { isAlive, isOurProcess } from '../stack/processes.ts';
import { pingRedis } from '../stack/services.ts';
import { identityOf } from '../stack/layout.ts';
import { readStackState } from '../stack/state-file.ts';
import { restartRedis } from '../stack/extras.ts';
import { requireOwned } from '../stack/stopping.ts';
import type { Fault } from './types.ts';

async function redisAnswers(url: string): Promise<boolean> {
  return pingRedis(url).catch(() => false);
}

export const redisKill: Fault = {
  name: 'redis-kill',
  description: "SIGKILL the stack's redis-server (cache and waiting queue gone at once)",
  modes: ['sigkill'],
  defaultMode: 'sigkill',
  runbookId: 'cache-failure',
  drillWorkload: 'seats',
  params: {},

  async inject({ state, stateDir }) {
    const redis = requireOwned(state.redis, 'Redis', 'redis-kill');
    const pid = redis.pid;
    if (pid === undefined || !isOurProcess(pid, identityOf(stateDir, 'redis'))) {
      throw new UserError(
        `PID ${pid ?? '?'} recorded for Redis is not a redis-server this stack started; refusing to signal it.`,
        'check `loadctl status`',
        ExitCode.environment,
      );
    }
    process.kill(pid, 'SIGKILL');
    for (let waited = 0; isAlive(pid) && waited < 5_000; waited += 50) await sleep(50);
    return {
      details: { pid, port: redis.port },
      summary: `killed redis-server PID ${pid} on port ${redis.port} with SIGKILL`,
    };
  },

  async recover({ state, stateDir }) {
    const restarted = !(await redisAnswers(state.redis.url));
    const fresh = restarted ? await restartRedis(readStackState(stateDir) ?? state) : state;
    const warmed = await adminClient(fresh).cacheWarm();
    return `${restarted ? `restarted redis-server (PID ${fresh.redis.pid ?? '?'})` : 'redis-server was already up'}; cache warmed (${warmed.keys} keys)`;
  },

  async observe({ state }) {
    const up = await redisAnswers(state.redis.url);
    return {
      healthy: up,
      detail: up ? `redis answers on port ${state.redis.port}` : `redis does not answer on port ${state.redis.port}`,
    };
  },
};

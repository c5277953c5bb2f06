// db-saturate: overload the stack's PostgreSQL from outside the API, the way a runaway batch job or a
// hot-row pile-up does. The keeper process holds the sessions; every session is tagged
// application_name='loadctl-fault' so recover (and the cancel-queries mitigation) can find exactly them.
//   cpu   — N sessions run CPU-heavy queries back to back, N sized by the cores the database has
//   locks — sessions hold SELECT … FOR UPDATE on every user row and the hot concert's seats (writes wait)
//   pool  — idle-in-transaction sessions take every free connection slot (new connections are refused)
import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { UserError } from '../shared/errors.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import { requireOwned } from '../stack/stopping.ts';
import { intParam } from './params.ts';
import type { ActiveFault, Fault, FaultContext } from './types.ts';
import { withClient } from '../stack/postgres.ts';

export const FAULT_APPLICATION_NAME = 'loadctl-fault';
/** connection slots pool mode leaves free so an operator (and the cancel-queries mitigation) can still connect */
const POOL_HEADROOM = 2;
// A nested loop over two small series: pure CPU, no temp files (one 60-million-row series spilled to disk),
// about 2 s a query, so the runbook's cancel-queries (older than 1 s) finds the offenders.
const CPU_QUERY =
  'SELECT count(*) FROM generate_series(1, 8000) AS a, generate_series(1, 8000) AS b WHERE (a # b) % 7 = 0';
/**
 * CPU-heavy sessions per core of the database's machine (the stack's own PostgreSQL runs on this one). Its
 * backends share PostgreSQL's CPU fairly, so the API's queries get 1/(N+1) of it: 2 sessions on 2 cores
 * only took p95 to 25–35 ms; 4 a core saturates it.
 */
const CPU_SESSIONS_PER_CORE = 4;

async function faultSessionCount(url: string): Promise<number> {
  return withClient(url, async (client) => {
    const result = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1',
      [FAULT_APPLICATION_NAME],
    );
    return result.rows[0]?.n ?? 0;
  });
}

async function openSession(url: string): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: url,
    application_name: FAULT_APPLICATION_NAME,
    connectionTimeoutMillis: 5_000,
  });
  client.on('error', () => undefined);
  await client.connect();
  // the backend notices within a second when the keeper goes away, even in the middle of a query
  await client.query("SET client_connection_check_interval = '1s'");
  return client;
}

/** how many sessions each mode opens */
async function plannedSessions(ctx: FaultContext, fault: ActiveFault): Promise<number> {
  if (fault.mode === 'locks') return 2;
  if (fault.mode === 'cpu') return Number(fault.details.connections);
  return withClient(ctx.state.postgres.url, async (client) => {
    const result = await client.query<{ free: number }>(
      "SELECT (SELECT setting::int FROM pg_settings WHERE name = 'max_connections') - (SELECT count(*)::int FROM pg_stat_activity WHERE backend_type = 'client backend') AS free",
    );
    return Math.max(0, (result.rows[0]?.free ?? 0) - POOL_HEADROOM);
  });
}

async function runSession(client: pg.Client, mode: string, index: number, stop: AbortSignal): Promise<void> {
  if (mode === 'cpu') {
    while (!stop.aborted) await client.query(CPU_QUERY);
    return;
  }
  await client.query('BEGIN');
  if (mode === 'locks') {
    // one session per hot table: every balance write and every reservation on concert 1 waits behind these
    await client.query(
      index === 0
        ? 'SELECT id FROM users ORDER BY id FOR UPDATE'
        : 'SELECT seat_no FROM seats WHERE concert_id = 1 ORDER BY schedule_id, seat_no FOR UPDATE',
    );
  } else {
    await client.query('SELECT 1');
  }
  await sleep(2 ** 31 - 1, undefined, { signal: stop }).catch(() => undefined);
}

export const dbSaturate: Fault = {
  name: 'db-saturate',
  description: 'overload PostgreSQL: CPU-heavy queries, row locks on hot rows, or every connection slot taken',
  modes: ['cpu', 'locks', 'pool'],
  defaultMode: 'cpu',
  runbookId: 'database-overload',
  drillWorkload: 'journey',
  // Locked rows hold each blocked write until the statement timeout (5 s): with the smoke shape's 2 VUs both
  // can wait at once, no /api request finishes in a 5 s window and the API's latency signal has no data.
  // 6 VUs keep requests finishing (one CI drill saw api-latency-high never fire at 2).
  drillScale: 3,
  params: { connections: `cpu mode: sessions running heavy queries (default ${CPU_SESSIONS_PER_CORE} per core)` },

  async inject({ state }, { mode, params }) {
    const postgres = requireOwned(state.postgres, 'PostgreSQL', 'db-saturate');
    const connections = intParam(params, 'connections', availableParallelism() * CPU_SESSIONS_PER_CORE, 1, 50);
    await withClient(postgres.url, async () => undefined).catch((error: Error) => {
      throw new UserError(
        `PostgreSQL at ${postgres.url} does not answer (${error.message}).`,
        'check `loadctl status`',
        ExitCode.environment,
      );
    });
    return {
      details: { connections, url: postgres.url },
      summary: `${mode} saturation of PostgreSQL on port ${postgres.port}`,
    };
  },

  async hold(ctx, fault, stop) {
    const count = await plannedSessions(ctx, fault);
    const sessions: pg.Client[] = [];
    try {
      for (let index = 0; index < count && !stop.aborted; index++)
        sessions.push(await openSession(ctx.state.postgres.url));
      // A session that recover terminates ends with an error: the offender is gone, it does not come back.
      await Promise.allSettled(sessions.map((client, index) => runSession(client, fault.mode, index, stop)));
    } finally {
      await Promise.allSettled(sessions.map((client) => client.end()));
    }
  },

  async ready(ctx, fault) {
    const wanted = fault.mode === 'pool' ? 0 : await plannedSessions(ctx, fault);
    for (let waited = 0; waited < 15_000; waited += 200) {
      const held =
        fault.mode === 'pool'
          ? (await plannedSessions(ctx, fault)) === 0
          : (await faultSessionCount(ctx.state.postgres.url)) >= wanted;
      if (held) return;
      await sleep(200);
    }
    throw new UserError(
      'the db-saturate sessions did not start within 15 s.',
      `read ${ctx.stateDir}/logs/fault-db-saturate.log`,
      ExitCode.environment,
    );
  },

  async recover({ state }) {
    const terminated = await withClient(state.postgres.url, async (client) => {
      const result = await client.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
        [FAULT_APPLICATION_NAME],
      );
      return result.rowCount ?? 0;
    });
    // pg_terminate_backend only signals: wait until the backends are really gone
    for (let waited = 0; waited < 10_000 && (await faultSessionCount(state.postgres.url)) > 0; waited += 100)
      await sleep(100);
    return `terminated ${terminated} PostgreSQL session(s) tagged ${FAULT_APPLICATION_NAME}`;
  },

  async observe({ state }) {
    const sessions = await faultSessionCount(state.postgres.url);
    return { healthy: sessions === 0, detail: `${sessions} session(s) tagged ${FAULT_APPLICATION_NAME}` };
  },
};

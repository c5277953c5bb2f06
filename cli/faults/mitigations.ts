// The mitigations runbooks call (`loadctl mitigate <action>`): each does one real thing to the stack and
// returns one line saying what it did. They are safe to repeat.
import { UserError } from '../shared/errors.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import { adminClient } from '../stack/admin-client.ts';
import { pingRedis } from '../stack/services.ts';
import { restartRedis, startReplica, stopReplica } from '../stack/extras.ts';
import type { StackState } from '../shared/stack-state.ts';
import { requireOwned } from '../stack/stopping.ts';
import { withClient } from '../stack/postgres.ts';

export interface MitigationOptions {
  max?: number;
  factor?: number;
  olderThanS?: number;
  snapshot?: string;
  force?: boolean;
}

export interface Mitigation {
  name: string;
  usage: string;
  description: string;
  run(state: StackState, value: string | undefined, options: MitigationOptions): Promise<string>;
}

function onOff(value: string | undefined, action: string): boolean {
  if (value === 'on' || value === 'off') return value === 'on';
  throw new UserError(`loadctl mitigate ${action} needs "on" or "off".`, `e.g. loadctl mitigate ${action} on`);
}

/**
 * Terminates the offenders: client sessions running one statement, or idle inside a transaction, for longer
 * than the limit — but never a session that is itself waiting for a lock (it is a victim of the offender).
 */
async function cancelLongQueries(state: StackState, olderThanS: number): Promise<string> {
  const postgres = requireOwned(state.postgres, 'PostgreSQL', 'cancel-queries');
  return withClient(postgres.url, async (client) => {
    const result = await client.query<{ pid: number; application_name: string; state: string }>(
      `SELECT pid, application_name, state, pg_terminate_backend(pid) AS terminated
         FROM pg_stat_activity
        WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
          -- a session waiting for a lock is a victim, not an offender: leave it, end what blocks it
          AND coalesce(wait_event_type, '') <> 'Lock'
          AND ((state = 'active' AND now() - query_start > make_interval(secs => $1))
            OR (state LIKE 'idle in transaction%' AND now() - state_change > make_interval(secs => $1)))`,
      [olderThanS],
    );
    const who = [...new Set(result.rows.map((row) => row.application_name || '(no name)'))].join(', ');
    return `terminated ${result.rowCount ?? 0} session(s) busy or idle in a transaction for more than ${olderThanS} s${who ? ` (${who})` : ''}`;
  });
}

export const MITIGATIONS: readonly Mitigation[] = [
  {
    name: 'cache-bypass',
    usage: 'cache-bypass on|off',
    description: 'serve catalogue reads straight from PostgreSQL, skipping Redis (or stop doing so)',
    async run(state, value) {
      const enabled = onOff(value, 'cache-bypass');
      await adminClient(state).cacheBypass({ enabled });
      return `cache bypass ${enabled ? 'on: catalogue reads go to PostgreSQL' : 'off: catalogue reads use the cache again'}`;
    },
  },
  {
    name: 'cache-warm',
    usage: 'cache-warm',
    description: 'load the catalogue into Redis and the in-process caches now',
    async run(state) {
      const { keys } = await adminClient(state).cacheWarm();
      return `cache warmed: ${keys} keys loaded`;
    },
  },
  {
    name: 'redis-restart',
    usage: 'redis-restart [--force]',
    description: "start the stack's redis-server again when it is down (--force: even when up), then warm the cache",
    async run(state, _value, options) {
      const down = !(await pingRedis(state.redis.url).catch(() => false));
      const next = down || options.force ? await restartRedis(state) : state;
      const { keys } = await adminClient(next).cacheWarm();
      return `${down || options.force ? `redis-server restarted (PID ${next.redis.pid ?? '?'})` : 'redis-server was up, not restarted'}; cache warmed with ${keys} keys`;
    },
  },
  {
    name: 'read-replica',
    usage: 'read-replica on|off',
    description: 'start a streaming replica and route catalogue reads to it (off: route back to the primary, stop it)',
    async run(state, value) {
      if (onOff(value, 'read-replica')) {
        const next = await startReplica(state);
        const replicaUrl = next.replica?.url;
        if (!replicaUrl)
          throw new UserError(
            'the replica did not start.',
            'read the replica log in the state dir',
            ExitCode.environment,
          );
        await adminClient(next).readRouting({ replicaUrl });
        return `replica on port ${next.replica?.port} serves catalogue reads`;
      }
      await adminClient(state).readRouting({ replicaUrl: null });
      await stopReplica(state);
      return 'catalogue reads back on the primary; replica stopped';
    },
  },
  {
    name: 'pool-resize',
    usage: 'pool-resize --max N | --factor F',
    description: "resize each API worker's PostgreSQL pool (absolute, or relative to the current size)",
    async run(state, _value, options) {
      const admin = adminClient(state);
      const before = (await admin.state()).poolMax;
      const max = options.max ?? (options.factor ? Math.ceil(before * options.factor) : undefined);
      if (max === undefined)
        throw new UserError(
          'pool-resize needs --max N or --factor F.',
          'e.g. loadctl mitigate pool-resize --factor 1.5',
        );
      await admin.dbPool({ max });
      return `database pool per worker resized from ${before} to ${max}`;
    },
  },
  {
    name: 'cancel-queries',
    usage: 'cancel-queries [--older-than S]',
    description:
      'terminate PostgreSQL sessions busy on one statement, or idle in a transaction, longer than S seconds (default 5); sessions waiting for a lock are spared',
    run: (state, _value, options) => cancelLongQueries(state, options.olderThanS ?? 5),
  },
  {
    name: 'static-queue',
    usage: 'static-queue on|off',
    description: 'freeze the waiting queue: no one is admitted or expired, positions stay as they are',
    async run(state, value) {
      const enabled = onOff(value, 'static-queue');
      await adminClient(state).staticQueue({ enabled });
      return `static queue ${enabled ? 'on: admission and expiry paused' : 'off: admission resumed'}`;
    },
  },
  {
    name: 'queue-restore',
    usage: 'queue-restore [--snapshot ID]',
    description: 'put the waiting queue back as it was in a snapshot (the latest by default)',
    async run(state, _value, options) {
      const { restored, requeued } = await adminClient(state).queueRestore(
        options.snapshot ? { snapshotId: options.snapshot } : {},
      );
      return `waiting queue restored from ${options.snapshot ?? 'the latest snapshot'}: ${restored} user(s) in their original positions, ${requeued} who joined after it back at theirs`;
    },
  },
  {
    name: 'heap-snapshot',
    usage: 'heap-snapshot',
    description: 'write a heap snapshot of one API worker for later analysis',
    async run(state) {
      const { path, bytes } = await adminClient(state).heapSnapshot();
      return `heap snapshot written: ${path} (${Math.round(bytes / 1e6)} MB)`;
    },
  },
  {
    name: 'rolling-restart',
    usage: 'rolling-restart',
    description: 'replace API workers one at a time, each after its successor is ready (no request fails)',
    async run(state) {
      const { restarted } = await adminClient(state).rollingRestart();
      return `rolling restart done: ${restarted} worker(s) replaced`;
    },
  },
  {
    name: 'leak-switch',
    usage: 'leak-switch off',
    description: 'the temporary patch for the memory-leak incident: turn the leaking code path off',
    async run(state, value) {
      const enabled = onOff(value, 'leak-switch');
      await adminClient(state).leak({ enabled });
      return `leaking code path ${enabled ? 'on' : 'off'}`;
    },
  },
];

export function mitigationByName(name: string): Mitigation {
  const found = MITIGATIONS.find((mitigation) => mitigation.name === name);
  if (!found)
    throw new UserError(
      `no mitigation "${name}".`,
      `pick one of: ${MITIGATIONS.map((mitigation) => mitigation.name).join(', ')}`,
    );
  return found;
}

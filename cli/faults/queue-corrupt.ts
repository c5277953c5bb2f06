// queue-corrupt: damage the waiting queue in Redis the way the seed's incident did — order reversed,
// users dropped, or the whole queue expired by a buggy cleanup job. The API's own queue snapshot is
// taken first, and recover restores it, so every waiting user gets their original position back.
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { UserError } from '../shared/errors.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import { adminClient } from '../stack/admin-client.ts';
import { QueueKeys } from '../../reference-api/src/store/queue-keys.ts';
import { requireOwned } from '../stack/stopping.ts';
import { intParam } from './params.ts';
import type { Fault } from './types.ts';

async function withRedis<T>(url: string, run: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    connectTimeout: 2_000,
  });
  redis.on('error', () => undefined);
  await redis.connect();
  try {
    return await run(redis);
  } finally {
    redis.disconnect();
  }
}

/** a fingerprint of the queue's order, so `status` can tell whether it is back as it was */
function orderHash(members: string[]): string {
  return createHash('sha256').update(members.join('\n')).digest('hex').slice(0, 16);
}

export const queueCorrupt: Fault = {
  name: 'queue-corrupt',
  description: 'corrupt the Redis waiting queue: reverse its order, drop users, or expire it whole',
  modes: ['reorder', 'drop', 'expire'],
  defaultMode: 'reorder',
  runbookId: 'queue-malfunction',
  drillWorkload: 'queue',
  params: { percent: 'drop mode: share of waiting users dropped (default 50)' },

  async inject({ state }, { mode, params }) {
    const redis = requireOwned(state.redis, 'Redis', 'queue-corrupt');
    const percent = intParam(params, 'percent', 50, 1, 100);
    const { snapshotId, entries } = await adminClient(state).queueSnapshot();
    return withRedis(redis.url, async (client) => {
      const flat = await client.zrange(QueueKeys.waiting, 0, -1, 'WITHSCORES');
      const members = flat.filter((_, index) => index % 2 === 0);
      const scores = flat.filter((_, index) => index % 2 === 1);
      if (members.length < 2) {
        throw new UserError(
          `the waiting queue holds ${members.length} user(s): nothing to corrupt.`,
          'put load on the API so users wait (e.g. a small QUEUE_ACTIVE_CAPACITY), then inject again',
          ExitCode.badInput,
        );
      }
      let affected = members.length;
      if (mode === 'reorder') {
        // the last to arrive now stands first: every pair of users is inverted
        const reversed = members.flatMap((member, index) => [scores[members.length - 1 - index] as string, member]);
        await client.zadd(QueueKeys.waiting, ...reversed);
      } else if (mode === 'drop') {
        // evenly spread over the queue: exactly floor(n × percent / 100) users vanish
        const dropped = members.filter(
          (_, index) => Math.floor(((index + 1) * percent) / 100) > Math.floor((index * percent) / 100),
        );
        affected = dropped.length;
        if (dropped.length > 0) await client.zrem(QueueKeys.waiting, ...dropped);
      } else {
        await client.pexpire(QueueKeys.waiting, 1);
      }
      return {
        details: {
          snapshotId,
          snapshotEntries: entries,
          waiting: members.length,
          orderHash: orderHash(members),
          affected,
        },
        summary: `${mode}: ${affected} of ${members.length} waiting user(s) affected (snapshot ${snapshotId} taken first)`,
      };
    });
  },

  async recover({ state }, fault) {
    const snapshotId = typeof fault.details.snapshotId === 'string' ? fault.details.snapshotId : undefined;
    const { restored, requeued } = await adminClient(state).queueRestore(snapshotId ? { snapshotId } : {});
    return `waiting queue restored from snapshot ${snapshotId ?? '(latest)'}: ${restored} user(s) back in place, ${requeued} who joined after it back at theirs`;
  },

  // With room for every user (the default capacity), nobody waits, so there is no place to lose: freeze
  // admission as before a ticket opening, so arrivals queue up. The runbook's own steps unfreeze it.
  async prepare({ state }) {
    const admin = adminClient(state);
    if ((await admin.state()).staticQueue) return undefined;
    await admin.staticQueue({ enabled: true });
    return {
      summary: 'queue frozen (static mode) so that arrivals wait, as before a ticket opening',
      undo: async (after) => {
        const again = adminClient(after.state);
        if (!(await again.state()).staticQueue) return 'queue already admitting again';
        await again.staticQueue({ enabled: false });
        return 'queue admitting again (static mode off)';
      },
    };
  },

  async observe({ state }, fault) {
    const members = await withRedis(state.redis.url, (client) => client.zrange(QueueKeys.waiting, 0, -1));
    if (!fault) return { healthy: true, detail: `${members.length} user(s) waiting` };
    const intact = orderHash(members) === fault.details.orderHash;
    return {
      healthy: intact,
      detail: `${members.length} of ${String(fault.details.waiting)} user(s) waiting, order ${intact ? 'as snapshotted' : 'differs from the snapshot'}`,
    };
  },
};

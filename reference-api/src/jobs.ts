// Background work that must happen once per deployment, not once per worker, so it runs in the primary:
// - admission: moves WAITING tokens to ACTIVE in arrival order at QUEUE_ADMIT_PER_SECOND, up to
//   QUEUE_ACTIVE_CAPACITY, and retires ACTIVE tokens past their lifetime. Guarded by a Redis lease
//   (queue:leader) so two API deployments sharing one Redis still admit at the configured rate;
//   paused entirely in static-queue mode.
// - hold expiry: releases seats whose hold ran out and invalidates their cached seat lists. Safe to
//   run anywhere at once (FOR UPDATE SKIP LOCKED), so it needs no lease and keeps working without Redis.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { holdsExpired, queueAdmissions, queueMisplaced, queueOrderViolations, queueTokens } from './metrics.ts';
import type { Bookings } from './store/bookings.ts';
import { invalidateShared, seatsKey } from './store/catalogue.ts';
import { QueueKeys } from './store/queue-keys.ts';
import type { QueueStore } from './store/queue.ts';
import { LuaScript, type RedisStore } from './store/redis.ts';

const ADMISSION_TICK_MS = 100;
/** the queue order check reads a record per waiting user it looks at: once a second is enough for alerts */
const ORDER_CHECK_MS = 1000;
const SWEEP_INTERVAL_MS = 1000;
const SWEEP_BATCH = 2000;
const LEASE_MS = 3000;

// take the lease when free, extend it when ours → 1 if we hold it
const lease = new LuaScript(
  'queueLease',
  "local holder = redis.call('GET', KEYS[1]) if holder == false or holder == ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end return 0",
  1,
);

export interface JobDeps {
  config: Config;
  log: Logger;
  redis: RedisStore;
  queue: QueueStore;
  bookings: Bookings;
  staticQueue: () => boolean;
}

export function startJobs({ config, log, redis, queue, bookings, staticQueue }: JobDeps): () => void {
  const leaseId = randomUUID();
  let leader = false;
  let leaseCheckedAt = 0;
  let admitCarry = 0;
  let admitting = false;
  let orderCheckedAt = 0;
  let sweeping = false;

  const admissionTick = async () => {
    if (admitting) return;
    admitting = true;
    try {
      if (Date.now() - leaseCheckedAt > LEASE_MS / 3) {
        const held =
          (await redis.run('queue-lease', (client) => lease.run(client, [QueueKeys.leader], [leaseId, LEASE_MS]))) ===
          1;
        if (held !== leader) log.info({ leader: held }, held ? 'admission leader' : 'admission follower');
        leader = held;
        leaseCheckedAt = Date.now();
      }
      if (Date.now() - orderCheckedAt >= ORDER_CHECK_MS) {
        orderCheckedAt = Date.now();
        queueMisplaced.set(await redis.run('queue-misplaced', (client) => queue.misplaced(client)));
      }
      if (!leader || staticQueue()) {
        const sizes = await redis.run('queue-sizes', (client) => queue.sizes(client));
        queueTokens.set({ state: 'waiting' }, sizes.waiting);
        queueTokens.set({ state: 'active' }, sizes.active);
        return;
      }
      admitCarry += (config.QUEUE_ADMIT_PER_SECOND * ADMISSION_TICK_MS) / 1000;
      const budget = Math.floor(admitCarry);
      admitCarry -= budget;
      const result = await redis.run('queue-admit', (client) => queue.admit(client, budget));
      // unused budget does not accumulate: an idle queue must not release a burst later
      if (result.waiting === 0) admitCarry = 0;
      queueAdmissions.inc({ outcome: 'admitted' }, result.admitted);
      queueAdmissions.inc({ outcome: 'dropped' }, result.dropped);
      queueAdmissions.inc({ outcome: 'expired' }, result.expired);
      queueOrderViolations.inc(result.misordered);
      queueTokens.set({ state: 'waiting' }, result.waiting);
      queueTokens.set({ state: 'active' }, result.active);
    } catch (error) {
      leader = false;
      log.debug({ err: error }, 'admission tick failed');
    } finally {
      admitting = false;
    }
  };

  const sweep = async () => {
    if (sweeping) return;
    sweeping = true;
    try {
      for (;;) {
        const freed = await bookings.releaseExpiredHolds(SWEEP_BATCH);
        const seats = freed.reduce((sum, schedule) => sum + schedule.seats, 0);
        if (seats === 0) break;
        holdsExpired.inc(seats);
        await invalidateShared(
          redis,
          freed.map((schedule) => seatsKey(schedule.concertId, schedule.scheduleId)),
        ).catch(() => undefined);
        if (seats < SWEEP_BATCH) break;
      }
    } catch (error) {
      log.warn({ err: error }, 'hold expiry sweep failed');
    } finally {
      sweeping = false;
    }
  };

  const timers = [
    setInterval(() => void admissionTick(), ADMISSION_TICK_MS),
    setInterval(() => void sweep(), SWEEP_INTERVAL_MS),
  ];
  return () => timers.forEach(clearInterval);
}

// Catalogue reads (concerts, schedules, seats) through three layers: an in-process map of pre-serialised
// JSON buffers (LOCAL_CACHE_TTL_MS), Redis (shared by all workers), PostgreSQL (truth).
//
// Staleness bounds, stated once here and in the README:
// - seat lists are invalidated on every hold and every expiry: the writer bumps a generation counter,
//   deletes the Redis copy and publishes the key; workers drop their local copy on the message. A
//   reader that raced the writer cannot put an old list back into Redis (the SET is conditional on the
//   generation it read before querying), and a local copy lives at most LOCAL_CACHE_TTL_MS even if a
//   message is lost. So a sold/held seat shows as available for at most LOCAL_CACHE_TTL_MS (1 s).
// - concert and schedule summaries (remaining seats, `available`) are aggregates over every seat, too
//   costly to recompute on each hold; they are cached for AGGREGATE_TTL_MS in Redis plus the local TTL,
//   so they lag by at most 2 s.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { cacheRequests } from '../metrics.ts';
import { ApiError } from '../http/errors.ts';
import type { Db } from './db.ts';
import { LuaScript, type RedisStore } from './redis.ts';

export const CATALOGUE_PREFIX = 'catalogue:';
export const CATALOGUE_GEN_PREFIX = 'catalogue:gen:';
export const CATALOGUE_CHANNEL = 'catalogue:invalidate';
const AGGREGATE_TTL_MS = 1000;
// counter children resolved once: label lookup per request would cost the hot path
const localHit = cacheRequests.labels('local', 'hit');
const localMiss = cacheRequests.labels('local', 'miss');
const redisHit = cacheRequests.labels('redis', 'hit');
const redisMiss = cacheRequests.labels('redis', 'miss');
const LOCAL_MAX_ENTRIES = 20_000;

export type CatalogueKey = 'concerts' | `schedules:${number}` | `seats:${number}:${number}`;
export const seatsKey = (concertId: number, scheduleId: number): CatalogueKey => `seats:${concertId}:${scheduleId}`;

export interface CachedBody {
  body: Buffer;
  etag: string;
}
interface LocalEntry extends CachedBody {
  freshUntil: number;
}

// SET the value only if the generation is still the one read before the database query.
const setIfGeneration = new LuaScript(
  'catalogueSetIfGeneration',
  "if (redis.call('GET', KEYS[2]) or '0') == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 end return 0",
  2,
);

/** The Redis side of an invalidation: bump generations, drop shared copies, tell every worker. */
export async function invalidateShared(redis: RedisStore, keys: CatalogueKey[]): Promise<void> {
  await redis.run('catalogue-invalidate', async (client) => {
    const pipeline = client.multi();
    for (const key of keys) pipeline.incr(CATALOGUE_GEN_PREFIX + key).del(CATALOGUE_PREFIX + key);
    pipeline.publish(CATALOGUE_CHANNEL, keys.join(' '));
    await pipeline.exec();
  });
}

function entry(json: string): CachedBody {
  const body = Buffer.from(json);
  return { body, etag: `"${createHash('sha1').update(body).digest('base64url')}"` };
}

export class Catalogue {
  private readonly local = new Map<CatalogueKey, LocalEntry>();
  /** bumped on every invalidation; a fill that started under an older number must not be stored */
  private readonly localGen = new Map<CatalogueKey, number>();
  private readonly inflight = new Map<CatalogueKey, Promise<CachedBody>>();
  /** invalidations Redis could not take; replayed when the breaker closes */
  private readonly pendingInvalidations = new Set<CatalogueKey>();
  bypassRedis = false;

  constructor(
    private readonly db: Db,
    private readonly redis: RedisStore,
    private readonly opts: { localTtlMs: number; redisTtlSeconds: number },
    private readonly log: Logger,
  ) {
    redis.subscriber.on('message', (channel: string, message: string) => {
      if (channel === CATALOGUE_CHANNEL) for (const key of message.split(' ')) this.dropLocal(key as CatalogueKey);
    });
    redis.subscriber.subscribe(CATALOGUE_CHANNEL).catch((error: unknown) => log.warn({ err: error }, 'catalogue subscribe failed; relying on local TTL'));
    redis.onRecovered(() => void this.flushPendingInvalidations());
  }

  concerts(): Promise<CachedBody> {
    return this.get('concerts', () => this.loadConcerts());
  }

  schedules(concertId: number): Promise<CachedBody> {
    return this.get(`schedules:${concertId}`, () => this.loadSchedules(concertId));
  }

  seats(concertId: number, scheduleId: number): Promise<CachedBody> {
    return this.get(seatsKey(concertId, scheduleId), () => this.loadSeats(concertId, scheduleId));
  }

  /** The in-process layer only; the hot path of GET /concerts, synchronous when warm. */
  peek(key: CatalogueKey): CachedBody | undefined {
    const hit = this.local.get(key);
    if (hit && hit.freshUntil > Date.now()) {
      localHit.inc();
      return hit;
    }
    return undefined;
  }

  /** After a write changed these keys: drop them here at once, and everywhere else via Redis. */
  async invalidate(keys: CatalogueKey[]): Promise<void> {
    for (const key of keys) this.dropLocal(key);
    if (this.bypassRedis) return;
    try {
      await invalidateShared(this.redis, keys);
    } catch {
      for (const key of keys) this.pendingInvalidations.add(key);
    }
  }

  /** Load every catalogue key into Redis and this worker's layer now (admin cache warm) → number of keys. */
  async warm(): Promise<number> {
    const keys: Array<[CatalogueKey, () => Promise<CachedBody>]> = [['concerts', () => this.loadConcerts()]];
    const schedules = await this.db.read('catalogue-warm', (db) => db.query<{ concert_id: number; id: number }>('SELECT concert_id, id FROM schedules ORDER BY concert_id, id'));
    for (const concertId of new Set(schedules.rows.map((row) => row.concert_id))) keys.push([`schedules:${concertId}`, () => this.loadSchedules(concertId)]);
    for (const row of schedules.rows) keys.push([seatsKey(row.concert_id, row.id), () => this.loadSeats(row.concert_id, row.id)]);
    for (const [key, load] of keys) {
      this.dropLocal(key);
      await this.get(key, load);
    }
    return keys.length;
  }

  private get(key: CatalogueKey, load: () => Promise<CachedBody>): Promise<CachedBody> {
    const hit = this.peek(key);
    if (hit) return Promise.resolve(hit);
    localMiss.inc();
    const running = this.inflight.get(key);
    if (running) return running;
    const filling = this.fill(key, load).finally(() => this.inflight.delete(key));
    this.inflight.set(key, filling);
    return filling;
  }

  private async fill(key: CatalogueKey, load: () => Promise<CachedBody>): Promise<CachedBody> {
    const startGen = this.localGen.get(key) ?? 0;
    const shared = this.bypassRedis || !this.redis.usable ? undefined : await this.readRedis(key);
    let value: CachedBody;
    if (shared?.cached !== undefined) {
      redisHit.inc();
      value = entry(shared.cached);
    } else {
      // a bypassed or unreachable Redis counts as a miss: the Redis hit ratio is what the runbooks watch
      redisMiss.inc();
      value = await load();
      if (shared) void this.writeRedis(key, shared.generation, value);
    }
    if ((this.localGen.get(key) ?? 0) === startGen) this.storeLocal(key, value);
    return value;
  }

  private async readRedis(key: CatalogueKey): Promise<{ cached: string | undefined; generation: string } | undefined> {
    try {
      const [cached, generation] = await this.redis.run('catalogue-get', (redis) => redis.mget(CATALOGUE_PREFIX + key, CATALOGUE_GEN_PREFIX + key));
      return { cached: cached ?? undefined, generation: generation ?? '0' };
    } catch {
      return undefined;
    }
  }

  private async writeRedis(key: CatalogueKey, generation: string, value: CachedBody): Promise<void> {
    const ttlMs = key.startsWith('seats:') ? this.opts.redisTtlSeconds * 1000 : AGGREGATE_TTL_MS;
    await this.redis
      .run('catalogue-set', (redis) => setIfGeneration.run(redis, [CATALOGUE_PREFIX + key, CATALOGUE_GEN_PREFIX + key], [generation, value.body.toString(), ttlMs]))
      .catch(() => undefined);
  }

  private storeLocal(key: CatalogueKey, value: CachedBody): void {
    if (this.opts.localTtlMs === 0) return;
    if (this.local.size >= LOCAL_MAX_ENTRIES && !this.local.has(key)) {
      const oldest = this.local.keys().next();
      if (!oldest.done) this.local.delete(oldest.value);
    }
    this.local.set(key, { ...value, freshUntil: Date.now() + this.opts.localTtlMs });
  }

  private dropLocal(key: CatalogueKey): void {
    this.local.delete(key);
    this.localGen.set(key, (this.localGen.get(key) ?? 0) + 1);
  }

  private async flushPendingInvalidations(): Promise<void> {
    if (this.pendingInvalidations.size === 0) return;
    const keys = [...this.pendingInvalidations];
    this.pendingInvalidations.clear();
    this.log.info({ keys: keys.length }, 'replaying catalogue invalidations missed while redis was down');
    await this.invalidate(keys);
  }

  private async loadConcerts(): Promise<CachedBody> {
    const result = await this.db.read('catalogue-concerts', (db) =>
      db.query<{ id: number; title: string; venue: string; schedules: number; remaining: number }>(
        `SELECT c.id, c.title, c.venue,
                (SELECT count(*) FROM schedules sc WHERE sc.concert_id = c.id)::int AS schedules,
                (SELECT count(*) FROM seats st WHERE st.concert_id = c.id
                   AND (st.status = 'AVAILABLE' OR (st.status = 'HELD' AND st.held_until < now())))::int AS remaining
           FROM concerts c ORDER BY c.id`,
      ),
    );
    return entry(
      JSON.stringify(
        result.rows.map((row) => ({ id: row.id, title: row.title, venue: row.venue, schedules: row.schedules, remainingSeats: row.remaining, available: row.remaining > 0 })),
      ),
    );
  }

  private async loadSchedules(concertId: number): Promise<CachedBody> {
    const result = await this.db.read('catalogue-schedules', (db) =>
      db.query<{ id: number; starts_at: Date; total: number; remaining: number }>(
        `SELECT sc.id, sc.starts_at, count(st.seat_no)::int AS total,
                count(st.seat_no) FILTER (WHERE st.status = 'AVAILABLE' OR (st.status = 'HELD' AND st.held_until < now()))::int AS remaining
           FROM schedules sc LEFT JOIN seats st ON st.concert_id = sc.concert_id AND st.schedule_id = sc.id
          WHERE sc.concert_id = $1
          GROUP BY sc.id, sc.starts_at ORDER BY sc.id`,
        [concertId],
      ),
    );
    if (result.rows.length === 0) await this.assertConcertExists(concertId);
    return entry(
      JSON.stringify(
        result.rows.map((row) => ({
          id: row.id,
          concertId,
          startsAt: row.starts_at.toISOString(),
          totalSeats: row.total,
          remainingSeats: row.remaining,
          available: row.remaining > 0,
        })),
      ),
    );
  }

  private async loadSeats(concertId: number, scheduleId: number): Promise<CachedBody> {
    const result = await this.db.read('catalogue-seats', (db) =>
      db.query<{ seat_no: number; price: number; available: boolean }>(
        `SELECT seat_no, price, (status = 'AVAILABLE' OR (status = 'HELD' AND held_until < now())) AS available
           FROM seats WHERE concert_id = $1 AND schedule_id = $2 ORDER BY seat_no`,
        [concertId, scheduleId],
      ),
    );
    if (result.rows.length === 0) {
      const schedule = await this.db.read('catalogue-schedule-exists', (db) => db.query('SELECT 1 FROM schedules WHERE concert_id = $1 AND id = $2', [concertId, scheduleId]));
      if (!schedule.rowCount) throw new ApiError(404, 'SCHEDULE_NOT_FOUND', `concert ${concertId} has no schedule ${scheduleId}`);
    }
    return entry(JSON.stringify(result.rows.map((row) => ({ id: row.seat_no, seatNo: row.seat_no, price: row.price, available: row.available }))));
  }

  private async assertConcertExists(concertId: number): Promise<void> {
    const concert = await this.db.read('catalogue-concert-exists', (db) => db.query('SELECT 1 FROM concerts WHERE id = $1', [concertId]));
    if (!concert.rowCount) throw new ApiError(404, 'CONCERT_NOT_FOUND', `no concert ${concertId}`);
  }
}

// Catalogue reads (concerts, schedules, seats) through three layers: an in-process map of pre-serialised
// JSON buffers (LOCAL_CACHE_TTL_MS), Redis (shared by all workers), PostgreSQL (truth).
//
// Staleness bounds, stated once here and in the README:
// - seat lists are patched on every hold: the holding worker knows which seats it took, so it marks them
//   unavailable in its own copy and, in one Lua script, in the Redis copy (bumping the generation counter)
//   and publishes the delta; other workers patch their copy on the message. Rebuilding instead would send
//   nearly every seat-list read to PostgreSQL, as holds and reads come ~1:1. Expiry (rare, and racing a
//   re-hold of the same seat) still invalidates: generation bump, Redis copy deleted, key published,
//   local copies dropped. A reader that raced a writer cannot put an old list back into Redis (the SET
//   is conditional on the generation it read before querying), nor locally (a local generation bumped by
//   every patch/invalidation), and a local copy lives at most LOCAL_CACHE_TTL_MS even if a message is
//   lost. So a sold/held seat shows as available for at most LOCAL_CACHE_TTL_MS (1 s).
// - within that lifetime a copy past half of it is still served while one refresh per key runs
//   (stale-while-revalidate), so a worker never queues readers behind a refill of a copy it still may serve.
// - concert and schedule summaries (remaining seats, `available`) are aggregates over every seat, too
//   costly to recompute on each hold; they are cached for AGGREGATE_TTL_MS in Redis plus the local TTL,
//   so they lag by at most 2 s.
import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { cacheTally } from '../metrics.ts';
import { ApiError } from '../http/errors.ts';
import type { Db } from './db.ts';
import { LuaScript, type RedisStore } from './redis.ts';

export const CATALOGUE_PREFIX = 'catalogue:';
export const CATALOGUE_GEN_PREFIX = 'catalogue:gen:';
export const CATALOGUE_CHANNEL = 'catalogue:invalidate';
export const SEAT_PATCH_CHANNEL = 'catalogue:seat-patch';
const AGGREGATE_TTL_MS = 1000;
const localHit = cacheTally('local', 'hit');
const localMiss = cacheTally('local', 'miss');
const redisHit = cacheTally('redis', 'hit');
const redisMiss = cacheTally('redis', 'miss');
const LOCAL_MAX_ENTRIES = 20_000;

export type CatalogueKey = 'concerts' | `schedules:${number}` | `seats:${number}:${number}`;
export const seatsKey = (concertId: number, scheduleId: number): CatalogueKey => `seats:${concertId}:${scheduleId}`;

export interface CachedBody {
  body: Buffer;
  etag: string;
}
interface LocalEntry extends CachedBody {
  /** after this a read triggers a background refresh but is still answered from this copy */
  refreshAfter: number;
  /** never served after this: the staleness bound */
  freshUntil: number;
}

/** A seat-list delta: these seat numbers of this schedule are now (un)available. */
export interface SeatPatch {
  key: CatalogueKey;
  seatNos: number[];
  available: boolean;
}
const encodePatch = (origin: string, patch: SeatPatch): string =>
  `${origin} ${patch.key} ${patch.available ? 1 : 0} ${patch.seatNos.join(',')}`;
function decodePatch(message: string): { origin: string; patch: SeatPatch } | undefined {
  const [origin, key, available, seats] = message.split(' ');
  if (!origin || !key?.startsWith('seats:') || !seats) return undefined;
  return {
    origin,
    patch: { key: key as CatalogueKey, available: available === '1', seatNos: seats.split(',').map(Number) },
  };
}

interface SeatView {
  id: number;
  seatNo: number;
  price: number;
  available: boolean;
}

// SET the value only if the generation is still the one read before the database query.
const setIfGeneration = new LuaScript(
  'catalogueSetIfGeneration',
  "if (redis.call('GET', KEYS[2]) or '0') == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 end return 0",
  2,
);

// Patch the Redis copy of a seat list in place (the body layout is the one loadSeats writes), bump the
// generation so a fill that queried before the hold cannot overwrite it, and publish the delta. A copy in
// which a seat is not found (another layout) is deleted rather than left stale.
// KEYS: list, generation · ARGV: channel, message, available ('true'|'false'), seat numbers…
const patchSeatList = new LuaScript(
  'catalogueSeatPatch',
  `redis.call('INCR', KEYS[2])
   local body = redis.call('GET', KEYS[1])
   if body then
     local matched = true
     for i = 4, #ARGV do
       local n = ARGV[i]
       local found
       body, found = string.gsub(body, '{"id":' .. n .. ',"seatNo":' .. n .. ',"price":(%-?[%d.e+]+),"available":%a+}', '{"id":' .. n .. ',"seatNo":' .. n .. ',"price":%1,"available":' .. ARGV[3] .. '}', 1)
       if found == 0 then matched = false end
     end
     if matched then redis.call('SET', KEYS[1], body, 'KEEPTTL') else redis.call('DEL', KEYS[1]) end
   end
   redis.call('PUBLISH', ARGV[1], ARGV[2])
   return 1`,
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

function applyPatch(body: Buffer, patch: SeatPatch): CachedBody {
  const seats = JSON.parse(body.toString()) as SeatView[];
  const changed = new Set(patch.seatNos);
  for (const seat of seats) if (changed.has(seat.seatNo)) seat.available = patch.available;
  return entry(JSON.stringify(seats));
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
  /** tells this worker's own patch messages apart: it applied them before publishing */
  private readonly origin = randomUUID();
  bypassRedis = false;

  constructor(
    private readonly db: Db,
    private readonly redis: RedisStore,
    private readonly opts: { localTtlMs: number; redisTtlSeconds: number },
    private readonly log: Logger,
  ) {
    redis.subscriber.on('message', (channel: string, message: string) => {
      if (channel === CATALOGUE_CHANNEL) for (const key of message.split(' ')) this.dropLocal(key as CatalogueKey);
      if (channel === SEAT_PATCH_CHANNEL) {
        const decoded = decodePatch(message);
        if (decoded && decoded.origin !== this.origin) this.patchLocal(decoded.patch);
      }
    });
    redis.subscriber
      .subscribe(CATALOGUE_CHANNEL, SEAT_PATCH_CHANNEL)
      .catch((error: unknown) => log.warn({ err: error }, 'catalogue subscribe failed; relying on local TTL'));
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

  /**
   * The in-process layer only; the hot path of GET /concerts, synchronous when warm. A copy past its
   * refresh point is left to the async path, which still serves it but also starts the one refresh.
   */
  peek(key: CatalogueKey): CachedBody | undefined {
    const hit = this.local.get(key);
    if (hit && hit.refreshAfter > Date.now()) {
      localHit.add();
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

  /** After a committed hold: apply the delta here at once, to the Redis copy, and everywhere else via Redis. */
  async patchSeats(patch: SeatPatch): Promise<void> {
    this.patchLocal(patch);
    if (this.bypassRedis) return;
    try {
      await this.redis.run('catalogue-patch', (client) =>
        patchSeatList.run(
          client,
          [CATALOGUE_PREFIX + patch.key, CATALOGUE_GEN_PREFIX + patch.key],
          [SEAT_PATCH_CHANNEL, encodePatch(this.origin, patch), String(patch.available), ...patch.seatNos],
        ),
      );
    } catch {
      // the delta is lost for the others: fall back to a full invalidation once Redis answers again
      this.pendingInvalidations.add(patch.key);
    }
  }

  /** Load every catalogue key into Redis and this worker's layer now (admin cache warm) → number of keys. */
  async warm(): Promise<number> {
    const keys: Array<[CatalogueKey, () => Promise<CachedBody>]> = [['concerts', () => this.loadConcerts()]];
    const schedules = await this.db.read('catalogue-warm', (db) =>
      db.query<{ concert_id: number; id: number }>('SELECT concert_id, id FROM schedules ORDER BY concert_id, id'),
    );
    for (const concertId of new Set(schedules.rows.map((row) => row.concert_id)))
      keys.push([`schedules:${concertId}`, () => this.loadSchedules(concertId)]);
    for (const row of schedules.rows)
      keys.push([seatsKey(row.concert_id, row.id), () => this.loadSeats(row.concert_id, row.id)]);
    for (const [key, load] of keys) {
      this.dropLocal(key);
      await this.get(key, load);
    }
    return keys.length;
  }

  private get(key: CatalogueKey, load: () => Promise<CachedBody>): Promise<CachedBody> {
    const hit = this.local.get(key);
    const now = Date.now();
    if (hit && hit.freshUntil > now) {
      localHit.add();
      if (hit.refreshAfter <= now) this.refill(key, load).catch(() => undefined);
      return Promise.resolve(hit);
    }
    localMiss.add();
    return this.refill(key, load);
  }

  /** One fill per key at a time in this worker: concurrent callers share it. */
  private refill(key: CatalogueKey, load: () => Promise<CachedBody>): Promise<CachedBody> {
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
      redisHit.add();
      value = entry(shared.cached);
    } else {
      // a bypassed or unreachable Redis counts as a miss: the Redis hit ratio is what the runbooks watch
      redisMiss.add();
      value = await load();
      if (shared) void this.writeRedis(key, shared.generation, value);
    }
    if ((this.localGen.get(key) ?? 0) === startGen) this.storeLocal(key, value);
    return value;
  }

  private async readRedis(key: CatalogueKey): Promise<{ cached: string | undefined; generation: string } | undefined> {
    try {
      const [cached, generation] = await this.redis.run('catalogue-get', (redis) =>
        redis.mget(CATALOGUE_PREFIX + key, CATALOGUE_GEN_PREFIX + key),
      );
      return { cached: cached ?? undefined, generation: generation ?? '0' };
    } catch {
      return undefined;
    }
  }

  private async writeRedis(key: CatalogueKey, generation: string, value: CachedBody): Promise<void> {
    const ttlMs = key.startsWith('seats:') ? this.opts.redisTtlSeconds * 1000 : AGGREGATE_TTL_MS;
    await this.redis
      .run('catalogue-set', (redis) =>
        setIfGeneration.run(
          redis,
          [CATALOGUE_PREFIX + key, CATALOGUE_GEN_PREFIX + key],
          [generation, value.body.toString(), ttlMs],
        ),
      )
      .catch(() => undefined);
  }

  private storeLocal(key: CatalogueKey, value: CachedBody): void {
    if (this.opts.localTtlMs === 0) return;
    if (this.local.size >= LOCAL_MAX_ENTRIES && !this.local.has(key)) {
      const oldest = this.local.keys().next();
      if (!oldest.done) this.local.delete(oldest.value);
    }
    const now = Date.now();
    this.local.set(key, {
      ...value,
      refreshAfter: now + this.opts.localTtlMs / 2,
      freshUntil: now + this.opts.localTtlMs,
    });
  }

  /** Apply a delta to this worker's copy (keeping its lifetime); a fill still running is not stored. */
  private patchLocal(patch: SeatPatch): void {
    this.localGen.set(patch.key, (this.localGen.get(patch.key) ?? 0) + 1);
    const current = this.local.get(patch.key);
    if (!current || current.freshUntil <= Date.now()) return;
    this.local.set(patch.key, {
      ...applyPatch(current.body, patch),
      refreshAfter: current.refreshAfter,
      freshUntil: current.freshUntil,
    });
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
        result.rows.map((row) => ({
          id: row.id,
          title: row.title,
          venue: row.venue,
          schedules: row.schedules,
          remainingSeats: row.remaining,
          available: row.remaining > 0,
        })),
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
      const schedule = await this.db.read('catalogue-schedule-exists', (db) =>
        db.query('SELECT 1 FROM schedules WHERE concert_id = $1 AND id = $2', [concertId, scheduleId]),
      );
      if (!schedule.rowCount)
        throw new ApiError(404, 'SCHEDULE_NOT_FOUND', `concert ${concertId} has no schedule ${scheduleId}`);
    }
    return entry(
      JSON.stringify(
        result.rows.map((row) => ({
          id: row.seat_no,
          seatNo: row.seat_no,
          price: row.price,
          available: row.available,
        })),
      ),
    );
  }

  private async assertConcertExists(concertId: number): Promise<void> {
    const concert = await this.db.read('catalogue-concert-exists', (db) =>
      db.query('SELECT 1 FROM concerts WHERE id = $1', [concertId]),
    );
    if (!concert.rowCount) throw new ApiError(404, 'CONCERT_NOT_FOUND', `no concert ${concertId}`);
  }
}

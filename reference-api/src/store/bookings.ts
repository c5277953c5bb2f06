// Money and seats: every change is one PostgreSQL transaction, locks taken in one global order
// (users → seats in (concert, schedule, seat) order → reservations) so concurrent holds, payments and the
// expiry sweeper cannot deadlock each other, and the domain rules (domain/booking.ts) run on locked rows.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { assertAllHoldable, payableTotal, type ReservationRow, type SeatRow } from '../domain/booking.ts';
import { ApiError } from '../http/errors.ts';
import type { Db } from './db.ts';

export interface HeldSeat {
  id: number;
  userId: number;
  concertId: number;
  scheduleId: number;
  seatId: number;
  price: number;
  status: 'HELD';
  expiresAt: string;
}

export interface PaymentResult {
  id: number;
  reservationId: number;
  userId: number;
  concertId: number;
  scheduleId: number;
  seatId: number;
  amount: number;
  status: 'PAID';
  paidAt: string;
  balance: number;
}

export interface Outcome<T> {
  body: T;
  /** true when an Idempotency-Key matched an earlier request and its stored response is returned */
  replayed: boolean;
}

type Scope = 'recharge' | 'payment';

function pgCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

const MAX_KNOWN_USERS = 100_000;

export class Bookings {
  /** users seen to exist: users are never deleted, so the queue endpoint can skip the lookup next time */
  private readonly knownUsers = new Set<number>();

  constructor(private readonly db: Db) {}

  /** Throws 404 for a user that does not exist. */
  async assertUserExists(userId: number): Promise<void> {
    if (this.knownUsers.has(userId)) return;
    await this.balance(userId);
    if (this.knownUsers.size >= MAX_KNOWN_USERS) this.knownUsers.clear();
    this.knownUsers.add(userId);
  }

  async balance(userId: number): Promise<{ userId: number; balance: number }> {
    const result = await this.db.write('balance-get', (db) =>
      db.query<{ balance: number }>('SELECT balance FROM users WHERE id = $1', [userId]),
    );
    const row = result.rows[0];
    if (!row) throw userNotFound(userId);
    return { userId, balance: row.balance };
  }

  recharge(
    userId: number,
    amount: number,
    idempotencyKey: string | undefined,
  ): Promise<Outcome<{ userId: number; balance: number }>> {
    return this.idempotent('recharge', userId, idempotencyKey, { amount }, async (client) => {
      const updated = await client.query<{ balance: number }>(
        'UPDATE users SET balance = balance + $2 WHERE id = $1 RETURNING balance',
        [userId, amount],
      );
      const row = updated.rows[0];
      if (!row) throw userNotFound(userId);
      await client.query("INSERT INTO balance_ledger (user_id, kind, delta) VALUES ($1, 'RECHARGE', $2)", [
        userId,
        amount,
      ]);
      return { userId, balance: row.balance };
    });
  }

  /** Hold every requested seat for holdSeconds, or none of them. */
  async hold(
    userId: number,
    concertId: number,
    scheduleId: number,
    seatNos: readonly number[],
    holdSeconds: number,
  ): Promise<HeldSeat[]> {
    const seats = [...seatNos].sort((a, b) => a - b);
    try {
      return await this.db.transaction('reservation-hold', async (client) => {
        const locked = await client.query<SeatRow & { now: Date }>(
          `SELECT seat_no, price, status, held_until, reservation_id, now() AS now FROM seats
            WHERE concert_id = $1 AND schedule_id = $2 AND seat_no = ANY($3::int[])
            ORDER BY seat_no FOR UPDATE`,
          [concertId, scheduleId, seats],
        );
        const now = locked.rows[0]?.now;
        if (!now) {
          const schedule = await client.query('SELECT 1 FROM schedules WHERE concert_id = $1 AND id = $2', [
            concertId,
            scheduleId,
          ]);
          if (!schedule.rowCount)
            throw new ApiError(404, 'SCHEDULE_NOT_FOUND', `concert ${concertId} has no schedule ${scheduleId}`);
        }
        assertAllHoldable(seats, locked.rows, now ?? new Date());
        const runOut = locked.rows.filter((row) => row.status === 'HELD').map((row) => row.reservation_id);
        if (runOut.length > 0)
          await client.query(
            "UPDATE reservations SET status = 'EXPIRED' WHERE id = ANY($1::bigint[]) AND status = 'HELD'",
            [runOut],
          );
        const held = await client.query<{ id: number; seat_no: number; price: number; expires_at: Date }>(
          `WITH held AS (
             INSERT INTO reservations (user_id, concert_id, schedule_id, seat_no, price, status, expires_at)
             SELECT $1, s.concert_id, s.schedule_id, s.seat_no, s.price, 'HELD', now() + make_interval(secs => $5)
               FROM seats s WHERE s.concert_id = $2 AND s.schedule_id = $3 AND s.seat_no = ANY($4::int[])
             RETURNING id, seat_no, price, expires_at
           ), marked AS (
             UPDATE seats s SET status = 'HELD', reservation_id = held.id, held_until = held.expires_at
               FROM held WHERE s.concert_id = $2 AND s.schedule_id = $3 AND s.seat_no = held.seat_no
           )
           SELECT id, seat_no, price, expires_at FROM held ORDER BY seat_no`,
          [userId, concertId, scheduleId, seats, holdSeconds],
        );
        return held.rows.map((row) => ({
          id: row.id,
          userId,
          concertId,
          scheduleId,
          seatId: row.seat_no,
          price: row.price,
          status: 'HELD' as const,
          expiresAt: row.expires_at.toISOString(),
        }));
      });
    } catch (error) {
      if (pgCode(error) === '23503') throw userNotFound(userId);
      throw error;
    }
  }

  /** Pay for held reservations: deduct, confirm seats, record payments and ledger rows — one transaction. */
  pay(
    userId: number,
    reservationIds: readonly number[],
    idempotencyKey: string | undefined,
  ): Promise<Outcome<PaymentResult[]>> {
    const ids = [...reservationIds].sort((a, b) => a - b);
    return this.idempotent('payment', userId, idempotencyKey, { reservationIds: ids }, async (client) => {
      const user = await client.query<{ balance: number; now: Date }>(
        'SELECT balance, now() AS now FROM users WHERE id = $1 FOR UPDATE',
        [userId],
      );
      const payer = user.rows[0];
      if (!payer) throw userNotFound(userId);
      await client.query(
        'SELECT 1 FROM seats WHERE reservation_id = ANY($1::bigint[]) ORDER BY concert_id, schedule_id, seat_no FOR UPDATE',
        [ids],
      );
      const reservations = await client.query<ReservationRow>(
        'SELECT id, user_id, status, expires_at, price FROM reservations WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE',
        [ids],
      );
      const total = payableTotal(userId, ids, reservations.rows, payer.balance, payer.now);
      const debited = await client.query<{ balance: number }>(
        'UPDATE users SET balance = balance - $2 WHERE id = $1 RETURNING balance',
        [userId, total],
      );
      const balance = debited.rows[0]?.balance ?? payer.balance - total;
      const paid = await client.query<{
        id: number;
        reservation_id: number;
        amount: number;
        created_at: Date;
        concert_id: number;
        schedule_id: number;
        seat_no: number;
      }>(
        `WITH paid AS (
           UPDATE reservations SET status = 'PAID', paid_at = now() WHERE id = ANY($1::bigint[])
           RETURNING id, user_id, price, concert_id, schedule_id, seat_no
         ), sold AS (
           UPDATE seats s SET status = 'SOLD', held_until = NULL FROM paid WHERE s.reservation_id = paid.id
         ), payment AS (
           INSERT INTO payments (user_id, reservation_id, amount) SELECT user_id, id, price FROM paid
           RETURNING id, reservation_id, amount, created_at
         ), ledger AS (
           INSERT INTO balance_ledger (user_id, kind, delta, payment_id) SELECT $2, 'PAYMENT', -amount, id FROM payment
         )
         SELECT payment.id, payment.reservation_id, payment.amount, payment.created_at, paid.concert_id, paid.schedule_id, paid.seat_no
           FROM payment JOIN paid ON paid.id = payment.reservation_id ORDER BY payment.reservation_id`,
        [ids, userId],
      );
      return paid.rows.map((row) => ({
        id: row.id,
        reservationId: row.reservation_id,
        userId,
        concertId: row.concert_id,
        scheduleId: row.schedule_id,
        seatId: row.seat_no,
        amount: row.amount,
        status: 'PAID' as const,
        paidAt: row.created_at.toISOString(),
        balance,
      }));
    });
  }

  /** The stored response of an earlier successful payment with this key and body, if any. */
  async replayPayment(
    userId: number,
    reservationIds: readonly number[],
    key: string,
  ): Promise<PaymentResult[] | undefined> {
    const ids = [...reservationIds].sort((a, b) => a - b);
    return (await this.storedResponse<PaymentResult[]>('payment', userId, key, requestHash({ reservationIds: ids })))
      ?.body;
  }

  /** Release holds that ran out (at most `limit` seats per call) → the schedules whose seats changed. */
  async releaseExpiredHolds(limit: number): Promise<Array<{ concertId: number; scheduleId: number; seats: number }>> {
    const result = await this.db.write('hold-expiry', (db) =>
      db.query<{ concert_id: number; schedule_id: number; seats: number }>(
        `WITH due AS (
           SELECT concert_id, schedule_id, seat_no, reservation_id FROM seats
            WHERE status = 'HELD' AND held_until <= now()
            ORDER BY concert_id, schedule_id, seat_no LIMIT $1 FOR UPDATE SKIP LOCKED
         ), freed AS (
           UPDATE seats s SET status = 'AVAILABLE', reservation_id = NULL, held_until = NULL
             FROM due WHERE s.concert_id = due.concert_id AND s.schedule_id = due.schedule_id AND s.seat_no = due.seat_no
           RETURNING due.reservation_id, s.concert_id, s.schedule_id
         ), closed AS (
           UPDATE reservations r SET status = 'EXPIRED' FROM freed WHERE r.id = freed.reservation_id AND r.status = 'HELD'
         )
         SELECT concert_id, schedule_id, count(*)::int AS seats FROM freed GROUP BY concert_id, schedule_id`,
        [limit],
      ),
    );
    return result.rows.map((row) => ({ concertId: row.concert_id, scheduleId: row.schedule_id, seats: row.seats }));
  }

  /**
   * Run `work` in a transaction that also records the Idempotency-Key with its response, so the key is
   * stored exactly when the effect is. A replay (same key, same body) returns the stored response; the
   * same key with a different body is refused. Two concurrent requests with one key: the second waits on
   * the first's unique-key insert, then replays it.
   */
  private async idempotent<T>(
    scope: Scope,
    userId: number,
    key: string | undefined,
    request: unknown,
    work: (client: pg.PoolClient) => Promise<T>,
  ): Promise<Outcome<T>> {
    const op = scope === 'payment' ? 'payment' : 'recharge';
    if (key === undefined) return { body: await this.db.transaction(op, work), replayed: false };
    const hash = requestHash(request);
    const prior = await this.storedResponse<T>(scope, userId, key, hash);
    if (prior) return prior;
    try {
      const body = await this.db.transaction(op, async (client) => {
        const result = await work(client);
        await client.query(
          'INSERT INTO idempotency_keys (scope, user_id, key, request_hash, status_code, response) VALUES ($1, $2, $3, $4, 200, $5)',
          [scope, userId, key, hash, JSON.stringify(result)],
        );
        return result;
      });
      return { body, replayed: false };
    } catch (error) {
      if (pgCode(error) !== '23505') throw error;
      const raced = await this.storedResponse<T>(scope, userId, key, hash);
      if (raced) return raced;
      throw error;
    }
  }

  private async storedResponse<T>(
    scope: Scope,
    userId: number,
    key: string,
    requestHash: string,
  ): Promise<Outcome<T> | undefined> {
    const stored = await this.db.write('idempotency-lookup', (db) =>
      db.query<{ request_hash: string; response: T }>(
        'SELECT request_hash, response FROM idempotency_keys WHERE scope = $1 AND user_id = $2 AND key = $3',
        [scope, userId, key],
      ),
    );
    const row = stored.rows[0];
    if (!row) return undefined;
    if (row.request_hash !== requestHash) {
      throw new ApiError(
        422,
        'IDEMPOTENCY_KEY_REUSED',
        `Idempotency-Key "${key}" was already used for a different ${scope} request`,
      );
    }
    return { body: row.response, replayed: true };
  }
}

function requestHash(request: unknown): string {
  return createHash('sha256').update(JSON.stringify(request)).digest('hex');
}

function userNotFound(userId: number): ApiError {
  return new ApiError(404, 'USER_NOT_FOUND', `no user ${userId}`);
}

// Seed data: concerts × schedules × seats and users with a starting balance, generated inside PostgreSQL
// (generate_series) so 100 000 users or a million seats take seconds, not minutes of round trips.
import pg from 'pg';
import { z } from 'zod';

export const SeedSizes = z.object({
  users: z.number().int().min(1).max(10_000_000).default(1000),
  concerts: z.number().int().min(1).max(1000).default(5),
  schedules: z.number().int().min(1).max(1000).default(28),
  seats: z.number().int().min(1).max(10_000).default(672),
  /** starting balance of every user, in won */
  balance: z.number().int().min(0).max(1_000_000_000_000).default(50_000_000),
});
export type SeedSizes = z.infer<typeof SeedSizes>;
export type SeedInput = z.input<typeof SeedSizes>;

export interface SeedResult {
  seeded: boolean;
  sizes: SeedSizes;
  seatRows: number;
}

/**
 * Seeds an empty database; a database that already has users is left alone (seeded: false) unless
 * `reset` is set, which first empties every table.
 */
export async function seed(
  databaseUrl: string,
  input: SeedInput = {},
  opts: { reset?: boolean } = {},
): Promise<SeedResult> {
  const sizes = SeedSizes.parse(input);
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined); // a lost connection fails the awaited query; unheard, the event would kill the process
  await client.connect();
  try {
    await client.query('BEGIN');
    if (opts.reset) {
      await client.query(
        'TRUNCATE balance_ledger, payments, idempotency_keys, seats, reservations, schedules, concerts, users RESTART IDENTITY CASCADE',
      );
    } else {
      const existing = await client.query('SELECT 1 FROM users LIMIT 1');
      if (existing.rowCount) {
        await client.query('ROLLBACK');
        return { seeded: false, sizes, seatRows: 0 };
      }
    }
    await client.query(
      "INSERT INTO users (id, name, balance) SELECT g, 'user-' || g, $2 FROM generate_series(1, $1::int) g",
      [sizes.users, sizes.balance],
    );
    await client.query(
      "INSERT INTO balance_ledger (user_id, kind, delta) SELECT g, 'INITIAL', $2 FROM generate_series(1, $1::int) g WHERE $2::bigint > 0",
      [sizes.users, sizes.balance],
    );
    await client.query(
      "INSERT INTO concerts (id, title, venue) SELECT g, 'Concert ' || g, (ARRAY['Olympic Hall', 'KSPO Dome', 'Gocheok Sky Dome', 'Jamsil Arena'])[1 + (g - 1) % 4] FROM generate_series(1, $1::int) g",
      [sizes.concerts],
    );
    // one show a day from a week after seeding, at 19:00 UTC
    await client.query(
      "INSERT INTO schedules (concert_id, id, starts_at) SELECT c, s, date_trunc('day', now()) + (s + 6) * interval '1 day' + interval '19 hours' FROM generate_series(1, $1::int) c, generate_series(1, $2::int) s",
      [sizes.concerts, sizes.schedules],
    );
    // price tiers by row of 24 seats: VIP rows 1-4, R 5-12, S 13-20, A beyond
    const seats = await client.query(
      `INSERT INTO seats (concert_id, schedule_id, seat_no, price)
       SELECT c, s, n, CASE WHEN (n - 1) / 24 < 4 THEN 150000 WHEN (n - 1) / 24 < 12 THEN 120000 WHEN (n - 1) / 24 < 20 THEN 90000 ELSE 60000 END
       FROM generate_series(1, $1::int) c, generate_series(1, $2::int) s, generate_series(1, $3::int) n`,
      [sizes.concerts, sizes.schedules, sizes.seats],
    );
    await client.query('COMMIT');
    await client.query('ANALYZE');
    return { seeded: true, sizes, seatRows: seats.rowCount ?? 0 };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

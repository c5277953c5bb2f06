// The data invariants of the reference API, as SQL over its schema (reference-api/migrations) and as a pure
// function over a snapshot of its Redis waiting queue. Each SQL check returns exactly one row:
// `checked` (rows looked at), `violations` (rows breaking the invariant), `examples` (up to five, readable)
// and `detail` (one line of context for the table). The checks deliberately re-derive what the schema's own
// constraints promise: verify must also catch a schema that lost a constraint or an external database.
import { checkResult, type CheckResult } from './report.ts';

/**
 * A HELD reservation whose expiry passed less than this long ago may still block its seat: the API's
 * sweeper returns expired holds in batches on a timer (every second, 2,000 seats a batch; reference-api
 * src/jobs.ts), not at the instant of expiry, and it pauses while PostgreSQL is down. Thirty sweeps of
 * slack; beyond it, a blocking expired hold is a violation (a seat lost to sale). The same grace applies
 * to an expired queue admission still occupying an active slot (admission ticks every 100 ms).
 */
export const HOLD_GRACE_SECONDS = 30;

export interface SqlInvariant {
  id: string;
  title: string;
  /** one row: checked, violations, examples text[], detail text; $1 is the hold grace in seconds when usesGrace */
  sql: string;
  usesGrace?: boolean;
}

const EXAMPLES = 5;
/** checked/violations/examples from a CTE named `bad(what)` and a count expression. */
const summarise = (checked: string, detail = 'NULL::text') =>
  `SELECT (${checked}) AS checked, (SELECT count(*) FROM bad) AS violations,
          ARRAY(SELECT what FROM bad LIMIT ${EXAMPLES}) AS examples, ${detail} AS detail`;

const seat = (alias: string) => `${alias}.concert_id || '/' || ${alias}.schedule_id || '/' || ${alias}.seat_no`;

export const SQL_INVARIANTS: readonly SqlInvariant[] = [
  {
    id: 'seat-single-owner',
    title: 'no seat held or sold twice',
    sql: `WITH live AS (
            SELECT concert_id, schedule_id, seat_no, count(*) AS n, string_agg(id || ' ' || status, ', ' ORDER BY id) AS reservations
            FROM reservations WHERE status IN ('HELD', 'PAID') GROUP BY concert_id, schedule_id, seat_no),
          bad AS (SELECT 'seat ' || ${seat('live')} || ' has ' || n || ' live reservations (' || reservations || ')' AS what FROM live WHERE n > 1)
          ${summarise('SELECT count(*) FROM live', "(SELECT count(*) || ' seats with a live reservation' FROM live)")}`,
  },
  {
    id: 'seat-matches-reservation',
    title: 'seat rows agree with reservation rows',
    sql: `WITH seat_view AS (
            SELECT s.*, r.id AS r_id, r.status AS r_status,
                   (r.concert_id, r.schedule_id, r.seat_no) IS NOT DISTINCT FROM (s.concert_id, s.schedule_id, s.seat_no) AS same_seat
            FROM seats s LEFT JOIN reservations r ON r.id = s.reservation_id),
          bad AS (
            SELECT 'seat ' || ${seat('seat_view')} || ' is ' || status || ' but points at reservation ' || coalesce(r_id::text, 'none')
                   || ' (' || coalesce(r_status, 'missing') || CASE WHEN same_seat OR r_id IS NULL THEN '' ELSE ', another seat' END || ')' AS what
            FROM seat_view
            WHERE NOT ((status = 'AVAILABLE' AND reservation_id IS NULL)
                    OR (status = 'HELD' AND r_status = 'HELD' AND same_seat AND held_until IS NOT NULL)
                    OR (status = 'SOLD' AND r_status = 'PAID' AND same_seat))
            UNION ALL
            SELECT 'reservation ' || r.id || ' (' || r.status || ') is live but seat ' || ${seat('r')} || ' points at '
                   || coalesce(s.reservation_id::text, CASE WHEN s.seat_no IS NULL THEN 'nothing (no such seat)' ELSE 'nothing' END)
            FROM reservations r
            LEFT JOIN seats s ON (s.concert_id, s.schedule_id, s.seat_no) = (r.concert_id, r.schedule_id, r.seat_no)
            WHERE r.status IN ('HELD', 'PAID') AND s.reservation_id IS DISTINCT FROM r.id)
          ${summarise("(SELECT count(*) FROM seats) + (SELECT count(*) FROM reservations WHERE status IN ('HELD', 'PAID'))", "(SELECT count(*) FILTER (WHERE status = 'HELD') || ' held, ' || count(*) FILTER (WHERE status = 'SOLD') || ' sold of ' || count(*) || ' seats' FROM seats)")}`,
  },
  {
    id: 'no-negative-balance',
    title: 'no balance below zero',
    sql: `WITH bad AS (SELECT 'user ' || id || ' has balance ' || balance AS what FROM users WHERE balance < 0)
          ${summarise('SELECT count(*) FROM users')}`,
  },
  {
    id: 'balance-matches-ledger',
    title: "each user's balance equals the sum of their ledger",
    sql: `WITH ledger AS (SELECT user_id, sum(delta) AS total FROM balance_ledger GROUP BY user_id),
          bad AS (
            SELECT 'user ' || u.id || ' has balance ' || u.balance || ' but ledger sums to ' || coalesce(l.total, 0) AS what
            FROM users u LEFT JOIN ledger l ON l.user_id = u.id WHERE u.balance <> coalesce(l.total, 0)
            UNION ALL
            SELECT 'ledger entries for unknown user ' || l.user_id FROM ledger l WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = l.user_id))
          ${summarise('SELECT count(*) FROM users')}`,
  },
  {
    id: 'money-conserved',
    title: 'money conserved: initial + recharges = balances + payments',
    sql: `WITH totals AS (
            SELECT (SELECT coalesce(sum(delta), 0) FROM balance_ledger WHERE kind = 'INITIAL') AS initial,
                   (SELECT coalesce(sum(delta), 0) FROM balance_ledger WHERE kind = 'RECHARGE') AS recharges,
                   (SELECT coalesce(sum(balance), 0) FROM users) AS balances,
                   (SELECT coalesce(sum(amount), 0) FROM payments) AS payments),
          equation AS (
            SELECT initial + recharges AS money_in, balances + payments AS money_held,
                   'initial ' || initial || ' + recharges ' || recharges || ' = ' || (initial + recharges)
                   || '; balances ' || balances || ' + payments ' || payments || ' = ' || (balances + payments) AS text
            FROM totals),
          bad AS (SELECT 'money in ≠ money held: ' || text || ' (off by ' || (money_held - money_in) || ')' AS what FROM equation WHERE money_in <> money_held)
          ${summarise('1', '(SELECT text FROM equation)')}`,
  },
  {
    id: 'payment-matches-reservation',
    title: 'every payment has a paid reservation, and vice versa',
    sql: `WITH payment_ledger AS (SELECT payment_id, count(*) AS n, sum(delta) AS total FROM balance_ledger WHERE kind = 'PAYMENT' GROUP BY payment_id),
          bad AS (
            SELECT 'payment ' || p.id || ' is for reservation ' || p.reservation_id || ' which is ' || coalesce(r.status, 'missing')
                   || CASE WHEN r.user_id <> p.user_id THEN ' and belongs to user ' || r.user_id || ', not ' || p.user_id ELSE '' END
                   || CASE WHEN r.price <> p.amount THEN ' (price ' || r.price || ', paid ' || p.amount || ')' ELSE '' END AS what
            FROM payments p LEFT JOIN reservations r ON r.id = p.reservation_id
            WHERE r.status IS DISTINCT FROM 'PAID' OR r.user_id <> p.user_id OR r.price <> p.amount
            UNION ALL
            SELECT 'reservation ' || r.id || ' is PAID but has no payment' FROM reservations r
            WHERE r.status = 'PAID' AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.reservation_id = r.id)
            UNION ALL
            SELECT 'payment ' || p.id || ' of ' || p.amount || ' has ' || coalesce(l.n, 0) || ' ledger entries totalling ' || coalesce(l.total, 0)
            FROM payments p LEFT JOIN payment_ledger l ON l.payment_id = p.id
            WHERE l.n IS DISTINCT FROM 1 OR l.total <> -p.amount)
          ${summarise("(SELECT count(*) FROM payments) + (SELECT count(*) FROM reservations WHERE status = 'PAID')", "(SELECT count(*) || ' payments' FROM payments)")}`,
  },
  {
    id: 'no-stale-hold',
    title: 'no expired hold still blocking a seat',
    usesGrace: true,
    sql: `WITH bad AS (
            SELECT 'reservation ' || id || ' for seat ' || ${seat('reservations')} || ' expired at ' || to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || ' and is still HELD' AS what
            FROM reservations WHERE status = 'HELD' AND expires_at < now() - make_interval(secs => $1)
            UNION ALL
            SELECT 'seat ' || ${seat('seats')} || ' is HELD until ' || to_char(held_until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || ', long past'
            FROM seats WHERE status = 'HELD' AND held_until < now() - make_interval(secs => $1))
          ${summarise("(SELECT count(*) FROM reservations WHERE status = 'HELD') + (SELECT count(*) FROM seats WHERE status = 'HELD')", "(SELECT count(*) || ' holds live' FROM reservations WHERE status = 'HELD')")}`,
  },
];

export function sqlCheckResult(
  invariant: SqlInvariant,
  row:
    | { checked: string | number; violations: string | number; examples: string[] | null; detail: string | null }
    | undefined,
): CheckResult {
  return checkResult(
    invariant.id,
    invariant.title,
    Number(row?.checked ?? 0),
    Number(row?.violations ?? 0),
    row?.examples ?? [],
    row?.detail ?? undefined,
  );
}

/**
 * Arrival numbers and issue times come from different clocks (Redis INCR vs each worker's Date.now()), so
 * two tokens issued within this window may legitimately appear in either order.
 */
export const QUEUE_ORDER_TOLERANCE_MS = 1_000;

/** An atomic read of the API's waiting queue (reference-api/src/store/queue.ts documents the keys). */
export interface QueueSnapshot {
  /** Redis server time when the snapshot was taken */
  nowMs: number;
  waiting: { token: string; arrival: number }[];
  active: { token: string; expiresAtMs: number }[];
  /** live token records (queue:token:<token>) */
  records: { token: string; userId: number; issuedAtMs: number }[];
  /** queue:user:<userId> → token */
  userPointers: { userId: number; token: string }[];
}

const shortToken = (token: string) => (token.length > 24 ? `${token.slice(0, 20)}…` : token);

/** Pure checks over the queue snapshot: every issued token placed once, one token per user, order kept, no stale admissions. */
export function queueInvariants(snapshot: QueueSnapshot, graceSeconds: number): CheckResult[] {
  const waiting = new Map(snapshot.waiting.map((entry) => [entry.token, entry.arrival]));
  const active = new Map(snapshot.active.map((entry) => [entry.token, entry.expiresAtMs]));
  const records = new Map(snapshot.records.map((record) => [record.token, record]));

  const misplaced = snapshot.records.flatMap((record) => {
    if (waiting.has(record.token) && active.has(record.token))
      return [`token ${shortToken(record.token)} of user ${record.userId} is both WAITING and ACTIVE`];
    if (!waiting.has(record.token) && !active.has(record.token))
      return [
        `token ${shortToken(record.token)} of user ${record.userId} was issued but is neither waiting nor active (dropped from the queue)`,
      ];
    return [];
  });

  const tokensByUser = new Map<number, string[]>();
  for (const record of snapshot.records)
    tokensByUser.set(record.userId, [...(tokensByUser.get(record.userId) ?? []), record.token]);
  const ownership = [
    ...[...tokensByUser]
      .filter(([, tokens]) => tokens.length > 1)
      .map(([userId, tokens]) => `user ${userId} holds ${tokens.length} live tokens`),
    ...snapshot.userPointers.flatMap(({ userId, token }) => {
      const owner = records.get(token)?.userId;
      return owner !== undefined && owner !== userId
        ? [`user ${userId}'s token ${shortToken(token)} belongs to user ${owner}`]
        : [];
    }),
  ];

  const byArrival = [...snapshot.waiting]
    .sort((a, b) => a.arrival - b.arrival)
    .flatMap((entry) => {
      const record = records.get(entry.token);
      return record ? [{ ...record, arrival: entry.arrival }] : [];
    });
  const inversions: string[] = [];
  let latest = byArrival[0];
  for (const entry of byArrival) {
    if (latest && entry.issuedAtMs < latest.issuedAtMs - QUEUE_ORDER_TOLERANCE_MS) {
      inversions.push(
        `user ${entry.userId} (issued ${latest.issuedAtMs - entry.issuedAtMs} ms before user ${latest.userId}) waits behind them`,
      );
    }
    if (!latest || entry.issuedAtMs > latest.issuedAtMs) latest = entry;
  }

  const staleBefore = snapshot.nowMs - graceSeconds * 1000;
  const stale = snapshot.active
    .filter((entry) => entry.expiresAtMs < staleBefore)
    .map(
      (entry) =>
        `token ${shortToken(entry.token)} expired ${Math.round((snapshot.nowMs - entry.expiresAtMs) / 1000)} s ago and still counts as ACTIVE`,
    );

  const detail = `${snapshot.waiting.length} waiting, ${snapshot.active.length} active, ${snapshot.records.length} tokens issued`;
  return [
    checkResult(
      'queue-tokens-placed',
      'every issued queue token is waiting or active, once',
      snapshot.records.length,
      misplaced.length,
      misplaced.slice(0, EXAMPLES),
      detail,
    ),
    checkResult(
      'queue-one-token-per-user',
      'each queue token belongs to one user, each user has one token',
      snapshot.records.length,
      ownership.length,
      ownership.slice(0, EXAMPLES),
    ),
    checkResult(
      'queue-order',
      'the waiting queue keeps arrival order',
      byArrival.length,
      inversions.length,
      inversions.slice(0, EXAMPLES),
    ),
    checkResult(
      'queue-no-stale-admission',
      'no expired token still occupying an active slot',
      snapshot.active.length,
      stale.length,
      stale.slice(0, EXAMPLES),
    ),
  ];
}

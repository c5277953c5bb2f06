// In-process load for the fault-survival tests: virtual users book through the public API (token →
// reserve → pay → recharge) while a test breaks things underneath. Every write is classified by what the
// client was told — acknowledged (2xx), rejected (4xx) or unknown (no answer before the deadline) — so the
// test can then prove that every acknowledged write is in the database and nothing was applied twice.
// Payments and recharges are retried with the same Idempotency-Key until they get an answer, exactly as a
// careful client would; a random share of acknowledged recharges is deliberately sent again to prove replays
// are harmless.
import { randomInt, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LoadCounts {
  /** HTTP requests sent, retries included */
  requests: number;
  /** writes that got a 2xx */
  acknowledged: number;
  /** extra attempts of an idempotent write after a network error or 5xx */
  retried: number;
  /** acknowledged writes sent once more with the same key, to prove replays change nothing */
  replayed: number;
  /** replays whose answer differed from the original acknowledgement */
  replayMismatches: number;
  /** writes answered 4xx (seat taken, token gone, insufficient balance …) */
  rejected: number;
  /** writes with no answer before the retry deadline: outcome unknown to the client */
  unknown: number;
  /** answers that were a 5xx or a dropped connection, before any retry */
  failures: number;
}

export interface AckedPayment {
  userId: number;
  key: string;
  reservationIds: number[];
}
export interface AckedRecharge {
  userId: number;
  key: string;
  amount: number;
}
export interface WriteLog {
  reservations: { userId: number; ids: number[] }[];
  payments: AckedPayment[];
  recharges: AckedRecharge[];
  /** users with a write of unknown outcome: their exact balance cannot be predicted */
  uncertainUsers: Set<number>;
}

export interface LoadOptions {
  baseUrl: string;
  /** virtual users; each books as its own user id 1..vus so balances can be predicted per user */
  vus: number;
  concertId: number;
  schedules: number;
  seatsPerSchedule: number;
  /** how long an idempotent write keeps retrying before its outcome counts as unknown */
  retryDeadlineMs?: number;
}

interface Reply {
  status: number;
  body: unknown;
}

export class BookingLoad {
  readonly counts: LoadCounts = {
    requests: 0,
    acknowledged: 0,
    retried: 0,
    replayed: 0,
    replayMismatches: 0,
    rejected: 0,
    unknown: 0,
    failures: 0,
  };
  readonly writes: WriteLog = { reservations: [], payments: [], recharges: [], uncertainUsers: new Set() };
  /** requests of each kind waiting for their answer right now, so a test can strike mid-payment */
  readonly inFlight = { reservation: 0, payment: 0, recharge: 0 };
  private stopping = false;
  private running: Promise<void>[] = [];

  constructor(private readonly options: LoadOptions) {}

  start(): void {
    this.running = Array.from({ length: this.options.vus }, (_, index) => this.virtualUser(index + 1));
  }

  /** Resolves as soon as at least one request of this kind is on the wire. */
  async whenInFlight(kind: keyof BookingLoad['inFlight']): Promise<void> {
    while (this.inFlight[kind] === 0) await sleep(1);
  }

  /** Stop starting new bookings and wait for every in-flight one (with its retries) to finish. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.running);
  }

  private async send(
    method: string,
    path: string,
    init: { body?: unknown; headers?: Record<string, string>; kind?: keyof BookingLoad['inFlight'] } = {},
  ): Promise<Reply | undefined> {
    this.counts.requests += 1;
    if (init.kind) this.inFlight[init.kind] += 1;
    try {
      const response = await fetch(`${this.options.baseUrl}${path}`, {
        method,
        headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: AbortSignal.timeout(5_000),
      });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // keep the text: an error page is still an answer
      }
      if (response.status >= 500) this.counts.failures += 1;
      return { status: response.status, body };
    } catch {
      this.counts.failures += 1;
      return undefined;
    } finally {
      if (init.kind) this.inFlight[init.kind] -= 1;
    }
  }

  /** An idempotent write: retried with the same key on no answer or a 5xx, until a 2xx/4xx or the deadline. */
  private async idempotentWrite(
    kind: 'payment' | 'recharge',
    userId: number,
    path: string,
    body: unknown,
    headers: Record<string, string>,
  ): Promise<Reply | undefined> {
    const deadline = Date.now() + (this.options.retryDeadlineMs ?? 30_000);
    for (let attempt = 0; ; attempt += 1) {
      if (attempt > 0) this.counts.retried += 1;
      const reply = await this.send('POST', path, { body, headers, kind });
      if (reply && reply.status < 500) return reply;
      if (Date.now() > deadline) {
        this.writes.uncertainUsers.add(userId);
        return undefined;
      }
      await sleep(100 + Math.min(attempt, 10) * 50);
    }
  }

  /** Counts a write's outcome: acknowledged, rejected, or unknown when no answer ever came. */
  private tally(reply: Reply | undefined): boolean {
    if (!reply) this.counts.unknown += 1;
    else if (reply.status < 300) this.counts.acknowledged += 1;
    else this.counts.rejected += 1;
    return reply !== undefined && reply.status < 300;
  }

  private async queueToken(userId: number): Promise<string | undefined> {
    const reply = await this.send('POST', `/api/v1/queue/users/${userId}`);
    const token = (reply?.body as { token?: unknown } | undefined)?.token;
    return reply && reply.status < 300 && typeof token === 'string' ? token : undefined;
  }

  private async virtualUser(userId: number): Promise<void> {
    const { concertId, schedules, seatsPerSchedule } = this.options;
    let token: string | undefined;
    while (!this.stopping) {
      token ??= await this.queueToken(userId);
      if (!token) {
        await sleep(200);
        continue;
      }
      const scheduleId = randomInt(1, schedules + 1);
      const seatIds = [...new Set([randomInt(1, seatsPerSchedule + 1), randomInt(1, seatsPerSchedule + 1)])];
      const heldWith = token;
      const reserved = await this.send('POST', '/api/v1/reservations', {
        body: { userId, concertId, scheduleId, seatIds },
        headers: { 'queue-token': heldWith },
        kind: 'reservation',
      });
      if (reserved?.status === 401 || reserved?.status === 403) token = undefined;
      // a reservation has no idempotency key: an unanswered one is not retried (its hold simply expires)
      if (!reserved || reserved.status >= 500) continue;
      if (!this.tally(reserved)) continue;
      const reservationIds = (reserved.body as { id: number }[]).map((reservation) => reservation.id);
      this.writes.reservations.push({ userId, ids: reservationIds });

      const paymentKey = randomUUID();
      const paid = await this.idempotentWrite(
        'payment',
        userId,
        `/api/v1/payment/payments/users/${userId}`,
        { reservationIds },
        { 'queue-token': heldWith, 'idempotency-key': paymentKey },
      );
      if (paid?.status === 401 || paid?.status === 403) token = undefined;
      if (this.tally(paid)) {
        this.writes.payments.push({ userId, key: paymentKey, reservationIds });
        token = undefined; // paying ends the queue token
      }

      const amount = randomInt(1, 100) * 1000;
      const rechargeKey = randomUUID();
      const path = `/api/v1/balance/users/${userId}/recharge`;
      const recharged = await this.idempotentWrite(
        'recharge',
        userId,
        path,
        { amount },
        { 'idempotency-key': rechargeKey },
      );
      if (this.tally(recharged)) {
        this.writes.recharges.push({ userId, key: rechargeKey, amount });
        if (randomInt(5) === 0) {
          this.counts.replayed += 1;
          const replay = await this.idempotentWrite(
            'recharge',
            userId,
            path,
            { amount },
            { 'idempotency-key': rechargeKey },
          );
          if (replay?.status !== 200 || JSON.stringify(replay.body) !== JSON.stringify(recharged?.body))
            this.counts.replayMismatches += 1;
        }
      }
    }
  }
}

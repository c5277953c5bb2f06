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
  readonly counts: LoadCounts = { requests: 0, acknowledged: 0, retried: 0, replayed: 0, rejected: 0, unknown: 0, failures: 0 };
  readonly writes: WriteLog = { reservations: [], payments: [], recharges: [], uncertainUsers: new Set() };
  private stopping = false;
  private running: Promise<void>[] = [];

  constructor(private readonly options: LoadOptions) {}

  start(): void {
    this.running = Array.from({ length: this.options.vus }, (_, index) => this.virtualUser(index + 1));
  }

  /** Stop starting new bookings and wait for every in-flight one (with its retries) to finish. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.running);
  }

  private async send(method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply | undefined> {
    this.counts.requests += 1;
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
    }
  }

  /** An idempotent write: retried with the same key on no answer or a 5xx, until a 2xx/4xx or the deadline. */
  private async idempotentWrite(userId: number, path: string, body: unknown, key: string): Promise<Reply | undefined> {
    const deadline = Date.now() + (this.options.retryDeadlineMs ?? 30_000);
    for (let attempt = 0; ; attempt += 1) {
      if (attempt > 0) this.counts.retried += 1;
      const reply = await this.send('POST', path, { body, headers: { 'idempotency-key': key } });
      if (reply && reply.status < 500) {
        if (reply.status < 300) this.counts.acknowledged += 1;
        else this.counts.rejected += 1;
        return reply;
      }
      if (Date.now() > deadline) {
        this.counts.unknown += 1;
        this.writes.uncertainUsers.add(userId);
        return undefined;
      }
      await sleep(100 + attempt * 50);
    }
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
      const reserved = await this.send('POST', '/api/v1/reservations', { body: { userId, concertId, scheduleId, seatIds }, headers: { 'queue-token': token } });
      if (!reserved || reserved.status >= 500) continue;
      if (reserved.status === 401 || reserved.status === 403) token = undefined;
      if (reserved.status >= 300) {
        this.counts.rejected += 1;
        continue;
      }
      this.counts.acknowledged += 1;
      const reservationIds = (reserved.body as { id: number }[]).map((reservation) => reservation.id);
      this.writes.reservations.push({ userId, ids: reservationIds });

      const paymentKey = randomUUID();
      const paid = await this.idempotentWrite(userId, `/api/v1/payment/payments/users/${userId}`, { reservationIds }, paymentKey);
      if (paid && paid.status < 300) {
        this.writes.payments.push({ userId, key: paymentKey, reservationIds });
        token = undefined; // paying ends the queue token
      }

      const amount = randomInt(1, 100) * 1000;
      const rechargeKey = randomUUID();
      const path = `/api/v1/balance/users/${userId}/recharge`;
      const recharged = await this.idempotentWrite(userId, path, { amount }, rechargeKey);
      if (recharged && recharged.status < 300) {
        this.writes.recharges.push({ userId, key: rechargeKey, amount });
        if (randomInt(5) === 0) {
          this.counts.replayed += 1;
          await this.idempotentWrite(userId, path, { amount }, rechargeKey);
        }
      }
    }
  }
}

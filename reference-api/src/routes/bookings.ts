import type { Express, RequestHandler } from 'express';
import type { AppDeps } from '../deps.ts';
import { ApiError, parseOr400 } from '../http/errors.ts';
import { route } from '../http/observe.ts';
import { IdempotencyKey, IdParam, PaymentBody, ReservationBody } from '../http/schemas.ts';
import { counted } from '../metrics.ts';
import { seatsKey } from '../store/catalogue.ts';
import { assertAdmitted } from '../store/token-gate.ts';
import { requireUser } from './queue.ts';

export function bookingRoutes(
  app: Express,
  { gate, bookings, catalogue, config }: AppDeps,
  body: RequestHandler[],
): void {
  route(
    app,
    'post',
    '/api/v1/reservations',
    async (req, res) => {
      const token = req.get('queue-token');
      const checked = await gate.check(token);
      assertAdmitted(checked);
      const request = parseOr400(ReservationBody, req.body, 'body');
      requireUser(checked.userId, request.userId);
      const held = await counted('reservation', () =>
        bookings.hold(request.userId, request.concertId, request.scheduleId, request.seatIds, config.HOLD_TTL_SECONDS),
      );
      await catalogue.patchSeats({
        key: seatsKey(request.concertId, request.scheduleId),
        seatNos: held.map((seat) => seat.seatId),
        available: false,
      });
      res.json(held);
    },
    body,
  );

  route(
    app,
    'post',
    '/api/v1/payment/payments/users/:userId',
    async (req, res) => {
      const token = req.get('queue-token');
      const userId = parseOr400(IdParam, req.params.userId, 'userId');
      const key = parseOr400(IdempotencyKey, req.get('idempotency-key'), 'Idempotency-Key');
      const { reservationIds } = parseOr400(PaymentBody, req.body, 'body');
      const checked = await gate.check(token);
      if (checked instanceof ApiError) {
        // a retried payment that already succeeded spent its token: answer with the stored result
        const replay =
          key && gate.ownerOf(token) === userId ? await bookings.replayPayment(userId, reservationIds, key) : undefined;
        if (!replay) throw checked;
        res.set('Idempotent-Replayed', 'true').json(replay);
        return;
      }
      requireUser(checked.userId, userId);
      const outcome = await counted('payment', () => bookings.pay(userId, reservationIds, key));
      if (outcome.replayed) res.set('Idempotent-Replayed', 'true');
      else if (token) await gate.end(token);
      res.json(outcome.body);
    },
    body,
  );
}

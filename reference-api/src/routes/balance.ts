import type { Express, RequestHandler } from 'express';
import type { AppDeps } from '../deps.ts';
import { parseOr400 } from '../http/errors.ts';
import { route } from '../http/observe.ts';
import { IdempotencyKey, IdParam, RechargeBody } from '../http/schemas.ts';
import { counted } from '../metrics.ts';

export function balanceRoutes(app: Express, { bookings }: AppDeps, body: RequestHandler[]): void {
  route(app, 'get', '/api/v1/balance/users/:userId', async (req, res) => {
    const userId = parseOr400(IdParam, req.params.userId, 'userId');
    res.json(await bookings.balance(userId));
  });

  route(
    app,
    'post',
    '/api/v1/balance/users/:userId/recharge',
    async (req, res) => {
      const userId = parseOr400(IdParam, req.params.userId, 'userId');
      const key = parseOr400(IdempotencyKey, req.get('idempotency-key'), 'Idempotency-Key');
      const { amount } = parseOr400(RechargeBody, req.body, 'body');
      const outcome = await counted('recharge', () => bookings.recharge(userId, amount, key));
      if (outcome.replayed) res.set('Idempotent-Replayed', 'true');
      res.json(outcome.body);
    },
    body,
  );
}

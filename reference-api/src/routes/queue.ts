import type { Express } from 'express';
import type { AppDeps } from '../deps.ts';
import { ApiError, parseOr400 } from '../http/errors.ts';
import { route } from '../http/observe.ts';
import { IdParam } from '../http/schemas.ts';

export function queueRoutes(app: Express, { gate, bookings }: AppDeps): void {
  route(app, 'post', '/api/v1/queue/users/:userId', async (req, res) => {
    const userId = parseOr400(IdParam, req.params.userId, 'userId');
    await bookings.assertUserExists(userId); // 404 for unknown users before anything enters the queue
    res.json(await gate.issue(userId));
  });

  route(app, 'get', '/api/v1/queue/status', async (req, res) => {
    const view = await gate.view(req.get('queue-token'));
    res.json(view);
  });
}

export function requireUser(tokenUserId: number, userId: number): void {
  if (tokenUserId !== userId)
    throw new ApiError(403, 'TOKEN_NOT_OWNED', `this queue token belongs to another user, not user ${userId}`);
}

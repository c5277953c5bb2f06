import type { Express } from 'express';
import type { AppDeps } from '../deps.ts';
import { route } from '../http/observe.ts';

export function healthRoutes(app: Express, { db, redis, cluster }: AppDeps): void {
  route(app, 'get', '/health', (_req, res) => void res.json({ status: 'ok', pid: process.pid }));

  route(app, 'get', '/health/ready', async (_req, res) => {
    const [postgres, redisUp] = await Promise.all([db.ping(), redis.ping()]);
    const ready = postgres && redisUp;
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'degraded',
      postgres: postgres ? 'up' : 'down',
      redis: redisUp ? 'up' : 'down',
    });
  });

  route(app, 'get', '/metrics', async (_req, res) => {
    const { contentType, text } = await cluster.metricsText();
    res.type(contentType).send(text);
  });
}

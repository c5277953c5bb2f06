import type { Router } from 'express';
import type { AppDeps } from '../deps.ts';
import { labelled } from '../http/observe.ts';

export function healthRoutes(router: Router, { db, redis, cluster }: AppDeps): void {
  router.get('/health', labelled('/health', (_req, res) => void res.json({ status: 'ok', pid: process.pid })));

  router.get(
    '/health/ready',
    labelled('/health/ready', async (_req, res) => {
      const [postgres, redisUp] = await Promise.all([db.ping(), redis.ping()]);
      const ready = postgres && redisUp;
      res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'degraded', postgres: postgres ? 'up' : 'down', redis: redisUp ? 'up' : 'down' });
    }),
  );

  router.get(
    '/metrics',
    labelled('/metrics', async (_req, res) => {
      const { contentType, text } = await cluster.metricsText();
      res.type(contentType).send(text);
    }),
  );
}

// Express wiring: public API under /api/v1, health and metrics, the admin surface (only when configured),
// the booking page, then 404 and the error handler. No per-request logging here: at info level the hot
// path does no I/O besides the response (per-request logs exist at debug).
import { join } from 'node:path';
import express, { type Express, type RequestHandler, Router } from 'express';
import type { AppDeps } from './deps.ts';
import { ApiError, errorHandler, notFoundHandler } from './http/errors.ts';
import { observeRequests } from './http/observe.ts';
import { chaosInjected, leakRetainedBytes } from './metrics.ts';
import { adminRouter } from './routes/admin.ts';
import { balanceRoutes } from './routes/balance.ts';
import { bookingRoutes } from './routes/bookings.ts';
import { catalogueRoutes } from './routes/catalogue.ts';
import { healthRoutes } from './routes/health.ts';
import { queueRoutes } from './routes/queue.ts';

const WEB_DIR = join(import.meta.dirname, '..', 'web');
const BODY_LIMIT = '16kb';

/** The leak switch and chaos settings, checked with two property reads when both are off. */
function faultSwitches(deps: AppDeps): RequestHandler {
  return (_req, _res, next) => {
    const { leak, chaos } = deps.cluster.settings();
    if (leak.enabled) {
      deps.leak.retain(leak.bytesPerRequest);
      leakRetainedBytes.set(deps.leak.retainedBytes);
    }
    if (chaos.latencyMs === 0 && chaos.errorRate === 0) {
      next();
      return;
    }
    const fail = Math.random() < chaos.errorRate;
    const proceed = () => {
      if (fail) {
        chaosInjected.inc({ kind: 'error' });
        next(new ApiError(500, 'CHAOS_INJECTED', 'failure injected by the chaos admin setting'));
      } else next();
    };
    if (chaos.latencyMs > 0) {
      chaosInjected.inc({ kind: 'latency' });
      setTimeout(proceed, chaos.latencyMs);
    } else proceed();
  };
}

/** Write requests do database work; answer 503 rather than hold the connection past the deadline. */
function deadline(ms: number): RequestHandler {
  return (_req, res, next) => {
    const timer = setTimeout(() => {
      if (!res.headersSent) res.status(503).json({ error: { code: 'REQUEST_TIMEOUT', message: `request did not complete within ${ms} ms` } });
    }, ms);
    res.once('close', () => clearTimeout(timer));
    next();
  };
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(observeRequests());

  const api = Router();
  api.use(faultSwitches(deps));
  const body = json(deps.config.REQUEST_TIMEOUT_MS);
  balanceRoutes(api, deps, body);
  queueRoutes(api, deps);
  catalogueRoutes(api, deps);
  bookingRoutes(api, deps, body);
  app.use('/api/v1', api);

  const ops = Router();
  healthRoutes(ops, deps);
  app.use(ops);
  if (deps.config.ADMIN_TOKEN) app.use(adminRouter(deps, deps.config.ADMIN_TOKEN));
  app.use(express.static(WEB_DIR, { index: 'index.html', maxAge: '1m' }));
  app.use(notFoundHandler);
  app.use(errorHandler(deps.log));
  return app;
}

/** JSON body parsing (strict, size-limited) plus the write deadline, for routes that take a body. */
function json(timeoutMs: number): RequestHandler[] {
  return [deadline(timeoutMs), express.json({ limit: BODY_LIMIT, strict: true })] as RequestHandler[];
}

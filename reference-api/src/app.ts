// Request handling: a thin node:http layer (latency metric, fault switches for /api/v1) in front of one
// Express app whose routes are registered at their full paths, hottest first, with no mounted
// sub-routers — every Express layer a request walks through costs throughput on the catalogue reads.
// No per-request logging: at info level the hot path does no I/O besides the response.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import express, { type Express, type RequestHandler } from 'express';
import type { AppDeps } from './deps.ts';
import { errorHandler, notFoundHandler } from './http/errors.ts';
import { timed } from './http/observe.ts';
import { chaosInjected, leakRetainedBytes } from './metrics.ts';
import { adminRouter } from './routes/admin.ts';
import { balanceRoutes } from './routes/balance.ts';
import { bookingRoutes } from './routes/bookings.ts';
import { catalogueRoutes } from './routes/catalogue.ts';
import { healthRoutes } from './routes/health.ts';
import { queueRoutes } from './routes/queue.ts';

const WEB_DIR = join(import.meta.dirname, '..', 'web');
const BODY_LIMIT = '16kb';
export const API_PREFIX = '/api/v1';
const CHAOS_BODY = Buffer.from(
  JSON.stringify({ error: { code: 'CHAOS_INJECTED', message: 'failure injected by the chaos admin setting' } }),
);

/** Write requests do database work; answer 503 rather than hold the connection past the deadline. */
function deadline(ms: number): RequestHandler {
  return (_req, res, next) => {
    const timer = setTimeout(() => {
      if (!res.headersSent)
        res
          .status(503)
          .json({ error: { code: 'REQUEST_TIMEOUT', message: `request did not complete within ${ms} ms` } });
    }, ms);
    res.once('close', () => clearTimeout(timer));
    next();
  };
}

function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  const body: RequestHandler[] = [
    deadline(deps.config.REQUEST_TIMEOUT_MS),
    express.json({ limit: BODY_LIMIT, strict: true }),
  ];
  catalogueRoutes(app, deps);
  queueRoutes(app, deps);
  bookingRoutes(app, deps, body);
  balanceRoutes(app, deps, body);
  healthRoutes(app, deps);
  if (deps.config.ADMIN_TOKEN) app.use(adminRouter(deps, deps.config.ADMIN_TOKEN));
  app.use(express.static(WEB_DIR, { index: 'index.html', maxAge: '1m' }));
  app.use(notFoundHandler);
  app.use(errorHandler(deps.log));
  return app;
}

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

export function createRequestHandler(deps: AppDeps): RequestListener {
  const app = createApp(deps);
  const dispatch: RequestListener = (req, res) => {
    if (!req.url?.startsWith(API_PREFIX)) {
      app(req, res);
      return;
    }
    const { leak, chaos } = deps.cluster.settings();
    if (leak.enabled) {
      deps.leak.retain(leak.bytesPerRequest);
      leakRetainedBytes.set(deps.leak.retainedBytes);
    }
    if (chaos.latencyMs === 0 && chaos.errorRate === 0) {
      app(req, res);
      return;
    }
    const proceed = () => {
      if (Math.random() >= chaos.errorRate) {
        app(req, res);
        return;
      }
      chaosInjected.inc({ kind: 'error' });
      res
        .writeHead(500, { 'content-type': 'application/json; charset=utf-8', 'content-length': CHAOS_BODY.length })
        .end(CHAOS_BODY);
    };
    if (chaos.latencyMs === 0) return proceed();
    chaosInjected.inc({ kind: 'latency' });
    setTimeout(proceed, chaos.latencyMs);
  };
  return (req, res) => timed(req, res, dispatch);
}

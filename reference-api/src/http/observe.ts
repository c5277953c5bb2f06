// Per-request latency by Express route pattern (not raw path, so /concerts/1 and /concerts/2 are one
// series). `route()` creates each route's series once and labels its requests with it in res.locals.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IRouter, Request, RequestHandler, Response } from 'express';
import { httpDuration } from '../metrics.ts';
import { RouteSeries } from './route-latency.ts';

const ROUTE_LOCAL = 'latencyRoute';
type LabelledResponse = ServerResponse & { locals?: Record<string, unknown> };

function record(req: IncomingMessage, res: LabelledResponse, started: number): void {
  const labelled = res.locals?.[ROUTE_LOCAL];
  const route = labelled instanceof RouteSeries ? labelled : httpDuration.unmatched(req.method ?? 'GET');
  httpDuration.record(route, res.statusCode, (performance.now() - started) / 1000);
}

/**
 * Handle a request and record its latency under its route: at once when the handler answered
 * synchronously (warm catalogue reads — the response is complete, and no per-request 'finish' listener
 * is needed), else when the response finishes.
 */
export function timed(
  req: IncomingMessage,
  res: LabelledResponse,
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): void {
  const started = performance.now();
  handle(req, res);
  if (res.writableEnded) record(req, res, started);
  else res.once('finish', () => record(req, res, started));
}

/**
 * A route's handler chain: first label the request with the route pattern (so even a body-parser
 * refusal is counted under its route), then `before` (body parsing), then the handler, whose sync
 * throws and async rejections reach the error handler.
 */
export type Handler = (req: Request, res: Response) => void | Promise<void>;

function labelled(route: RouteSeries, handler: Handler, before: RequestHandler[]): RequestHandler[] {
  const label: RequestHandler = (_req, res, next) => {
    res.locals[ROUTE_LOCAL] = route;
    next();
  };
  const run: RequestHandler = (req, res, next) => {
    res.locals[ROUTE_LOCAL] = route;
    try {
      const result = handler(req, res);
      if (result) result.catch(next);
    } catch (error) {
      next(error);
    }
  };
  // the hot read routes have nothing before them: one layer, labelled inside `run`
  return before.length === 0 ? [run] : [label, ...before, run];
}

/** Register `handler` for `method path`, labelled with `path` for the latency metric. */
export function route(
  router: IRouter,
  method: 'get' | 'post',
  path: string,
  handler: Handler,
  before: RequestHandler[] = [],
): void {
  router[method](path, labelled(httpDuration.route(method, path), handler, before));
}

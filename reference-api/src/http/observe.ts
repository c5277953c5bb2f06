// Per-request latency by Express route pattern (not raw path, so /concerts/1 and /concerts/2 are one
// series). Routes register their pattern with `labelled`; the histogram child for each
// (method, route, status) is cached so the hot path does one Map lookup and one observe.
import type { ServerResponse } from 'node:http';
import type { IRouter, Request, RequestHandler, Response } from 'express';
import type { Histogram } from 'prom-client';
import { httpDuration } from '../metrics.ts';

const children = new Map<string, Histogram.Internal<'method' | 'route' | 'status'>>();
const UNMATCHED = 'unmatched';

function child(method: string, route: string, status: number): Histogram.Internal<'method' | 'route' | 'status'> {
  const key = `${method} ${route} ${status}`;
  let found = children.get(key);
  if (!found) {
    found = httpDuration.labels(method, route, String(status));
    children.set(key, found);
  }
  return found;
}

const STARTED = Symbol('requestStarted');
type TimedResponse = ServerResponse & { [STARTED]?: number; locals?: Record<string, unknown> };

// one shared listener (no closure per request): the response carries its own start time
function onFinish(this: TimedResponse): void {
  const route = typeof this.locals?.['route'] === 'string' ? this.locals['route'] : UNMATCHED;
  child(this.req.method ?? 'GET', route, this.statusCode).observe((performance.now() - (this[STARTED] ?? 0)) / 1000);
}

/** Start timing a request; on finish, observe it under the route pattern the handler set in res.locals. */
export function observeRequest(res: TimedResponse): void {
  res[STARTED] = performance.now();
  res.on('finish', onFinish);
}

/**
 * A route's handler chain: first label the request with the route pattern (so even a body-parser
 * refusal is counted under its route), then `before` (body parsing), then the handler, whose sync
 * throws and async rejections reach the error handler.
 */
export type Handler = (req: Request, res: Response) => void | Promise<void>;

function labelled(route: string, handler: Handler, before: RequestHandler[]): RequestHandler[] {
  const label: RequestHandler = (_req, res, next) => {
    res.locals['route'] = route;
    next();
  };
  const run: RequestHandler = (req, res, next) => {
    res.locals['route'] = route;
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
export function route(router: IRouter, method: 'get' | 'post', path: string, handler: Handler, before: RequestHandler[] = []): void {
  router[method](path, labelled(path, handler, before));
}

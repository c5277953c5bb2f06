// Catalogue reads: the hot path. A warm GET /concerts does a Map lookup for the token, a Map lookup for
// the pre-serialised body, and one writeHead/end — no JSON.stringify, no ETag hashing per request.
import type { Express, Request, Response } from 'express';
import type { AppDeps } from '../deps.ts';
import { parseOr400 } from '../http/errors.ts';
import { route } from '../http/observe.ts';
import { IdParam } from '../http/schemas.ts';
import type { CachedBody } from '../store/catalogue.ts';
import { assertAdmitted } from '../store/token-gate.ts';

function send(req: Request, res: Response, cached: CachedBody): void {
  if (req.headers['if-none-match'] === cached.etag) {
    res.writeHead(304, { etag: cached.etag });
    res.end();
    return;
  }
  res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': cached.body.length,
    etag: cached.etag,
    'cache-control': 'private, no-cache',
  });
  res.end(cached.body);
}

export function catalogueRoutes(app: Express, { gate, catalogue }: AppDeps): void {
  route(app, 'get', '/api/v1/concerts', (req, res) => {
    const checked = gate.check(req.headers['queue-token'] as string | undefined);
    const warm = catalogue.peek('concerts');
    if (warm && !(checked instanceof Promise)) {
      assertAdmitted(checked);
      send(req, res, warm);
      return;
    }
    return (async () => {
      assertAdmitted(await checked);
      send(req, res, await catalogue.concerts());
    })();
  });

  route(app, 'get', '/api/v1/concerts/:concertId/schedules', async (req, res) => {
    assertAdmitted(await gate.check(req.get('queue-token')));
    const concertId = parseOr400(IdParam, req.params.concertId, 'concertId');
    send(req, res, await catalogue.schedules(concertId));
  });

  route(app, 'get', '/api/v1/concerts/:concertId/schedules/:scheduleId/seats', async (req, res) => {
    assertAdmitted(await gate.check(req.get('queue-token')));
    const concertId = parseOr400(IdParam, req.params.concertId, 'concertId');
    const scheduleId = parseOr400(IdParam, req.params.scheduleId, 'scheduleId');
    send(req, res, await catalogue.seats(concertId, scheduleId));
  });
}

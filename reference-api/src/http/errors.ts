// One error type for every expected failure, rendered as { error: { code, message } } with its status.
// Anything else reaching the error handler is a bug or an outage and becomes a 500/503 without details.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** Outage of a dependency (PostgreSQL/Redis) the request cannot do without: 503, retryable. */
export class DependencyError extends ApiError {
  constructor(dependency: string, cause: unknown) {
    super(503, 'DEPENDENCY_UNAVAILABLE', `${dependency} is unavailable, retry shortly`);
    this.cause = cause;
  }
}

export function sendError(res: Parameters<RequestHandler>[1], error: ApiError): void {
  res.status(error.status).json({ error: { code: error.code, message: error.message, ...error.details } });
}

/** Parse with a zod schema or throw a 400 naming the first bad field. */
export function parseOr400<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue && issue.path.length > 0 ? `${what}.${issue.path.join('.')}` : what;
  throw new ApiError(400, 'BAD_REQUEST', `${field}: ${issue?.message ?? 'invalid'}`);
}

export const notFoundHandler: RequestHandler = (req, res) => {
  sendError(res, new ApiError(404, 'NOT_FOUND', `no route for ${req.method} ${req.path}`));
};

/** Errors thrown by body-parser (malformed JSON, too large, wrong charset) carry a 4xx `status` and `type`. */
const BodyParserError = z.object({ status: z.number().int().min(400).max(499), type: z.string() });

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof ApiError) {
      if (error instanceof DependencyError) log.warn({ err: error.cause, route: req.path }, error.message);
      sendError(res, error);
      return;
    }
    const bodyError = BodyParserError.safeParse(error);
    if (bodyError.success) {
      const message =
        bodyError.data.type === 'entity.too.large' ? 'request body too large' : 'request body is not valid JSON';
      sendError(res, new ApiError(bodyError.data.status, 'BAD_REQUEST', message));
      return;
    }
    log.error({ err: error, method: req.method, path: req.path }, 'unhandled error');
    sendError(res, new ApiError(500, 'INTERNAL', 'internal error'));
  };
}

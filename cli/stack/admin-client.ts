// The CLI side of the API's admin surface: one typed method per AdminRoutes entry. Bodies are validated
// against the shared contract before they are sent; answers are parsed; failures become UserErrors.
import { z } from 'zod';
import {
  ADMIN_TOKEN_HEADER,
  AdminRoutes,
  AdminState,
  ChaosBody,
  EnabledBody,
  LeakBody,
  PoolBody,
  QueueRestoreBody,
  ReadRoutingBody,
} from '../../reference-api/src/admin-contract.ts';
import { UserError } from '../shared/errors.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import type { StackState } from '../shared/stack-state.ts';

// Answers the contract documents; other fields the API may add are kept.
export const CacheWarmResult = z.looseObject({ keys: z.number() });
export const HeapSnapshotResult = z.looseObject({ path: z.string(), bytes: z.number() });
export const QueueSnapshotResult = z.looseObject({ snapshotId: z.string(), entries: z.number() });
export const QueueRestoreResult = z.looseObject({ restored: z.number(), requeued: z.number() });
export const RollingRestartResult = z.looseObject({ restarted: z.number() });
/** Routes whose answer the contract leaves open: whatever JSON object the API sends back. */
const AnyObject = z.looseObject({});

type AdminRoute = (typeof AdminRoutes)[keyof typeof AdminRoutes];

/** Admin calls can be slow on purpose (rolling restart, heap snapshot), so the timeout is generous. */
const ADMIN_TIMEOUT_MS = 120_000;

export function adminClient(state: Pick<StackState, 'api'>) {
  const { url: baseUrl, adminToken } = state.api;

  async function call<T extends z.ZodType>(
    method: 'GET' | 'POST',
    route: AdminRoute,
    answer: T,
    body?: unknown,
  ): Promise<z.infer<T>> {
    const url = `${baseUrl}${route}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          [ADMIN_TOKEN_HEADER]: adminToken,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(ADMIN_TIMEOUT_MS),
      });
    } catch (error) {
      const cause =
        error instanceof Error && error.cause instanceof Error
          ? error.cause.message
          : error instanceof Error
            ? error.message
            : String(error);
      throw new UserError(
        `the API's admin surface at ${url} is not answering (${cause}).`,
        'check the stack with `loadctl status`; start it with `loadctl up`',
        ExitCode.environment,
      );
    }
    const text = await response.text();
    if (!response.ok) throw httpError(url, response.status, text);
    let json: unknown;
    try {
      json = text === '' ? {} : JSON.parse(text);
    } catch {
      throw new UserError(
        `${method} ${url} answered ${response.status} with a body that is not JSON.`,
        'check the API log named by `loadctl status`',
        ExitCode.environment,
      );
    }
    const parsed = answer.safeParse(json);
    if (!parsed.success) {
      throw new UserError(
        `${method} ${url} answered with an unexpected shape: ${parsed.error.issues[0]?.message ?? 'invalid'}.`,
        'the CLI and the API disagree on the admin contract',
        ExitCode.environment,
      );
    }
    return parsed.data;
  }

  const post = <T extends z.ZodType>(route: AdminRoute, answer: T, body: unknown = {}) =>
    call('POST', route, answer, body);

  return {
    state: () => call('GET', AdminRoutes.state, AdminState),
    cacheBypass: (body: z.input<typeof EnabledBody>) =>
      post(AdminRoutes.cacheBypass, AnyObject, valid(EnabledBody, body)),
    cacheWarm: () => post(AdminRoutes.cacheWarm, CacheWarmResult),
    dbPool: (body: z.input<typeof PoolBody>) => post(AdminRoutes.dbPool, AnyObject, valid(PoolBody, body)),
    readRouting: (body: z.input<typeof ReadRoutingBody>) =>
      post(AdminRoutes.readRouting, AnyObject, valid(ReadRoutingBody, body)),
    leak: (body: z.input<typeof LeakBody>) => post(AdminRoutes.leak, AnyObject, valid(LeakBody, body)),
    heapSnapshot: () => post(AdminRoutes.heapSnapshot, HeapSnapshotResult),
    queueSnapshot: () => post(AdminRoutes.queueSnapshot, QueueSnapshotResult),
    queueRestore: (body: z.input<typeof QueueRestoreBody> = {}) =>
      post(AdminRoutes.queueRestore, QueueRestoreResult, valid(QueueRestoreBody, body)),
    staticQueue: (body: z.input<typeof EnabledBody>) =>
      post(AdminRoutes.staticQueue, AnyObject, valid(EnabledBody, body)),
    rollingRestart: () => post(AdminRoutes.rollingRestart, RollingRestartResult),
    chaos: (body: z.input<typeof ChaosBody>) => post(AdminRoutes.chaos, AnyObject, valid(ChaosBody, body)),
  } satisfies Record<keyof typeof AdminRoutes, unknown>;
}

export type AdminClient = ReturnType<typeof adminClient>;

/** Check a body against the contract before sending it, so bad values fail here in one line. */
function valid<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(
      `invalid admin request: ${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid'}.`,
      undefined,
      ExitCode.badInput,
    );
  }
  return parsed.data;
}

/** The API's own message when it sent one ({ error } or { message }), else the status alone. */
function httpError(url: string, status: number, body: string): UserError {
  let detail = '';
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object') {
      const { error, message } = parsed as { error?: unknown; message?: unknown };
      detail = typeof error === 'string' ? error : typeof message === 'string' ? message : '';
    }
  } catch {
    detail = body.slice(0, 200);
  }
  const what = `${url} answered ${status}${detail ? `: ${detail}` : ''}.`;
  if (status === 401 || status === 403)
    return new UserError(
      what,
      'the admin token in the state file does not match the running API; restart it with `loadctl down && loadctl up`',
      ExitCode.environment,
    );
  if (status === 404)
    return new UserError(
      what,
      'the API was started without ADMIN_TOKEN or is an older build; restart it with `loadctl down && loadctl up`',
      ExitCode.environment,
    );
  return new UserError(
    what,
    status < 500 ? 'check the values passed' : 'read the API log named by `loadctl status`',
    status < 500 ? ExitCode.badInput : ExitCode.environment,
  );
}

// The reference API as k6 sees it (SPEC §3): one function per endpoint, each request tagged with its route
// template as `name`, so /concerts/3/schedules and /concerts/4/schedules report as one endpoint.
import http from 'k6/http';
import type { Params, RefinedResponse, ResponseType } from 'k6/http';
import { sleep } from 'k6';
import { Counter } from 'k6/metrics';

export const BASE_URL = (__ENV.BASE_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
const API = `${BASE_URL}/api/v1`;

type Response = RefinedResponse<ResponseType | undefined>;

// 409 (seat already taken, all or nothing) is the correct answer when users race for a seat: it must not
// count as a failure in http_req_failed, but it is counted on its own so a report can show contention.
// A Counter only (its share is business_conflicts / http_reqs): a Rate would add a sample to every request.
http.setResponseCallback(http.expectedStatuses({ min: 200, max: 299 }, 409));
export const businessConflicts = new Counter('business_conflicts');
const PAYMENT_MAY_BE_SHORT = http.expectedStatuses({ min: 200, max: 299 }, 402, 409);

function record(route: string, response: Response): Response {
  if (response.status === 409) businessConflicts.add(1, { name: route });
  return response;
}

/** One tags object per route, made once: k6 reads it on every request, and it never changes. */
const routeTags = new Map<string, { name: string }>();
const tagsOf = (route: string): { name: string } => {
  const known = routeTags.get(route);
  if (known) return known;
  const tags = { name: route };
  routeTags.set(route, tags);
  return tags;
};

/**
 * Read workloads set discardResponseBodies in the catalogue (k6 then skips keeping bodies it will not look at, which matters at
 * 5000 req/s); a call whose body is needed anyway says so with responseType 'text'.
 * The params are built by assignment, not object spreads: this runs on every request, and in k6's JavaScript
 * engine a spread costs several times a property write (it showed as 4 % of k6's CPU at 1,500 requests/s).
 */
function send(
  method: 'GET' | 'POST',
  route: string,
  path: string,
  body: unknown,
  headers: Record<string, string>,
  responseType?: 'text',
  responseCallback?: ReturnType<typeof http.expectedStatuses>,
): Response {
  const params: Params = { headers, tags: tagsOf(route) };
  if (responseType) params.responseType = responseType;
  if (responseCallback) params.responseCallback = responseCallback;
  if (method === 'GET') return record(route, http.get(`${API}${path}`, params));
  if (body === undefined) return record(route, http.post(`${API}${path}`, null, params));
  // every caller passes a headers object made for this one request
  headers['Content-Type'] = 'application/json';
  return record(route, http.post(`${API}${path}`, JSON.stringify(body), params));
}

const tokenHeader = (token: string): Record<string, string> => ({ 'QUEUE-TOKEN': token });

/** POST /payment for a user's reservations; `expected` widens the answers that count as success. */
const payment = (
  token: string,
  userId: number,
  reservationIds: number[],
  expected?: ReturnType<typeof http.expectedStatuses>,
): Response =>
  send(
    'POST',
    '/payment/payments/users/:userId',
    `/payment/payments/users/${userId}`,
    { reservationIds },
    tokenHeader(token),
    'text',
    expected,
  );

export interface QueueTicket {
  token: string;
  status: 'WAITING' | 'ACTIVE' | string;
  position?: number;
}
export interface CatalogueItem {
  id: number;
  available: boolean;
}
export interface SeatItem {
  /** the seat number within the schedule, 1..672: what POST /reservations takes as seatIds */
  seatNo: number;
  available: boolean;
}

export const api = {
  balance: (userId: number) => send('GET', '/balance/users/:userId', `/balance/users/${userId}`, undefined, {}),
  recharge: (userId: number, amount: number, idempotencyKey?: string) =>
    send(
      'POST',
      '/balance/users/:userId/recharge',
      `/balance/users/${userId}/recharge`,
      { amount },
      idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {},
    ),
  issueToken: (userId: number) => send('POST', '/queue/users/:userId', `/queue/users/${userId}`, undefined, {}, 'text'),
  queueStatus: (token: string) => send('GET', '/queue/status', '/queue/status', undefined, tokenHeader(token), 'text'),
  concerts: (token: string, responseType?: 'text') =>
    send('GET', '/concerts', '/concerts', undefined, tokenHeader(token), responseType),
  schedules: (token: string, concertId: number, responseType?: 'text') =>
    send(
      'GET',
      '/concerts/:concertId/schedules',
      `/concerts/${concertId}/schedules`,
      undefined,
      tokenHeader(token),
      responseType,
    ),
  seats: (token: string, concertId: number, scheduleId: number, responseType?: 'text') =>
    send(
      'GET',
      '/concerts/:concertId/schedules/:scheduleId/seats',
      `/concerts/${concertId}/schedules/${scheduleId}/seats`,
      undefined,
      tokenHeader(token),
      responseType,
    ),
  reserve: (token: string, body: { userId: number; concertId: number; scheduleId: number; seatIds: number[] }) =>
    send('POST', '/reservations', '/reservations', body, tokenHeader(token), 'text'),
  pay: (token: string, userId: number, reservationIds: number[]) => payment(token, userId, reservationIds),
  /** a payment by a user who tops up when short: 402 (insufficient balance) is then an expected answer */
  payMayBeShort: (token: string, userId: number, reservationIds: number[]) =>
    payment(token, userId, reservationIds, PAYMENT_MAY_BE_SHORT),
};

/** The parsed JSON body, or undefined when the body is not JSON (an error page, an empty reply). */
export function jsonBody<T>(response: Response): T | undefined {
  try {
    return response.json() as T;
  } catch {
    return undefined;
  }
}

/** The JSON body when it is an array (a list the API returned), else empty (an error object, no body). */
export function jsonList<T>(response: Response): T[] {
  const body = jsonBody<unknown>(response);
  return Array.isArray(body) ? (body as T[]) : [];
}

/**
 * A token that is ACTIVE: takes one (the same one comes back while it lives) and, while the queue makes the
 * user wait, polls /queue/status as a real client would. Undefined when not admitted within `maxWaitSeconds`.
 */
export function activeToken(userId: number, maxWaitSeconds = 30): string | undefined {
  const ticket = jsonBody<QueueTicket>(api.issueToken(userId));
  if (!ticket?.token) return undefined;
  let status = ticket.status;
  for (let waited = 0; status !== 'ACTIVE' && waited < maxWaitSeconds; waited += 0.5) {
    sleep(0.5);
    status = jsonBody<QueueTicket>(api.queueStatus(ticket.token))?.status ?? 'UNKNOWN';
  }
  return status === 'ACTIVE' ? ticket.token : undefined;
}

/**
 * The pause between steps of an iteration: the scenario's THINK_SECONDS (0 for arrival-rate shapes), spread by
 * ±THINK_JITTER of itself around the same mean. Without jitter, VUs that start together stay in lockstep and
 * hit the API in synchronised bursts no real crowd produces; the `seed` shape keeps the seed's exact sleep(1).
 */
export function think(): void {
  const seconds = Number(__ENV.THINK_SECONDS ?? 0);
  const jitter = Number(__ENV.THINK_JITTER ?? 0);
  if (seconds > 0) sleep(seconds * (1 + jitter * (2 * Math.random() - 1)));
}

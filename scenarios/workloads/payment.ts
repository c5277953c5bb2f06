// Seed §4.6: payments of real reservations. The seed paid random ids 1..1000 that need not exist or belong to
// the user; here setup() holds seats for a pool of users and each iteration pays one user's hold. Paying ends
// the user's queue token, so each pool entry is used once; when the pool is spent an iteration holds seats for
// its own user first (tagged /reservations, so the payment figures stay apart).
import { check } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';
import { api, BASE_URL, jsonList, think, type SeatItem } from '../lib/api.ts';
import { randomInt, randomItem, randomSeatNumbers, USERS, userForVu } from '../lib/data.ts';
import { workloadOptions } from '../lib/options.ts';
import { activeTokens, catalogueIds, TokenBook, type CatalogueIds, type UserToken } from '../lib/session.ts';
export { handleSummary } from '../lib/summary.ts';

export const options = workloadOptions('payment');

interface Hold extends UserToken {
  reservationIds: number[];
}
interface SetupData {
  pool: Hold[];
  catalogue: CatalogueIds[];
}

/** Up to half the users get a hold in setup (a smoke run needs few); the rest serve iterations after the pool is spent. */
const POOL_USERS = Math.min(__ENV.SHAPE === 'smoke' ? 20 : 500, Math.floor(USERS / 2));

function reservationIdsOf(response: Parameters<typeof jsonList>[0]): number[] {
  return jsonList<{ id: number }>(response).map((reservation) => reservation.id);
}

export function setup(): SetupData {
  const tokens = activeTokens(POOL_USERS);
  const catalogue = catalogueIds(tokens[0]!.token);
  // Hold seats the API lists as free, schedule by schedule, 1–3 per user, until every pool user has a hold.
  const pool: Hold[] = [];
  const slots = catalogue.flatMap(({ concertId, scheduleIds }) =>
    scheduleIds.map((scheduleId) => ({ concertId, scheduleId })),
  );
  for (const { concertId, scheduleId } of slots) {
    const waiting = tokens.slice(pool.length);
    if (waiting.length === 0) break;
    const freeSeats = jsonList<SeatItem>(api.seats(tokens[0]!.token, concertId, scheduleId, 'text'))
      .filter((seat) => seat.available)
      .map((seat) => seat.seatNo);
    const requests: { user: UserToken; request: ReturnType<typeof reservationRequest> }[] = [];
    for (const user of waiting) {
      const seatIds = freeSeats.splice(0, randomInt(1, 3));
      if (seatIds.length === 0) break;
      requests.push({
        user,
        request: reservationRequest(user, { userId: user.userId, concertId, scheduleId, seatIds }),
      });
    }
    http.batch(requests.map(({ request }) => request)).forEach((response, index) => {
      const reservationIds = reservationIdsOf(response);
      if (reservationIds.length > 0) pool.push({ ...requests[index]!.user, reservationIds });
    });
  }
  if (pool.length === 0)
    throw new Error('setup: could not hold any seats to pay for (are all seats sold? re-seed the stack)');
  return { pool, catalogue };
}

function reservationRequest(
  user: UserToken,
  body: { userId: number; concertId: number; scheduleId: number; seatIds: number[] },
) {
  const params = {
    headers: { 'Content-Type': 'application/json', 'QUEUE-TOKEN': user.token },
    tags: { name: '/reservations' },
    responseType: 'text' as const,
  };
  return { method: 'POST', url: `${BASE_URL}/api/v1/reservations`, body: JSON.stringify(body), params };
}

let book: TokenBook | undefined;

/** Each pool entry once, also when a shape runs several scenarios (iterationInTest counts per scenario). */
const SCENARIO_NAMES = Object.keys(options.scenarios ?? {});
function poolIndex(): number {
  return exec.scenario.iterationInTest * SCENARIO_NAMES.length + SCENARIO_NAMES.indexOf(exec.scenario.name);
}

function holdForOwnUser(catalogue: CatalogueIds[]): Hold | undefined {
  const userId = POOL_USERS + userForVu(exec.vu.idInTest, USERS - POOL_USERS);
  const { concertId, scheduleIds } = randomItem(catalogue);
  const body = { userId, concertId, scheduleId: randomItem(scheduleIds), seatIds: randomSeatNumbers(randomInt(1, 3)) };
  const response = book!.call(userId, (token) => api.reserve(token, body));
  const token = book!.token(userId);
  if (!response || !token) return undefined;
  const reservationIds = reservationIdsOf(response);
  return reservationIds.length > 0 ? { userId, token, reservationIds } : undefined;
}

export default function ({ pool, catalogue }: SetupData): void {
  book ??= new TokenBook();
  const hold = pool[poolIndex()] ?? holdForOwnUser(catalogue);
  if (!hold) {
    think();
    return;
  }
  const response = api.pay(hold.token, hold.userId, hold.reservationIds);
  check(response, {
    'status is 200': (r) => r.status === 200,
    'response has payment results': (r) => {
      return jsonList<unknown>(r).length > 0;
    },
  });
  // Paying ended this user's token: the next hold for the user needs a new one.
  book.forget(hold.userId);
  think();
}

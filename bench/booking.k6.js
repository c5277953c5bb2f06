// Reservation + payment throughput: each iteration takes a queue token for its own user, holds one seat
// nobody else is taking (seat derived from VU and iteration), and pays for it. Any status other than 200
// is an unexpected error.
import http from 'k6/http';
import { Counter } from 'k6/metrics';
import exec from 'k6/execution';

const VUS = Number(__ENV.VUS || 20);
export const options = {
  scenarios: { booking: { executor: 'constant-vus', vus: VUS, duration: __ENV.DURATION || '10s' } },
  summaryTrendStats: ['avg', 'med', 'p(95)', 'p(99)', 'max'],
};

const reserved = new Counter('booking_reservations_ok');
const paid = new Counter('booking_payments_ok');
const unexpected = new Counter('booking_unexpected_errors');
const json = { 'Content-Type': 'application/json' };
const SEATS = 672;
const SCHEDULES = 28;
const CONCERTS = 5;
const USERS = Number(__ENV.USERS || 1000);

export default function () {
  const vu = exec.vu.idInTest - 1;
  const iteration = exec.vu.iterationInScenario;
  const slot = iteration * VUS + vu; // unique per (VU, iteration)
  const userId = (slot % USERS) + 1;
  const seat = (slot % SEATS) + 1;
  const schedule = (Math.floor(slot / SEATS) % SCHEDULES) + 1;
  const concert = (Math.floor(slot / (SEATS * SCHEDULES)) % CONCERTS) + 1;

  const queue = http.post(`${__ENV.TARGET}/api/v1/queue/users/${userId}`, null, { tags: { name: 'queue' } });
  if (queue.status !== 200) return unexpected.add(1, { step: 'queue', status: String(queue.status) });
  const headers = { ...json, 'QUEUE-TOKEN': queue.json('token') };

  const hold = http.post(
    `${__ENV.TARGET}/api/v1/reservations`,
    JSON.stringify({ userId, concertId: concert, scheduleId: schedule, seatIds: [seat] }),
    { headers, tags: { name: 'reservation' } },
  );
  if (hold.status !== 200) return unexpected.add(1, { step: 'reservation', status: String(hold.status) });
  reserved.add(1);

  const ids = hold.json().map((r) => r.id);
  const pay = http.post(
    `${__ENV.TARGET}/api/v1/payment/payments/users/${userId}`,
    JSON.stringify({ reservationIds: ids }),
    { headers, tags: { name: 'payment' } },
  );
  if (pay.status !== 200) return unexpected.add(1, { step: 'payment', status: String(pay.status) });
  paid.add(1);
}

export function handleSummary(data) {
  return { [__ENV.OUT]: JSON.stringify(data) };
}

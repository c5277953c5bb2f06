// Seed §5: one user's whole booking, token → concerts → schedules → seats → reserve → pay, with the seed's
// one-second pauses (THINK_SECONDS). Differences from the seed, each a bug there:
// - every VU is its own user (the seed drew users at random, so two VUs could share, and end, one token);
// - a WAITING token waits for admission via /queue/status instead of calling /concerts and failing;
// - the seats to reserve are drawn from the seats the API listed as available (the seed drew blind
//   numbers, 1–49 of them, and ignored the list it had just fetched); 1–4 seats as in the per-API test;
// - 409 seat taken (someone was faster) ends the journey as a correct, counted outcome, not an error.
import { check } from 'k6';
import exec from 'k6/execution';
import { activeToken, api, jsonList, think, type CatalogueItem, type SeatItem } from '../lib/api.ts';
import { randomInt, randomItem, randomSubset, userForVu } from '../lib/data.ts';
import { workloadOptions } from '../lib/options.ts';
export { handleSummary } from '../lib/summary.ts';

export const options = workloadOptions('journey');

/** what a user short of money adds before paying again: more than the dearest 4-seat hold */
const TOP_UP_AMOUNT = 1_000_000;

export default function (): void {
  const userId = userForVu(exec.vu.idInTest);

  // Step 1: a queue token (the same one again while it lives), ACTIVE (waiting for admission if need be).
  const token = activeToken(userId);
  if (!check(token, { 'Queue token received': (t) => t !== undefined }) || !token) return;
  think();

  // Step 2: which concerts can be booked.
  const concertsResponse = api.concerts(token);
  check(concertsResponse, { 'Concerts checked': (r) => r.status === 200 });
  const concerts = jsonList<CatalogueItem>(concertsResponse).filter((concert) => concert.available);
  if (concerts.length === 0) return;
  const concertId = randomItem(concerts).id;
  think();

  // Step 3: that concert's schedules.
  const schedulesResponse = api.schedules(token, concertId);
  check(schedulesResponse, { 'Concert schedules checked': (r) => r.status === 200 });
  const schedules = jsonList<CatalogueItem>(schedulesResponse).filter((schedule) => schedule.available);
  if (schedules.length === 0) return;
  const scheduleId = randomItem(schedules).id;
  think();

  // Step 4: the schedule's free seats.
  const seatsResponse = api.seats(token, concertId, scheduleId);
  check(seatsResponse, { 'Seats availability checked': (r) => r.status === 200 });
  const freeSeats = jsonList<SeatItem>(seatsResponse)
    .filter((seat) => seat.available)
    .map((seat) => seat.seatNo);
  if (freeSeats.length === 0) return;

  // Step 5: hold some of them; 409 means another user got one first, all or nothing.
  const seatIds = randomSubset(freeSeats, randomInt(1, 4));
  const reservationResponse = api.reserve(token, { userId, concertId, scheduleId, seatIds });
  check(reservationResponse, { 'Reservation made, or 409 seat taken': (r) => r.status === 200 || r.status === 409 });
  if (reservationResponse.status !== 200) return;
  const reservationIds = jsonList<{ id: number }>(reservationResponse).map((reservation) => reservation.id);
  think();

  // Step 6: pay, which confirms the seats and ends this token. A user whose balance has run out (long runs:
  // each VU is one user buying again and again) tops up and pays again, as a real user would.
  let paymentResponse = api.payMayBeShort(token, userId, reservationIds);
  if (paymentResponse.status === 402) {
    api.recharge(userId, TOP_UP_AMOUNT, `journey-top-up-${userId}-${exec.scenario.iterationInTest}`);
    paymentResponse = api.pay(token, userId, reservationIds);
  }
  check(paymentResponse, { 'Payment completed': (r) => r.status === 200 });
  think();
}

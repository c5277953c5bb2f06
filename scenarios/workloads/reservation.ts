// Seed §4.8: five users reserve 1–4 random seats of a random schedule. Under load seats run out and races are
// lost: 409 (seat taken, nothing held) is the correct answer then, expected and counted in business_conflicts.
import { check } from 'k6';
import { api, think } from '../lib/api.ts';
import { randomInt, randomItem, randomSeatNumbers } from '../lib/data.ts';
import { workloadOptions } from '../lib/options.ts';
import { catalogueSession, TokenBook, type CatalogueSession } from '../lib/session.ts';
export { handleSummary } from '../lib/summary.ts';

export const options = workloadOptions('reservation');

export function setup(): CatalogueSession {
  return catalogueSession();
}

let book: TokenBook | undefined;

export default function ({ tokens, catalogue }: CatalogueSession): void {
  book ??= new TokenBook(tokens);
  const { userId } = randomItem(tokens);
  const { concertId, scheduleIds } = randomItem(catalogue);
  const body = { userId, concertId, scheduleId: randomItem(scheduleIds), seatIds: randomSeatNumbers(randomInt(1, 4)) };
  const response = book.call(userId, (token) => api.reserve(token, body));
  check(response, { 'reservation held, or 409 seat taken': (r) => r?.status === 200 || r?.status === 409 });
  think();
}

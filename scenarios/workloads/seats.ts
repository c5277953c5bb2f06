// Seed §4.5: one schedule's seats (concert and schedule chosen at random), a cached read of 672 seats.
import { check } from 'k6';
import { api, think } from '../lib/api.ts';
import { randomItem } from '../lib/data.ts';
import { workloadOptions } from '../lib/options.ts';
import { catalogueSession, TokenBook, type CatalogueSession } from '../lib/session.ts';
export { handleSummary } from '../lib/summary.ts';

export const options = workloadOptions('seats');

export function setup(): CatalogueSession {
  return catalogueSession();
}

let book: TokenBook | undefined;

export default function ({ tokens, catalogue }: CatalogueSession): void {
  book ??= new TokenBook(tokens);
  const { concertId, scheduleIds } = randomItem(catalogue);
  const scheduleId = randomItem(scheduleIds);
  const response = book.call(randomItem(tokens).userId, (token) => api.seats(token, concertId, scheduleId));
  check(response, { 'seats status was 200': (r) => r?.status === 200 });
  think();
}

// Seed §4.4: one concert's schedules (concert chosen at random), a cached read.
import { check } from 'k6';
import { api, think } from '../lib/api.ts';
import { randomItem } from '../lib/data.ts';
import { workloadOptions } from '../lib/options.ts';
import { catalogueSession, TokenBook, type CatalogueSession } from '../lib/session.ts';
export { handleSummary } from '../lib/summary.ts';

export const options = workloadOptions('schedules');

export function setup(): CatalogueSession {
  return catalogueSession();
}

let book: TokenBook | undefined;

export default function ({ tokens, catalogue }: CatalogueSession): void {
  book ??= new TokenBook(tokens);
  const { concertId } = randomItem(catalogue);
  const response = book.call(randomItem(tokens).userId, (token) => api.schedules(token, concertId));
  check(response, { 'schedules status was 200': (r) => r?.status === 200 });
  think();
}

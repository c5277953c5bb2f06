// Seed §4.3: the concert list, a cached read, with real ACTIVE tokens from setup().
import { check } from 'k6';
import { api, think } from '../lib/api.ts';
import { randomItem } from '../lib/data.ts';
import { workloadOptions } from '../lib/options.ts';
import { activeTokens, TokenBook, type UserToken } from '../lib/session.ts';
export { handleSummary } from '../lib/summary.ts';

export const options = workloadOptions('concerts');

export function setup(): UserToken[] {
  return activeTokens(5);
}

let book: TokenBook | undefined;

export default function (tokens: UserToken[]): void {
  book ??= new TokenBook(tokens);
  const { userId } = randomItem(tokens);
  const response = book.call(userId, (token) => api.concerts(token));
  check(response, { 'concerts status was 200': (r) => r?.status === 200 });
  think();
}

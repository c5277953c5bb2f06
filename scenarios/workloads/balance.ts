// Seed §4.1: balance reads for five users chosen at random.
import { check } from 'k6';
import { api, think } from '../lib/api.ts';
import { randomItem } from '../lib/data.ts';
import { workloadOptions } from '../lib/options.ts';
export { handleSummary } from '../lib/summary.ts';

export const options = workloadOptions('balance');

const TEST_USER_IDS = [1, 2, 3, 4, 5];

export default function (): void {
  const response = api.balance(randomItem(TEST_USER_IDS));
  check(response, { 'getBalance status is 200': (r) => r.status === 200 });
  think();
}

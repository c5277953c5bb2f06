// Seed §4.2: recharges of 1,000–10,999 for five users, so the same balance rows are hit concurrently.
import { check } from 'k6';
import { api, think } from '../lib/api.ts';
import { randomInt, randomItem } from '../lib/data.ts';
import { workloadOptions } from '../lib/options.ts';
export { handleSummary } from '../lib/summary.ts';

export const options = workloadOptions('recharge');

const TEST_USER_IDS = [1, 2, 3, 4, 5];

export default function (): void {
  const response = api.recharge(randomItem(TEST_USER_IDS), randomInt(1000, 10_999));
  check(response, { 'recharge status is 200': (r) => r.status === 200 });
  think();
}

// Seed §4.7: queue tokens for any of the 1000 users (asking again returns the same token).
import { check } from 'k6';
import { api, jsonBody, think, type QueueTicket } from '../lib/api.ts';
import { randomInt, USERS } from '../lib/data.ts';
import { workloadOptions } from '../lib/options.ts';
export { handleSummary } from '../lib/summary.ts';

export const options = workloadOptions('queue');

export default function (): void {
  const response = api.issueToken(randomInt(1, USERS));
  check(response, {
    'status is 200': (r) => r.status === 200,
    'response has token': (r) => typeof jsonBody<QueueTicket>(r)?.token === 'string',
  });
  think();
}

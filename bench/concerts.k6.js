// GET /api/v1/concerts at constant VUs, no think time: the throughput ceiling of the target.
import http from 'k6/http';
import { check } from 'k6';

export const options = {
  scenarios: { reads: { executor: 'constant-vus', vus: Number(__ENV.VUS || 64), duration: __ENV.DURATION || '10s' } },
  summaryTrendStats: ['avg', 'med', 'p(95)', 'p(99)', 'max'],
};

const params = { headers: { 'QUEUE-TOKEN': __ENV.TOKEN || 'none' } };

export default function () {
  const res = http.get(`${__ENV.TARGET}/api/v1/concerts`, params);
  check(res, { 'status 200': (r) => r.status === 200 });
}

export function handleSummary(data) {
  return { [__ENV.OUT]: JSON.stringify(data) };
}

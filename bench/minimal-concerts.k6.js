// The least a k6 user would write for GET /api/v1/concerts at a fixed rate: the yardstick `bench:script`
// measures loadctl's own cost against (RATE, DURATION, TOKEN, BASE_URL from the environment).
import http from 'k6/http';
import { check } from 'k6';

const rate = Number(__ENV.RATE || 1500);
export const options = {
  scenarios: {
    reads: {
      executor: 'constant-arrival-rate',
      rate,
      timeUnit: '1s',
      duration: __ENV.DURATION || '10s',
      preAllocatedVUs: Math.ceil(rate * 0.05),
      maxVUs: Math.ceil(rate * 0.2),
    },
  },
};

const params = { headers: { 'QUEUE-TOKEN': __ENV.TOKEN || 'none' } };

export default function () {
  check(http.get(`${__ENV.BASE_URL}/api/v1/concerts`, params), { 'status 200': (r) => r.status === 200 });
}

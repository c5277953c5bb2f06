// memory-leak: switch on the API's leak (each request retains memory, as a forgotten cache or listener
// would). Recover switches it off and replaces the workers one at a time, which frees what they held.
import { adminClient } from '../stack/admin-client.ts';
import { intParam } from './params.ts';
import type { Fault } from './types.ts';

export const memoryLeak: Fault = {
  name: 'memory-leak',
  description: 'make every API request retain memory until the workers are restarted',
  modes: ['retain'],
  defaultMode: 'retain',
  runbookId: 'memory-leak',
  drillWorkload: 'journey',
  params: { 'bytes-per-request': 'memory each request retains (default 65536)' },

  async inject({ state }, { params }) {
    const bytesPerRequest = intParam(params, 'bytes-per-request', 65_536, 1, 10_000_000);
    await adminClient(state).leak({ enabled: true, bytesPerRequest });
    return { details: { bytesPerRequest }, summary: `API workers now retain ${bytesPerRequest} bytes per request` };
  },

  async recover({ state }) {
    const admin = adminClient(state);
    const before = await admin.state();
    await admin.leak({ enabled: false });
    const { restarted } = await admin.rollingRestart();
    return `leak switched off; rolling restart replaced ${restarted} worker(s), freeing ${Math.round(before.leak.retainedBytes / 1e6)} MB`;
  },

  async observe({ state }) {
    const { leak } = await adminClient(state).state();
    return {
      healthy: !leak.enabled,
      detail: `leak ${leak.enabled ? 'on' : 'off'}, ${Math.round(leak.retainedBytes / 1e6)} MB retained`,
    };
  },
};

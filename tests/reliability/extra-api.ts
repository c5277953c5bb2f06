// A second API process beside a test stack's own, started with a different environment (bound to 0.0.0.0,
// no admin token, a canary password in DATABASE_URL …) through the stack's own launcher, so it is marked
// as the stack's and stopped by PID like every other stack process.
import { join } from 'node:path';
import { freePort } from '../../cli/shared/ports.ts';
import { stopGroup } from '../../cli/stack/processes.ts';
import { API_EXECUTABLES, startApi } from '../../cli/stack/services.ts';
import { apiEnv } from '../../cli/stack/launch.ts';
import type { StackState } from '../../cli/shared/stack-state.ts';

export interface ExtraApi {
  port: number;
  logFile: string;
  stop(): Promise<void>;
}

export async function startExtraApi(state: StackState, name: string, env: Record<string, string>): Promise<ExtraApi> {
  const port = await freePort();
  const logFile = join(state.stateDir, 'logs', `api-${name}.log`);
  const pid = await startApi({
    env: { ...apiEnv(state), WORKERS: '1', PORT: String(port), ...env },
    logFile,
    stateDir: state.stateDir,
  });
  return {
    port,
    logFile,
    stop: async () => {
      await stopGroup({
        name: `API ${name}`,
        pid,
        identity: { executables: API_EXECUTABLES, stateDir: state.stateDir },
        gracefulSignal: 'SIGTERM',
        graceMs: 10_000,
      });
    },
  };
}

// For integration tests: a fresh stack of real processes in a temp state dir on free ports, never shared
// with another test. Use in beforeAll / afterAll:
//   let stack: TestStack; beforeAll(async () => { stack = await startTestStack(); });
//   afterAll(() => stack?.stop());
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { down, up, type UpOptions } from './lifecycle.ts';
import type { StackState } from '../shared/stack-state.ts';

export interface TestStack {
  state: StackState;
  /** stop every process and delete the temp state dir */
  stop(): Promise<void>;
}

export async function startTestStack(opts: Omit<UpOptions, 'stateDir'> = {}): Promise<TestStack> {
  const stateDir = mkdtempSync(join(tmpdir(), 'loadctl-stack-'));
  try {
    const state = await up({ ...opts, stateDir });
    return {
      state,
      async stop() {
        await down(stateDir);
        rmSync(stateDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(stateDir, { recursive: true, force: true });
    throw error;
  }
}

/** Poll `condition` every 50 ms until it holds; → how long that took (ms). Throws naming `what` after `timeoutMs`. */
export async function waitUntil(
  what: string,
  condition: () => Promise<boolean> | boolean,
  timeoutMs = 60_000,
): Promise<number> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await sleep(50);
  }
  return Date.now() - started;
}

// One start-up per state dir at a time: two `loadctl run`s at once both call up(); the second waits for the
// first's lock and then reuses what it started.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../shared/errors.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import { isAlive } from './processes.ts';

const START_LOCK_WAIT_MS = 180_000;

/** Run `fn` holding <stateDir>/up.lock; a lock whose holder died is taken over. */
export async function withStartLock<T>(
  stateDir: string,
  progress: (line: string) => void,
  fn: () => Promise<T>,
): Promise<T> {
  const lock = join(stateDir, 'up.lock');
  const deadline = Date.now() + START_LOCK_WAIT_MS;
  let announced = false;
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = lockHolder(lock);
    if (holder === undefined) continue; // released between our attempt and this read
    if (!Number.isInteger(holder) || holder <= 0 || !isAlive(holder)) {
      rmSync(lock, { force: true }); // left by a start-up that crashed
      continue;
    }
    if (Date.now() > deadline) {
      throw new UserError(
        `another \`loadctl up\` (PID ${holder}) has been starting the stack in ${stateDir} for minutes.`,
        `wait for it, or stop it and remove ${lock}`,
        ExitCode.environment,
      );
    }
    if (!announced) progress(`another loadctl (PID ${holder}) is starting the stack — waiting for it`);
    announced = true;
    await sleep(250);
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

function lockHolder(lock: string): number | undefined {
  try {
    return Number(readFileSync(lock, 'utf8').trim());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

// <stateDir>/faults.json: the faults currently injected. The CLI and the keeper processes both update
// it, so every read-modify-write happens under a lock directory (mkdir is atomic).
import { mkdir, readFile, rename, rmdir, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { layoutOf } from '../stack/layout.ts';
import { FaultsFile, type ActiveFault } from './types.ts';

export function faultsPath(stateDir: string): string {
  return layoutOf(stateDir).faultsFile;
}

export async function readFaults(stateDir: string): Promise<ActiveFault[]> {
  try {
    return FaultsFile.parse(JSON.parse(await readFile(faultsPath(stateDir), 'utf8'))).active;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(
      `${faultsPath(stateDir)} is unreadable (${(error as Error).message}); delete it after checking no fault is active`,
    );
  }
}

/** Applies `change` to the active list under the lock and returns what it returned. */
export async function updateFaults<T>(
  stateDir: string,
  change: (active: ActiveFault[]) => { active: ActiveFault[]; result: T },
): Promise<T> {
  const lock = `${faultsPath(stateDir)}.lock`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A lock older than the deadline belongs to a process that died holding it.
      if (Date.now() > deadline) await rmdir(lock).catch(() => undefined);
      await sleep(25);
    }
  }
  try {
    const { active, result } = change(await readFaults(stateDir));
    const temporary = `${faultsPath(stateDir)}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify({ version: 1, active }, null, 2)}\n`);
    await rename(temporary, faultsPath(stateDir));
    return result;
  } finally {
    await rmdir(lock).catch(() => undefined);
  }
}

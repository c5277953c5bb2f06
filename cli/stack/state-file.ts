// Reading and writing <stateDir>/state.json. Writes are atomic (temp file + rename) so a crash mid-write
// never leaves a half file that a later command would misread.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UserError } from '../shared/errors.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import { REPO_ROOT } from '../shared/paths.ts';
import { StackState } from '../shared/stack-state.ts';

/** $LOADCTL_STATE_DIR, else <repo>/.loadctl — always absolute, because it is also the processes' marker. */
export function resolveStateDir(stateDir?: string): string {
  return resolve(stateDir ?? process.env.LOADCTL_STATE_DIR ?? join(REPO_ROOT, '.loadctl'));
}

export function stateFilePath(stateDir: string): string {
  return join(stateDir, 'state.json');
}

/** A well-formed state file that describes another state dir: refused, never discarded. */
export class ForeignStateError extends UserError {}

/**
 * Validate a parsed state file. It must describe the directory it was read from: the directory is the
 * marker the stack's processes carry, so a state file copied elsewhere cannot claim someone else's PIDs.
 */
export function parseStackState(raw: unknown, stateDir: string): StackState {
  const parsed = StackState.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(
      `${stateFilePath(stateDir)} is not a valid stack state file (${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}).`,
      `run \`loadctl down\` to discard it, then \`loadctl up\``,
      ExitCode.badInput,
    );
  }
  if (resolve(parsed.data.stateDir) !== stateDir) {
    throw new ForeignStateError(
      `${stateFilePath(stateDir)} belongs to the state dir ${parsed.data.stateDir}, not ${stateDir}.`,
      'remove the copied file and run `loadctl up`',
      ExitCode.badInput,
    );
  }
  return parsed.data;
}

/** The stack recorded in the state dir, or undefined when there is none. Throws on a corrupt file. */
export function readStackState(stateDir?: string): StackState | undefined {
  const dir = resolveStateDir(stateDir);
  let text: string;
  try {
    text = readFileSync(stateFilePath(dir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new UserError(
      `${stateFilePath(dir)} is not JSON.`,
      'run `loadctl down` to discard it, then `loadctl up`',
      ExitCode.badInput,
    );
  }
  return parseStackState(raw, dir);
}

export function writeStackState(state: StackState): void {
  const file = stateFilePath(state.stateDir);
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(StackState.parse(state), null, 2)}\n`);
  renameSync(temp, file);
}

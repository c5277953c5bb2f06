// Runs a runbook step's `run:` command: a loadctl command line, executed as its own loadctl process (as
// a person on call would type it), against the same state dir.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const LOADCTL_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/loadctl');

/** Splits a command line into words: whitespace separates, single or double quotes group. */
export function splitCommand(command: string): string[] {
  const words: string[] = [];
  for (const match of command.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g))
    words.push(match[1] ?? match[2] ?? match[3] ?? '');
  return words;
}

export interface StepRun {
  exitCode: number;
  output: string;
  durationMs: number;
}

export async function runLoadctl(
  command: string,
  stateDir: string | undefined,
  onOutput?: (chunk: string) => void,
): Promise<StepRun> {
  const [program, ...args] = splitCommand(command);
  if (program !== 'loadctl') throw new Error(`step command must start with loadctl: ${command}`);
  const started = Date.now();
  const child = execa(LOADCTL_BIN, args, {
    reject: false,
    all: true,
    env: { ...(stateDir ? { LOADCTL_STATE_DIR: stateDir } : {}), NO_COLOR: '1' },
    stdin: 'ignore',
  });
  child.all?.on('data', (chunk: Buffer) => onOutput?.(chunk.toString()));
  const result = await child;
  return { exitCode: result.exitCode ?? 1, output: String(result.all ?? '').trim(), durationMs: Date.now() - started };
}

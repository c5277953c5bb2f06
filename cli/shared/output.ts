import { Chalk } from 'chalk';

/** Colour only on a TTY and never with NO_COLOR. */
export const useColour = Boolean(process.stdout.isTTY) && process.env.NO_COLOR === undefined;
export const paint = new Chalk({ level: useColour ? 1 : 0 });
const paintErr = new Chalk({ level: process.stderr.isTTY && process.env.NO_COLOR === undefined ? 1 : 0 });

/** One line on stderr: what went wrong, then how to fix it. */
export function printError(message: string, fix?: string): void {
  process.stderr.write(`${paintErr.red('error:')} ${message}${fix ? ` Fix: ${fix}` : ''}\n`);
}

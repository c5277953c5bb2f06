import { Chalk } from 'chalk';

/** Colour only on a TTY and never with NO_COLOR. */
export const useColour = Boolean(process.stdout.isTTY) && process.env.NO_COLOR === undefined;
export const paint = new Chalk({ level: useColour ? 1 : 0 });
const paintErr = new Chalk({ level: process.stderr.isTTY && process.env.NO_COLOR === undefined ? 1 : 0 });

const NAMED_CONTROLS: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Text with its control characters shown as escapes (a newline as \n): an error quotes what the user typed, and
 * a newline or escape sequence in it must neither break the one-line error nor drive the terminal.
 */
export function visibleControls(text: string): string {
  return text.replace(
    CONTROL_CHARACTERS,
    (c) => NAMED_CONTROLS[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** One line on stderr: what went wrong, then how to fix it. */
export function printError(message: string, fix?: string): void {
  process.stderr.write(`${paintErr.red('error:')} ${visibleControls(message)}${fix ? ` Fix: ${fix}` : ''}\n`);
}

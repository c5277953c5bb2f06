// Garbage on the command line gets one clear error line and exit code 2 — never a stack trace, never work
// done. Each generated case carries an option no command defines (prefix --zz-), so commander refuses it
// before any action runs: no stack is started, no k6 launched, whatever the command.
import { execa } from 'execa';
import fc from 'fast-check';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../cli/shared/exit-codes.ts';
import { INJECTION_STRINGS } from './http-helpers.ts';

const loadctl = join(import.meta.dirname, '..', '..', 'bin', 'loadctl');
const NO_COLOUR = { NO_COLOR: '1', LOADCTL_DEBUG: '' };

async function runLoadctl(args: string[]) {
  return execa(loadctl, args, { reject: false, env: NO_COLOUR, timeout: 60_000 });
}

/** `work` over `items`, at most four CLI processes at a time (each is a Node process with tsx). */
async function inBatches<T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += 4) results.push(...(await Promise.all(items.slice(i, i + 4).map(work))));
  return results;
}

/** Command names listed by `loadctl --help` (and their subcommands), so new commands are covered too. */
async function commandPaths(): Promise<string[][]> {
  const names = (help: string) =>
    help
      .slice(help.indexOf('Commands:'))
      .split('\n')
      .slice(1)
      .map((line) => /^ {2}([a-z][\w-]*)/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined && name !== 'help');
  const top = names((await runLoadctl(['--help'])).stdout);
  const helps = await inBatches(top, async (name) => ({ name, help: (await runLoadctl([name, '--help'])).stdout }));
  return [
    [],
    ...helps.flatMap(({ name, help }) => [
      [name],
      ...(help.includes('Commands:') ? names(help).map((child) => [name, child]) : []),
    ]),
  ];
}

// Argument strings a shell could pass: anything but NUL (which execve cannot carry). Never starting with '-':
// a generated '-h' or '--' would turn the case into a help request or make the --zz- option a positional.
const argText = fc
  .oneof(fc.string({ maxLength: 40, unit: 'binary' }), fc.constantFrom(...INJECTION_STRINGS))
  .map((text) => text.replaceAll('\0', '').replace(/^-/, 'x-'));
const unknownOption = fc
  .tuple(fc.stringMatching(/^[a-z0-9-]{1,20}$/), fc.option(argText))
  .map(([name, value]) => (value === null ? `--zz-${name}` : `--zz-${name}=${value}`));

function expectOneCleanError(result: { exitCode?: number; stderr: string }) {
  expect(result.exitCode).toBe(ExitCode.badInput);
  expect(result.stderr).not.toMatch(/^\s+at\s/m);
  expect(result.stderr).not.toMatch(/node:internal|TypeError|ZodError/);
  const lines = result.stderr.trim().split('\n');
  expect(lines.filter((line) => line.startsWith('error:'))).toHaveLength(1);
  // The error line, plus at most commander's one-line hint to run --help.
  expect(lines.length).toBeLessThanOrEqual(2);
}

describe('loadctl with garbage flags', () => {
  let paths: string[][] = [];
  beforeAll(async () => {
    paths = await commandPaths();
  });

  it('knows every command', () => {
    expect(paths.map((path) => path.join(' '))).toEqual(
      expect.arrayContaining(['run', 'report', 'verify', 'fault', 'drill']),
    );
  });

  it('refuses an unknown option on every command and subcommand', async () => {
    const results = await inBatches(paths, async (path) => ({
      path,
      result: await runLoadctl([...path, '--zz-no-such-flag']),
    }));
    for (const { path, result } of results) {
      expect(result.exitCode, `loadctl ${path.join(' ')} --zz-no-such-flag`).toBe(ExitCode.badInput);
      expectOneCleanError(result);
    }
  });

  it('refuses generated unknown options, positionals and encodings with one line and exit 2', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.array(argText, { maxLength: 3 }),
        unknownOption,
        async (pick, positionals, option) => {
          const path = paths[pick % paths.length] ?? [];
          expectOneCleanError(await runLoadctl([...path, ...positionals, option]));
        },
      ),
      // a newline in the quoted option once split commander's error over two lines (found by this property)
      { numRuns: 15, examples: [[0, [], '--zz-0=\n']] },
    );
  });

  it('refuses an unknown command', async () => {
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/), async (name) => {
        fc.pre(!paths.some((path) => path[0] === name));
        expectOneCleanError(await runLoadctl([`zz${name}`]));
      }),
      { numRuns: 5 },
    );
  });
});

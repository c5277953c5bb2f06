#!/usr/bin/env node
// The loadctl program: wiring only. Each command lives in cli/commands/<name>.ts and exports register().
import { Command, CommanderError } from 'commander';
import { UserError } from './shared/errors.ts';
import { ExitCode } from './shared/exit-codes.ts';
import { printError, visibleControls } from './shared/output.ts';
import type { Command as CommandType } from 'commander';

// Each command in its own module, loaded only when named: a refusal such as `run`'s target rule answers before
// the report engine's chart libraries (most of a second) are read. --help and `help` load them all.
type CommandModule = { register(program: CommandType): void };
const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  init: () => import('./commands/init.ts'),
  doctor: () => import('./commands/doctor.ts'),
  up: () => import('./commands/up.ts'),
  down: () => import('./commands/down.ts'),
  status: () => import('./commands/status.ts'),
  run: () => import('./commands/run.ts'),
  capacity: () => import('./commands/capacity.ts'),
  report: () => import('./commands/report.ts'),
  compare: () => import('./commands/compare.ts'),
  gate: () => import('./commands/gate.ts'),
  baseline: () => import('./commands/baseline.ts'),
  fault: () => import('./commands/fault.ts'),
  mitigate: () => import('./commands/mitigate.ts'),
  runbook: () => import('./commands/runbook.ts'),
  drill: () => import('./commands/drill.ts'),
  verify: () => import('./commands/verify.ts'),
  k8s: () => import('./commands/k8s.ts'),
  dashboard: () => import('./commands/dashboard.ts'),
};

const program = new Command('loadctl')
  .description('Load-test the concert-booking API with k6, report on it, inject faults and drill the runbooks.')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage and examples)')
  // commander quotes the offending argument as typed: one line, whatever it holds
  .configureOutput({ outputError: (text, write) => write(`${visibleControls(text.replace(/\n$/, ''))}\n`) })
  .exitOverride();

const named = COMMANDS[process.argv[2] ?? ''];
for (const load of named ? [named] : Object.values(COMMANDS)) (await load()).register(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = exitCodeFor(error);
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    // commander already printed the message (or the help / version text).
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.badInput;
  }
  if (error instanceof UserError) {
    printError(error.message, error.fix);
    return error.exitCode;
  }
  // An unexpected failure is still one line; LOADCTL_DEBUG=1 shows the stack for developers.
  const message = error instanceof Error ? error.message : String(error);
  printError(`unexpected error: ${message}`, 'run again with LOADCTL_DEBUG=1 for details and report it');
  if (process.env.LOADCTL_DEBUG) console.error(error);
  return ExitCode.environment;
}

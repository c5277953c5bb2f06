#!/usr/bin/env node
// The loadctl program: wiring only. Each command lives in cli/commands/<name>.ts and exports register().
import { Command, CommanderError } from 'commander';
import { UserError } from './shared/errors.ts';
import { ExitCode } from './shared/exit-codes.ts';
import { printError } from './shared/output.ts';
import * as doctor from './commands/doctor.ts';
import * as up from './commands/up.ts';
import * as down from './commands/down.ts';
import * as status from './commands/status.ts';
import * as run from './commands/run.ts';
import * as report from './commands/report.ts';
import * as compare from './commands/compare.ts';
import * as gate from './commands/gate.ts';
import * as baseline from './commands/baseline.ts';
import * as fault from './commands/fault.ts';
import * as mitigate from './commands/mitigate.ts';
import * as runbook from './commands/runbook.ts';
import * as drill from './commands/drill.ts';
import * as verify from './commands/verify.ts';
import * as k8s from './commands/k8s.ts';
import * as capacity from './commands/capacity.ts';

const program = new Command('loadctl')
  .description('Load-test the concert-booking API with k6, report on it, inject faults and drill the runbooks.')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage and examples)')
  .exitOverride();

for (const command of [doctor, up, down, status, run, capacity, report, compare, gate, baseline, fault, mitigate, runbook, drill, verify, k8s]) {
  command.register(program);
}

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

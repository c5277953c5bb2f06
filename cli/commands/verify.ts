import type { Command } from 'commander';
import { UserError } from '../shared/errors.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import { readStackState } from '../stack/state-file.ts';
import { HOLD_GRACE_SECONDS, verifyInvariants } from '../verify/index.ts';
import { renderInvariantReport } from '../verify/render.ts';

interface VerifyFlags {
  json?: boolean;
  holdGrace: string;
}

export function register(program: Command): void {
  program
    .command('verify')
    .description(
      'check the data invariants of the running stack: no seat held or sold twice, no negative balance, money conserved, payments match reservations, no stale holds, queue consistent',
    )
    .option('--json', 'print the report as JSON')
    .option(
      '--hold-grace <seconds>',
      'how long past expiry a hold may still block its seat (the sweeper runs on a timer)',
      String(HOLD_GRACE_SECONDS),
    )
    .addHelpText(
      'after',
      `
Examples:
  loadctl verify                 after a run or a drill: prints each check with its counts
  loadctl verify --json          machine-readable report for CI

Exit codes: 0 every invariant holds, ${ExitCode.violation} at least one is violated, ${ExitCode.environment} the stack cannot be reached.`,
    )
    .action(async (flags: VerifyFlags) => {
      const holdGraceSeconds = Number(flags.holdGrace);
      if (!Number.isInteger(holdGraceSeconds) || holdGraceSeconds < 0 || holdGraceSeconds > 86_400) {
        throw new UserError(
          `--hold-grace must be a whole number of seconds between 0 and 86400, not '${flags.holdGrace}'.`,
          'e.g. --hold-grace 30',
        );
      }
      const state = readStackState();
      if (!state)
        throw new UserError(
          'no stack is running, so there is nothing to verify.',
          'start one with `loadctl up` (or point LOADCTL_STATE_DIR at its state dir)',
          ExitCode.environment,
        );
      const report = await verifyInvariants(state, { holdGraceSeconds }).catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        throw new UserError(
          `could not read the stack's PostgreSQL or Redis: ${message}.`,
          'check `loadctl status`; start the stack with `loadctl up`',
          ExitCode.environment,
        );
      });
      process.stdout.write(`${flags.json ? JSON.stringify(report, null, 2) : renderInvariantReport(report)}\n`);
      if (!report.ok) process.exitCode = ExitCode.violation;
    });
}

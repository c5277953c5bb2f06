import type { Command } from 'commander';
import Table from 'cli-table3';
import { UserError } from '../shared/errors.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import { paint, useColour } from '../shared/output.ts';
import { allPresent, runChecks, type CheckStatus } from '../toolchain/doctor.ts';

const STATUS_LABEL: Record<CheckStatus, string> = {
  ok: paint.green('ok'),
  missing: paint.red('missing'),
  optional: paint.yellow('optional'),
};

export function register(program: Command): void {
  program
    .command('doctor')
    .description(
      'check k6, Go, redis-server, PostgreSQL, Chromium and free ports; print the fix for each missing piece',
    )
    .option('--json', 'print the checks as JSON')
    .addHelpText(
      'after',
      `
Exit code 0 when everything loadctl needs is present, ${ExitCode.environment} when something is missing.

Examples:
  $ loadctl doctor
  $ loadctl doctor --json | jq '.checks[] | select(.status == "missing")'`,
    )
    .action(async (opts: { json?: boolean }) => {
      const checks = await runChecks();
      const ok = allPresent(checks);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ ok, checks }, null, 2)}\n`);
      } else {
        const table = new Table({
          head: ['component', 'status', 'version / detail', 'fix'],
          wordWrap: true,
          colWidths: [15, 10, 50, 50],
          style: useColour ? {} : { head: [], border: [] },
        });
        for (const check of checks)
          table.push([check.component, STATUS_LABEL[check.status], check.detail, check.fix ?? '']);
        process.stdout.write(`${table.toString()}\n`);
      }
      if (!ok) {
        const missing = checks.filter((check) => check.status === 'missing').map((check) => check.component);
        throw new UserError(
          `missing: ${missing.join(', ')}.`,
          'apply the fix shown for each row, or run `npm run setup`',
          ExitCode.environment,
        );
      }
    });
}

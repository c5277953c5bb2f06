import type { Command } from 'commander';
import Table from 'cli-table3';
import { UserError } from '../shared/errors.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import { paint, useColour } from '../shared/output.ts';
import { status } from '../stack/lifecycle.ts';

/** 3725 → "1h 2m 5s" */
export function formatUptime(seconds: number | undefined): string {
  if (seconds === undefined) return '-';
  const parts = [
    [Math.floor(seconds / 3600), 'h'],
    [Math.floor((seconds % 3600) / 60), 'm'],
    [seconds % 60, 's'],
  ] as const;
  const from = parts.findIndex(([value]) => value > 0);
  return from === -1
    ? '0s'
    : parts
        .slice(from)
        .map(([value, unit]) => `${value}${unit}`)
        .join(' ');
}

export function register(program: Command): void {
  program
    .command('status')
    .description('show each stack process, port, PID, uptime and health')
    .option('--json', 'print the status as JSON')
    .addHelpText(
      'after',
      `
Exit code 0 when every service is healthy, ${ExitCode.environment} when the stack is down or a service is not.

Examples:
  $ loadctl status
  $ loadctl status --json | jq '.services[] | {name, healthy, logFile}'`,
    )
    .action(async (opts: { json?: boolean }) => {
      const report = await status();
      const healthy =
        report.services.length > 0 &&
        report.services.every((service) => service.healthy || (service.name === 'api' && !service.owned));
      if (opts.json) {
        process.stdout.write(
          `${JSON.stringify({ stateDir: report.stateDir, healthy, services: report.services }, null, 2)}\n`,
        );
      } else if (report.services.length > 0) {
        const table = new Table({
          head: ['service', 'health', 'PID', 'port', 'uptime', 'detail', 'log'],
          style: useColour ? {} : { head: [], border: [] },
        });
        for (const service of report.services) {
          const health = service.healthy ? paint.green('healthy') : paint.red('down');
          table.push([
            service.name,
            health,
            service.pid ?? (service.owned ? '-' : 'external'),
            service.port,
            formatUptime(service.uptimeSeconds),
            service.detail,
            service.logFile ?? '',
          ]);
        }
        process.stdout.write(`${table.toString()}\nstate: ${report.stateDir}\n`);
      }
      if (report.services.length === 0)
        throw new UserError(
          `no stack recorded in ${report.stateDir}.`,
          'start one with `loadctl up`',
          ExitCode.environment,
        );
      if (!healthy)
        throw new UserError(
          'part of the stack is not healthy.',
          'read the log named in its row; `loadctl up` cleans up and restarts a broken stack',
          ExitCode.environment,
        );
    });
}

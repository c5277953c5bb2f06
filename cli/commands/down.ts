import type { Command } from 'commander';
import { down } from '../stack/lifecycle.ts';

export function register(program: Command): void {
  program
    .command('down')
    .description('stop the embedded stack and leave no process behind')
    .option('--json', 'print what was stopped as JSON')
    .addHelpText(
      'after',
      `
Stops only processes the state file records and /proc proves this stack started (API first, then
toxiproxy, the replica, Redis, PostgreSQL) — also after one of them was killed. Never touches the
machine's shared Redis/PostgreSQL or services given by REDIS_URL / DATABASE_URL.

Examples:
  $ loadctl down
  $ LOADCTL_STATE_DIR=/tmp/stack-a loadctl down --json`,
    )
    .action(async (opts: { json?: boolean }) => {
      const result = await down();
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      if (result.leftovers.length > 0)
        process.stdout.write(
          `stopped ${result.leftovers.length} unrecorded process(es) of this stack: ${result.leftovers.join(', ')}\n`,
        );
      if (!result.hadStack) {
        if (result.leftovers.length === 0)
          process.stdout.write(`no stack recorded in ${result.stateDir}; nothing to stop\n`);
        return;
      }
      for (const service of result.stopped) {
        const orphans =
          service.orphans.length > 0 ? `; stopped ${service.orphans.length} leftover process(es) of its group` : '';
        const how = service.wasRunning ? 'stopped' : `was not running${orphans}`;
        const killed = service.killed.length > 0 ? ` (SIGKILL for ${service.killed.join(', ')})` : '';
        process.stdout.write(`${service.name.padEnd(10)} PID ${String(service.pid).padEnd(8)} ${how}${killed}\n`);
      }
      process.stdout.write(`stack in ${result.stateDir} is down\n`);
    });
}

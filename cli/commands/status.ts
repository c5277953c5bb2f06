import type { Command } from 'commander';
import { notBuiltYet } from '../errors.ts';

export function register(program: Command): void {
  program
    .command('status')
    .description('show each stack process, port, PID, uptime and health')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notBuiltYet('status', 2));
}

import type { Command } from 'commander';
import { notBuiltYet } from '../errors.ts';

export function register(program: Command): void {
  program
    .command('doctor')
    .description('check k6, Go, redis-server, PostgreSQL, Chromium and free ports; print the fix for each missing piece')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notBuiltYet('doctor', 2));
}

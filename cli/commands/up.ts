import type { Command } from 'commander';
import { notBuiltYet } from '../errors.ts';

export function register(program: Command): void {
  program
    .command('up')
    .description('start the embedded stack: its own redis-server, PostgreSQL and the reference API')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notBuiltYet('up', 2));
}

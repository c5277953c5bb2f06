import type { Command } from 'commander';
import { notBuiltYet } from '../errors.ts';

export function register(program: Command): void {
  program
    .command('run')
    .description('run a load shape with k6 and write reports/<run-id>/')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notBuiltYet('run', 4));
}

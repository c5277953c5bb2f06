import type { Command } from 'commander';
import { notBuiltYet } from '../errors.ts';

export function register(program: Command): void {
  program
    .command('fault')
    .description('inject, recover and list faults against the stack')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notBuiltYet('fault', 6));
}

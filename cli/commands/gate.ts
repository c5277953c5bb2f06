import type { Command } from 'commander';
import { notBuiltYet } from '../errors.ts';

export function register(program: Command): void {
  program
    .command('gate')
    .description('fail CI on a threshold breach or a regression against the baseline')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notBuiltYet('gate', 7));
}

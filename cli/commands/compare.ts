import type { Command } from 'commander';
import { notBuiltYet } from '../errors.ts';

export function register(program: Command): void {
  program
    .command('compare')
    .description('compare two runs per endpoint and mark regressions')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notBuiltYet('compare', 5));
}

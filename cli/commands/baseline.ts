import type { Command } from 'commander';
import { notBuiltYet } from '../errors.ts';

export function register(program: Command): void {
  program
    .command('baseline')
    .description('record a run as the baseline the gate compares against')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notBuiltYet('baseline', 7));
}

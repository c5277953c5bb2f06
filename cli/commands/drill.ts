import type { Command } from 'commander';
import { notBuiltYet } from '../errors.ts';

export function register(program: Command): void {
  program
    .command('drill')
    .description('game day: load + fault + signals + mitigation + recovery, timed')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notBuiltYet('drill', 6));
}

import type { Command } from 'commander';
import { notBuiltYet } from '../errors.ts';

export function register(program: Command): void {
  program
    .command('verify')
    .description('check the data invariants: no seat sold twice, money conserved')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notBuiltYet('verify', 8));
}

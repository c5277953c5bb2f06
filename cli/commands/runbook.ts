import type { Command } from 'commander';
import { notBuiltYet } from '../errors.ts';

export function register(program: Command): void {
  program
    .command('runbook')
    .description('list, show and execute incident runbooks')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notBuiltYet('runbook', 6));
}

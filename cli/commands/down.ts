import type { Command } from 'commander';
import { notBuiltYet } from '../errors.ts';

export function register(program: Command): void {
  program
    .command('down')
    .description('stop the embedded stack and everything it started')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notBuiltYet('down', 2));
}

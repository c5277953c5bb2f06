import type { Command } from 'commander';
import { notBuiltYet } from '../errors.ts';

export function register(program: Command): void {
  program
    .command('report')
    .description('build the markdown report from a run directory or a k6 summary file')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notBuiltYet('report', 5));
}

import type { Command } from 'commander';
import { notBuiltYet } from '../errors.ts';

export function register(program: Command): void {
  program
    .command('k8s')
    .description('emit a k6-operator TestRun for runs larger than one machine')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notBuiltYet('k8s', 7));
}

import type { Command } from 'commander';
import { faultContext } from '../faults/engine.ts';
import { MITIGATIONS, mitigationByName } from '../faults/mitigations.ts';
import { positiveNumber, seconds, wholeNumber } from './option-parsers.ts';

export function register(program: Command): void {
  program
    .command('mitigate <action> [value]')
    .description('carry out one runbook mitigation against the stack')
    .option('--max <n>', 'pool-resize: new pool size per worker', wholeNumber(1))
    .option('--factor <f>', 'pool-resize: multiply the current pool size', positiveNumber)
    .option('--older-than <seconds>', 'cancel-queries: how long a session must have been busy', seconds(0))
    .option('--snapshot <id>', 'queue-restore: snapshot id (latest by default)')
    .option('--force', 'redis-restart: restart even when Redis answers')
    .option('--json', 'print as JSON')
    .addHelpText(
      'after',
      `
Actions:
${MITIGATIONS.map((m) => `  ${m.usage.padEnd(34)} ${m.description}`).join('\n')}

Examples:
  $ loadctl mitigate cache-bypass on
  $ loadctl mitigate pool-resize --factor 1.5
  $ loadctl mitigate cancel-queries --older-than 2`,
    )
    .action(
      async (
        action: string,
        value: string | undefined,
        opts: { max?: number; factor?: number; olderThan?: number; snapshot?: string; force?: boolean; json?: boolean },
      ) => {
        const mitigation = mitigationByName(action);
        const { state } = await faultContext();
        const { max, factor, olderThan: olderThanS, snapshot, force } = opts;
        const summary = await mitigation.run(state, value, { max, factor, olderThanS, snapshot, force });
        process.stdout.write(opts.json ? `${JSON.stringify({ action, value, summary }, null, 2)}\n` : `${summary}\n`);
      },
    );
}

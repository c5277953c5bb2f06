import type { Command } from 'commander';
import { UserError } from '../shared/errors.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import { compareInputs } from '../report/compare-inputs.ts';
import { parseTolerances, renderComparisonMarkdown } from '../report/index.ts';

export function register(program: Command): void {
  program
    .command('compare')
    .description('compare a run with a baseline per endpoint and metric; mark regressions beyond tolerance')
    .argument('<current>', 'run directory, report.json or any input `loadctl report` reads')
    .argument('<baseline>', 'the baseline, in any of the same forms')
    .option(
      '--tolerance <list>',
      'latency=N% and latency-min=Nms (avg/med/p95/p99 growth must exceed both), errors=N (percentage points), throughput=N% and throughput-min=N (rps drop must exceed both) — the same rule as `loadctl gate`',
      'latency=10%,latency-min=2ms,errors=0.5,throughput=10%,throughput-min=5',
    )
    .option('--format <format>', 'md or json', 'md')
    .option('--allow-mismatch', 'compare with a baseline of another shape, workload or script (refused otherwise)')
    .option('--fail-on-regression', `exit ${ExitCode.regression} when anything regressed beyond tolerance`)
    .addHelpText('after', '\nExamples:\n  loadctl compare reports/run-b reports/baselines/peak --tolerance latency=15%\n  loadctl compare b/report.json a/report.json --format json')
    .action(async (current: string, baseline: string, options: { tolerance: string; format: string; failOnRegression?: boolean; allowMismatch?: boolean }) => {
      if (options.format !== 'md' && options.format !== 'json') throw new UserError(`--format must be md or json, not "${options.format}".`);
      let tolerances;
      try {
        tolerances = parseTolerances(options.tolerance);
      } catch (error) {
        throw new UserError((error as Error).message);
      }
      const { comparison } = await compareInputs(current, baseline, { tolerances, allowMismatch: options.allowMismatch });
      process.stdout.write(options.format === 'json' ? `${JSON.stringify(comparison, null, 2)}\n` : renderComparisonMarkdown(comparison));
      if (options.failOnRegression && comparison.regressions.length > 0) process.exitCode = ExitCode.regression;
    });
}

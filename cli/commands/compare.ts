import type { Command } from 'commander';
import { UserError } from '../shared/errors.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import { compareInputs } from '../report/compare-inputs.ts';
import { parseTolerances, renderComparisonMarkdown, type Tolerances } from '../report/index.ts';
import { renderComparisonHtml } from '../report/render/html.ts';

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
    .option(
      '--format <format>',
      'md, json, or html (one self-contained page overlaying the two runs; redirect it to a file)',
      'md',
    )
    .option('--allow-mismatch', 'compare with a baseline of another shape, workload or script (refused otherwise)')
    .option('--fail-on-regression', `exit ${ExitCode.regression} when anything regressed beyond tolerance`)
    .addHelpText(
      'after',
      '\nExamples:\n  loadctl compare reports/run-b reports/baselines/peak --tolerance latency=15%\n  loadctl compare b/report.json a/report.json --format json\n  loadctl compare reports/run-b reports/baselines/peak --format html > compare.html',
    )
    .action(
      async (
        current: string,
        baseline: string,
        options: { tolerance: string; format: string; failOnRegression?: boolean; allowMismatch?: boolean },
      ) => {
        if (!['md', 'json', 'html'].includes(options.format))
          throw new UserError(`--format must be md, json or html, not "${options.format}".`);
        let tolerances: Tolerances;
        try {
          tolerances = parseTolerances(options.tolerance);
        } catch (error) {
          throw new UserError((error as Error).message);
        }
        const compared = await compareInputs(current, baseline, { tolerances, allowMismatch: options.allowMismatch });
        const { comparison } = compared;
        const render = {
          json: () => `${JSON.stringify(comparison, null, 2)}\n`,
          html: () => renderComparisonHtml(comparison, compared.current, compared.baseline),
          md: () => renderComparisonMarkdown(comparison),
        };
        process.stdout.write(render[options.format as keyof typeof render]());
        if (options.failOnRegression && comparison.regressions.length > 0) process.exitCode = ExitCode.regression;
      },
    );
}

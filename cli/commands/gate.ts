// `loadctl gate`: flags → runGate → one verdict line per regression, files written, exit code.
import type { Command } from 'commander';
import { DEFAULT_WORKLOAD, type WorkloadName } from '../../scenarios/lib/catalogue.ts';
import type { ShapeName } from '../../scenarios/lib/shapes.ts';
import { UserError } from '../shared/errors.ts';
import { runGate } from '../gate/index.ts';
import { scriptSubject } from '../k6/subject.ts';
import { formatProgress } from '../k6/live.ts';
import { METRIC_LABEL } from '../gate/verdicts.ts';
import { paint } from '../shared/output.ts';
import { positiveNumber, shapeOption, wholeNumber, workloadOption } from './option-parsers.ts';

interface GateFlags {
  run: string[];
  shape?: ShapeName;
  workload?: WorkloadName;
  script?: string;
  scale: number;
  duration?: string;
  target?: string;
  allowRemote?: boolean;
  baseline: string;
  allowMismatch?: boolean;
  config?: string;
  junit?: string;
  summary?: string;
  prComment?: string;
  repeat?: number;
  json?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function register(program: Command): void {
  program
    .command('gate')
    .description('fail CI on a k6 threshold breach or a regression against the baseline; writes JUnit and markdown')
    .option('--run <dir>', 'a finished run directory (repeat for the median of several)', collect, [])
    .addOption(shapeOption('run this shape now instead (with --script: at this seed shape)'))
    .option('--script <file>', 'run your own k6 script now instead (its baseline must come from the same script)')
    .addOption(workloadOption("workload for --shape (default: the shape's default)"))
    .option('--scale <factor>', 'with --shape: multiply VUs and rates', positiveNumber, 1)
    .option('--duration <d>', "with --shape: replace a steady shape's duration, e.g. 20s")
    .option('--target <url>', 'with --shape: the API to load (default: the embedded stack)')
    .option('--allow-remote', 'with --shape: allow a non-loopback --target')
    .requiredOption('--baseline <dir|name>', 'baseline directory, its report.json, or a name under reports/baselines/')
    .option('--allow-mismatch', 'judge against a baseline of another shape, workload or script (refused otherwise)')
    .option('--config <file>', 'tolerances file (default: loadctl.gate.yaml; built-in defaults when absent)')
    .option(
      '--repeat <n>',
      "with --shape: run N times and judge each metric's median (default: the config's repeat)",
      wholeNumber(1, 9),
    )
    .option('--junit <file>', 'write JUnit XML: one test case per endpoint × metric and per k6 threshold')
    .option('--summary <file>', 'write the markdown summary (also appended to $GITHUB_STEP_SUMMARY when set)')
    .option('--pr-comment <file>', 'write a compact markdown comment for the pull request')
    .option('--json', 'print the verdicts as JSON')
    .addHelpText(
      'after',
      `
A metric regresses when it is worse than the baseline by more than its relative tolerance AND its
absolute minimum effect (defaults: p95 > 15 % and > 2 ms; p99 > 25 % and > 5 ms; error rate > +0.5 pp;
throughput < −10 % and < −5 req/s). Details: cli/gate/README.md.

Examples:
  loadctl gate --run reports/20261125-101500-smoke-concerts --baseline smoke-concerts --junit junit.xml
  loadctl gate --shape smoke --workload concerts --repeat 3 --baseline smoke-concerts --summary gate.md
  loadctl gate --script tests/load.ts --target http://127.0.0.1:3000 --baseline own-load --junit junit.xml
  loadctl baseline save reports/20261125-101500-smoke-concerts --name smoke-concerts

Exit codes: 0 passed; 1 a k6 threshold failed; 4 a metric regressed; 2 bad input; 3 environment.`,
    )
    .action(async (flags: GateFlags) => {
      const makesRuns = flags.shape !== undefined || flags.script !== undefined;
      if (makesRuns && flags.run.length > 0) throw new UserError('give either --run or --shape / --script, not both.');
      if (flags.repeat !== undefined && !makesRuns)
        throw new UserError(
          '--repeat needs --shape or --script: it makes that many runs.',
          'for finished runs, repeat --run instead',
        );
      if (flags.script !== undefined && flags.workload !== undefined)
        throw new UserError('--workload picks a built-in workload; --script runs yours instead.');
      let run: Parameters<typeof runGate>[0]['run'];
      if (makesRuns) {
        run = {
          subject:
            flags.script !== undefined
              ? scriptSubject(flags.script, flags.shape)
              : { kind: 'workload', shape: flags.shape!, workload: flags.workload ?? DEFAULT_WORKLOAD[flags.shape!] },
          scale: flags.scale,
          duration: flags.duration,
          target: flags.target,
          allowRemote: flags.allowRemote ?? false,
          repeat: flags.repeat,
          // one line rewritten in place on a terminal; CI logs get the run-by-run lines only
          onProgress: process.stderr.isTTY
            ? (figures) => process.stderr.write(`\r\x1b[2K${paint.cyan('running')} ${formatProgress(figures)}`)
            : undefined,
        };
      }
      const result = await runGate({
        runDirs: flags.run,
        run,
        baseline: flags.baseline,
        allowMismatch: flags.allowMismatch,
        configFile: flags.config,
        junitFile: flags.junit,
        summaryFile: flags.summary,
        prCommentFile: flags.prComment,
        stepSummaryFile: process.env.GITHUB_STEP_SUMMARY || undefined,
        onInfo: (line) => process.stderr.write(`${process.stderr.isTTY ? '\r\x1b[2K' : ''}${paint.dim(line)}\n`),
      });

      if (flags.json) {
        const { verdicts, thresholds, status, exitCode, runDirs, baselineDir, written } = result;
        process.stdout.write(
          `${JSON.stringify({ status, exitCode, runDirs, baselineDir, thresholds, verdicts, written }, null, 2)}\n`,
        );
      } else {
        const failedThresholds = result.thresholds.filter((threshold) => !threshold.ok);
        const regressed = result.verdicts.filter((verdict) => verdict.status === 'regressed');
        for (const threshold of failedThresholds)
          process.stdout.write(`${paint.red('threshold failed')} ${threshold.metric}: ${threshold.expression}\n`);
        for (const verdict of regressed)
          process.stdout.write(
            `${paint.red('regressed')} ${verdict.endpoint} ${METRIC_LABEL[verdict.metric]}: ${verdict.explanation}\n`,
          );
        const gated = result.verdicts.filter((verdict) => verdict.status !== 'not-gated').length;
        const head =
          result.status === 'passed'
            ? paint.green('GATE PASSED')
            : result.status === 'thresholds-failed'
              ? paint.red('GATE FAILED: k6 thresholds')
              : paint.red(`GATE FAILED: ${regressed.length} regression(s)`);
        process.stdout.write(
          `${head} — ${gated} endpoint × metric checks vs ${result.baselineLabel}${result.runs > 1 ? ` (median of ${result.runs} runs)` : ''}\n`,
        );
        for (const file of result.written) process.stdout.write(`${paint.dim('wrote')} ${file}\n`);
      }
      process.exitCode = result.exitCode;
    });
}

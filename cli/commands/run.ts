// `loadctl run <shape|script>`: flags → executeRun (or dryRun) → a live line while k6 runs → the verdict and the
// run directory.
import { isAbsolute, relative } from 'node:path';
import type { Command } from 'commander';
import { ExitCode } from '../shared/exit-codes.ts';
import { describeK6Exit } from '../k6/exit-codes.ts';
import { formatProgress, type ProgressFigures } from '../k6/live.ts';
import { paint } from '../shared/output.ts';
import { UserError } from '../shared/errors.ts';
import type { RunOutcome } from '../run/run.ts';
import { checkRequest } from '../run/request.ts';
import { generatorLimitNote } from '../capacity/limit.ts';
import { SCRIPT_HOSTS_NOTE } from '../shared/run-dir.ts';
import { WORKLOADS, WORKLOAD_NAMES, type WorkloadName } from '../../scenarios/lib/catalogue.ts';
import { shapeDefinition, SHAPE_NAMES, type ShapeName } from '../../scenarios/lib/shapes.ts';
import {
  collect,
  positiveNumber,
  shapeOption,
  subjectArgument,
  subjectFromArguments,
  workloadOption,
  type SubjectName,
} from './option-parsers.ts';

const scaleOrAuto = (value: string): number | 'auto' => (value === 'auto' ? 'auto' : positiveNumber(value));

const shapeList = SHAPE_NAMES.map((name) => `  ${name.padEnd(9)} ${shapeDefinition(name).description}`).join('\n');
const workloadList = WORKLOAD_NAMES.map((name) => `  ${name.padEnd(12)} ${WORKLOADS[name].description}`).join('\n');

const HELP = `
Shapes:
${shapeList}

Workloads (--workload; default: concerts for load/peak/seed, journey for smoke/journey/soak, browser for browser):
${workloadList}

Your own k6 script (.js, .ts, or a k6 archive .tar) runs through the same pipeline, under its own options:
  loadctl run ./load-test.ts --target http://127.0.0.1:3000      # BASE_URL for the script is the checked target
  loadctl run ./load-test.ts --shape peak --scale 0.05           # the seed's peak stages around its default function
  loadctl run ./load-test.ts --shape load --dry-run              # print the final k6 options (k6 inspect), send nothing
  loadctl run ./load-test.ts --metrics-url http://127.0.0.1:3000/metrics   # the service's own metrics beside k6's
  loadctl run ./load-test.ts -- --tag team=shop -e USERS=50      # after --: arguments for k6 run, unchanged
Targets: load goes to loopback unless --allow-remote; for a script, ${SCRIPT_HOSTS_NOTE}.
k6 arguments that conflict with loadctl's own are refused: --out json=…, --summary-export, --address,
--execution-segment, --linger, --paused, -e SUMMARY_FILE=… (and --vus/--duration/--iterations/--stage with --shape).

Examples:
  loadctl run smoke                                # every step of the journey, a few seconds, on the embedded stack
  loadctl run peak --workload concerts             # the seed's 5000/s peak on a cached read
  loadctl run peak --scale auto                    # the peak scaled to what this machine holds (npm start)
  loadctl run journey --scale 0.1                  # the full journey with 100 VUs instead of 1000
  loadctl run seed --workload balance              # the seed's exact options, dropped iterations and all
  loadctl run soak --duration 2h                   # a steady shape, longer
  loadctl run peak --segments 2                    # the same load from two k6 processes (execution segments)
  loadctl run load --target http://127.0.0.1:8080  # an API you started yourself

Writes reports/<run-id>/ (<dir>/<run-id>/ with --dir): meta.json, summary.json, raw.json.gz (raw.<i>.json.gz
per segment), server-metrics.ndjson (when a metrics URL is known), k6.log and report.md. Ctrl-C stops k6
gracefully and still writes all of them.

Exit codes: 0 passed; 1 thresholds failed (k6 99); 2 bad flags; 3 environment or k6 error (k6 104 invalid config,
107 script exception, 108 test.abort(), 110 marked failed, or no k6/stack); 130 interrupted by Ctrl-C.
`;

interface RunFlags {
  workload?: WorkloadName;
  shape?: ShapeName;
  metricsUrl: string[];
  dryRun?: boolean;
  scale: number | 'auto';
  duration?: string;
  target?: string;
  allowRemote?: boolean;
  segments: string;
  dir?: string;
  json?: boolean;
}

/** On a terminal one line rewritten in place; otherwise (CI, pipes) a plain line every 10 seconds. */
function progressPrinter(stream: NodeJS.WriteStream): { show(figures: ProgressFigures): void; clear(): void } {
  let lastPlain = 0;
  return {
    show(figures) {
      if (stream.isTTY) {
        stream.write(`\r\x1b[2K${paint.cyan('running')} ${formatProgress(figures)}`);
      } else if (figures.elapsedS - lastPlain >= 10) {
        lastPlain = figures.elapsedS;
        stream.write(`running ${formatProgress(figures)}\n`);
      }
    },
    clear() {
      if (stream.isTTY) stream.write('\r\x1b[2K');
    },
  };
}

/** Relative to the working directory when inside it, absolute otherwise. */
function shortPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

function printOutcome(outcome: RunOutcome): void {
  const { digest, meta } = outcome;
  const verdict =
    outcome.exitCode === ExitCode.ok
      ? paint.green('PASSED')
      : outcome.exitCode === ExitCode.thresholdsFailed
        ? paint.red('THRESHOLDS FAILED')
        : outcome.exitCode === ExitCode.interrupted
          ? paint.yellow('INTERRUPTED')
          : paint.red(`FAILED (${describeK6Exit(meta.k6ExitCode ?? 0)})`);
  console.log(`${verdict}  ${meta.shape} / ${meta.workload} against ${meta.target}`);
  if (digest) {
    const p95 = digest.p95Ms === undefined ? '-' : `${digest.p95Ms.toFixed(2)} ms`;
    console.log(
      `  ${digest.httpReqs} requests, ${digest.rps.toFixed(1)}/s, p95 ${p95}, unexpected failures ${digest.failedPercent.toFixed(2)} %` +
        `, expected 409 ${digest.expectedConflicts}, iterations ${digest.iterations}, dropped ${digest.droppedIterations}`,
    );
    for (const threshold of digest.failedThresholds) console.log(`  ${paint.red('✗')} threshold ${threshold}`);
  }
  const { cores } = outcome;
  console.log(
    `  CPU: k6 ${cores.k6.toFixed(2)} cores${cores.api === undefined ? '' : `, API ${cores.api.toFixed(2)} cores`} of ${cores.machine} on this machine`,
  );
  if (outcome.k6Error) console.log(`  ${paint.red('✗')} k6: ${outcome.k6Error}`);
  if (outcome.droppedExplanation) console.log(`  ${paint.yellow('!')} ${outcome.droppedExplanation}`);
  const generator = digest && generatorLimitNote(digest.droppedIterations, cores);
  if (generator) console.log(`  ${paint.yellow('!')} ${generator}`);
  console.log(
    `  run directory: ${shortPath(outcome.runDir)}${outcome.reportError ? '' : `   report: ${shortPath(outcome.reportPath)}`}`,
  );
}

export function register(program: Command): void {
  program
    .command('run')
    .description('run a load shape, or your own k6 script, with k6 and write reports/<run-id>/')
    .addArgument(subjectArgument())
    .argument('[k6-args...]', 'after --: arguments for k6 run, passed unchanged')
    .addOption(workloadOption('what each iteration does (with a shape)'))
    .addOption(shapeOption('with a script: replace its scenarios with this seed shape around its default function'))
    .option(
      '--scale <factor>',
      "multiply VUs and arrival rates (durations stay), e.g. 0.1; 'auto': an arrival-rate shape scaled to what this machine holds",
      scaleOrAuto,
      1,
    )
    .option('--duration <d>', 'new length for a steady shape (smoke, journey, soak, browser), e.g. 30s, 2h')
    .option('--target <url>', 'base URL of the API, BASE_URL for a script (default: the embedded stack for a shape)')
    .option('--allow-remote', 'allow a --target that is not this machine')
    .option('--segments <n>', 'split the run over n k6 processes (execution segments)', '1')
    .option('--metrics-url <url>', 'a Prometheus endpoint to scrape during the run (repeatable)', collect, [])
    // not --out: to a k6 user that means k6's output backend (--out json=…, which loadctl sets itself)
    .option('--dir <dir>', 'directory to create the run directory in (default: reports/)')
    .option('--dry-run', 'print the final k6 options (as k6 inspect does) and the k6 command; send no load')
    .option('--json', 'print the outcome as JSON on stdout (progress goes to stderr)')
    .addHelpText('after', HELP)
    .action(async (name: SubjectName, k6Args: string[], flags: RunFlags) => {
      if (k6Args.length > 0 && !process.argv.includes('--')) {
        throw new UserError(
          `unexpected argument '${k6Args[0]}'.`,
          'arguments for k6 go after --, e.g. loadctl run test.js -- --tag team=shop',
        );
      }
      const subject = subjectFromArguments(name, flags);
      const segments = Number(flags.segments);
      const info = (line: string): void => void process.stderr.write(`${paint.dim(line)}\n`);
      const auto = flags.scale === 'auto';
      if (auto && (subject.kind !== 'workload' || flags.dryRun)) {
        throw new UserError(
          '--scale auto measures this machine with a built-in workload first (it sends load).',
          'give a number, e.g. --scale 0.2',
        );
      }
      const settings = {
        subject,
        scale: flags.scale === 'auto' ? 1 : flags.scale,
        duration: flags.duration,
        target: flags.target,
        allowRemote: Boolean(flags.allowRemote),
        segments,
        metricsUrls: flags.metricsUrl,
        k6Args,
        reportsDir: flags.dir ? flags.dir : undefined,
      };
      // the target rule before the run code (k6, the stack, the report engine) is even loaded: a refusal is instant
      await checkRequest(settings);
      const { dryRun, executeRun } = await import('../run/run.ts');
      if (flags.dryRun) {
        const planned = await dryRun({ ...settings, onInfo: info });
        process.stdout.write(`${planned.options.trimEnd()}\n`);
        info(`k6 command: ${planned.command.join(' ')}`);
        return;
      }
      const progress = progressPrinter(process.stderr);
      const abort = new AbortController();
      const onSigint = (): void => {
        progress.clear();
        if (abort.signal.aborted) {
          // a second Ctrl-C: stop now (k6 is killed on exit; the run directory keeps what was written)
          info('stopping at once');
          process.exit(ExitCode.interrupted);
        }
        info('stopping k6 gracefully (it still writes its summary; Ctrl-C again to stop at once)…');
        abort.abort();
      };
      process.on('SIGINT', onSigint);
      try {
        if (auto && subject.kind === 'workload') {
          const { autoScale } = await import('../capacity/auto-scale.ts');
          const chosen = await autoScale({
            ...subject,
            target: settings.target,
            allowRemote: settings.allowRemote,
            reportsDir: settings.reportsDir,
            signal: abort.signal,
            onInfo: info,
          });
          settings.scale = chosen.scale;
          console.log(`${paint.cyan('scale')} ${chosen.scale}: ${chosen.reason}`);
        }
        const outcome = await executeRun({
          ...settings,
          signal: abort.signal,
          onProgress: (figures) => progress.show(figures),
          onInfo: (line) => {
            progress.clear();
            info(line);
          },
        });
        progress.clear();
        if (flags.json) {
          const { runDir, reportPath: report, exitCode, meta, digest, cores, droppedExplanation, k6Error } = outcome;
          console.log(
            JSON.stringify({ runDir, report, exitCode, meta, digest, cores, droppedExplanation, k6Error }, null, 2),
          );
        } else printOutcome(outcome);
        process.exitCode = outcome.exitCode;
      } finally {
        process.removeListener('SIGINT', onSigint);
      }
    });
}

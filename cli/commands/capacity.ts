// `loadctl capacity`: flags → searchCapacity → one line per step → the sustained rate, the limit and where
// the result is. Ctrl-C stops the step under way gracefully and still writes the (partial) result.
import type { Command } from 'commander';
import { isAbsolute, relative, resolve } from 'node:path';
import { searchCapacity } from '../capacity/capacity.ts';
import { stepLine } from '../capacity/render.ts';
import { DEFAULT_SLO_TEXT, round } from '../capacity/slo.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import { paint } from '../shared/output.ts';
import type { WorkloadName } from '../../scenarios/lib/catalogue.ts';
import { UserError } from '../shared/errors.ts';
import { collect, positiveNumber, seconds, wholeNumber, workloadOption } from './option-parsers.ts';

const HELP = `
How it searches: after an unjudged 3 s warm-up at half --start-rate, constant-arrival-rate steps (the \`rate\`
shape) starting at --start-rate, doubling until a step
breaks the SLO (or drops iterations, or carries under 90 % of the asked rate), then bisecting between the
highest rate that held and the lowest that broke until they are 10 % apart. Each step records throughput,
latency, errors, dropped iterations, the API's own latency and the CPU of k6, the API's workers, Redis and
PostgreSQL (from /proc; for an external --target, the API's from its /metrics).

Bounds: at most --max-steps steps (default 10) and --max-time (default 3m) in all; a step that would pass
--max-time is not started. Ctrl-C stops the current step gracefully, leaves no k6 behind and writes the
partial result.

Writes reports/capacity-<time>-<workload>/ (or under --dir): capacity.md (sustained rate, the limit with its
evidence, the steps, a latency-versus-throughput chart with the knee, the model, the sizing for the seed's
5,000/s peak and 3,000-VU load), capacity.json, and each step's run directory under steps/.

Your own k6 script: its scenarios are replaced by the same steps (the \`rate\` shape) around its default
function, as \`loadctl run <script> --shape rate\` does. The embedded stack is not started: --target is passed as
BASE_URL, and the system's CPU is known only from a --metrics-url that exposes process_cpu_seconds_total
(otherwise only k6's own, so the limit can name the generator but not what in the system ran out).

Examples:
  loadctl capacity --workload concerts
  loadctl capacity --workload reservation --slo 'p95<200ms,errors<1%'
  loadctl capacity --workload concerts --max-steps 3 --step 5s          # a quick calibration
  taskset -c 0 loadctl capacity --workload concerts                      # k6 capped to one core
  loadctl capacity ./load-test.js --target http://127.0.0.1:3000 --metrics-url http://127.0.0.1:3000/metrics

Exit codes: 0 a sustained rate was found; 1 no step held the SLO; 2 bad flags; 3 environment; 130 interrupted.
`;

interface CapacityFlags {
  workload: WorkloadName;
  slo: string;
  target?: string;
  allowRemote?: boolean;
  metricsUrl: string[];
  step: number;
  maxSteps: number;
  maxTime: number;
  startRate: number;
  maxRate: number;
  dir?: string;
  json?: boolean;
}

function shortPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

export function register(program: Command): void {
  program
    .command('capacity')
    .description('find the highest arrival rate that holds the SLO, who ran out first, and the sizing for a target')
    .argument('[script]', 'your own k6 script (.js, .ts), searched instead of a workload')
    .addOption(workloadOption('what each iteration does').default('concerts'))
    .option('--slo <slo>', 'the objective each step must hold', DEFAULT_SLO_TEXT)
    .option('--target <url>', 'base URL of the API (default: the embedded stack, started if needed)')
    .option('--allow-remote', 'allow a --target that is not this machine')
    .option(
      '--metrics-url <url>',
      "a Prometheus endpoint scraped beside each step, e.g. the service's own (repeatable)",
      collect,
      [],
    )
    .option('--step <seconds>', 'length of each step', seconds(2), 6)
    .option('--max-steps <n>', 'at most this many steps', wholeNumber(1, 100), 10)
    .option('--max-time <seconds>', 'the whole search within this time', seconds(5), 180)
    .option('--start-rate <n>', 'first arrival rate (iterations/s)', positiveNumber, 250)
    .option('--max-rate <n>', 'never ask for more (iterations/s)', positiveNumber, 20_000)
    .option('--dir <dir>', 'directory to create the capacity directory in (default: reports/)')
    .option('--json', 'print the result as JSON on stdout (progress goes to stderr)')
    .addHelpText('after', HELP)
    .action(async (script: string | undefined, flags: CapacityFlags, command: Command) => {
      if (script !== undefined && command.getOptionValueSource('workload') === 'cli')
        throw new UserError('give a script or --workload, not both.', 'e.g. loadctl capacity ./load-test.js');
      const info = (line: string): void => void process.stderr.write(`${paint.dim(line)}\n`);
      const abort = new AbortController();
      const onSigint = (): void => {
        if (abort.signal.aborted) {
          info('stopping at once');
          process.exit(ExitCode.interrupted);
        }
        info('stopping the step gracefully and writing the partial result (Ctrl-C again to stop at once)…');
        abort.abort();
      };
      process.on('SIGINT', onSigint);
      try {
        const { result, markdownPath } = await searchCapacity({
          workload: flags.workload,
          script: script === undefined ? undefined : resolve(script),
          sloText: flags.slo,
          target: flags.target,
          allowRemote: Boolean(flags.allowRemote),
          metricsUrls: flags.metricsUrl,
          limits: { maxSteps: flags.maxSteps, maxTimeSeconds: flags.maxTime, stepSeconds: flags.step },
          search: { startRate: Math.round(flags.startRate), maxRate: Math.round(flags.maxRate) },
          reportsDir: flags.dir,
          signal: abort.signal,
          onInfo: info,
          onStep: (step) => process.stderr.write(`  ${stepLine(step)}\n`),
        });
        if (flags.json) console.log(JSON.stringify(result, null, 2));
        else {
          const knee = result.steps.find((s) => s.offeredRate === result.sustainedRate);
          console.log(
            result.sustainedRate === undefined
              ? paint.red(`no step held ${result.sloText}`)
              : `${paint.green('sustained')} ${result.sustainedRate}/s of ${result.workload} at ${result.sloText} (p95 ${knee?.p95Ms === undefined ? '-' : `${round(knee.p95Ms)} ms`})`,
          );
          console.log(`  limit: ${result.limit.kind} — ${result.limit.what}`);
          for (const line of result.limit.evidence) console.log(`    ${line}`);
          for (const line of result.limit.advice) console.log(`    → ${line}`);
          console.log(`  stopped because ${result.stoppedBecause}; ${result.steps.length} steps`);
          console.log(`  report: ${shortPath(markdownPath)}`);
        }
        process.exitCode = abort.signal.aborted
          ? ExitCode.interrupted
          : result.sustainedRate === undefined
            ? ExitCode.thresholdsFailed
            : ExitCode.ok;
      } finally {
        process.removeListener('SIGINT', onSigint);
      }
    });
}

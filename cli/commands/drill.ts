import type { Command } from 'commander';
import { runDrill } from '../drill/drill.ts';
import { UserError } from '../shared/errors.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import { paint } from '../shared/output.ts';
import type { WorkloadName } from '../../scenarios/lib/catalogue.ts';
import type { ShapeName } from '../../scenarios/lib/shapes.ts';
import { positiveNumber, seconds, shapeOption, workloadOption } from './option-parsers.ts';

export function register(program: Command): void {
  program
    .command('drill <runbook>')
    .description("game day: load + the runbook's fault + its signals + its mitigation + recovery, timed and judged")
    .addOption(shapeOption('load shape').default('smoke'))
    .addOption(workloadOption("workload (default: the one the runbook's fault hurts)"))
    .option(
      '--scale <factor>',
      "multiply VUs/rates of the shape (default: the fault's, 1; db-saturate 3)",
      positiveNumber,
    )
    .option('--inject-at <seconds>', 'inject the fault this long after the load starts', seconds(0), 15)
    .option('--duration <seconds>', 'how long the fault lasts before the drill recovers it', seconds(1), 30)
    .option('--detect-timeout <seconds>', 'how long to wait for the signals before mitigating anyway', seconds(1), 20)
    .option('--mode <mode>', "fault mode (default: the runbook's)")
    .option('--manual', 'a person carries out each step and presses Enter; nothing is automated')
    .option(
      '--guard <expr>',
      "halt early and recover when this PromQL comparison holds, e.g. 'max(k6_http_req_failed_rate) > 0.2 for 5s'",
    )
    .option('--prometheus-url <url>', "the Prometheus to watch through (default: $PROMETHEUS_URL, else the stack's)")
    .option('--json', 'print the journal as JSON')
    .addHelpText(
      'after',
      `
Signals are timed by their alerts in Prometheus (the stack's loads \`loadctl runbook export --alerts\`); the SLO,
claims and guard are PromQL sent to its /api/v1/query. k6's own metrics are there too (k6_http_req_failed_rate …).
Writes reports/<run-id>/ with meta.json (fault window and every step as events), journal.json (planned,
happened, verdicts), server-metrics.ndjson and report.md with a drill section.
Exit code 0 when every claim holds, ${ExitCode.violation} when one does not (a signal never fired, the SLO did not
come back, data was lost, the guard tripped).

Examples:
  $ loadctl drill cache-failure
  $ loadctl drill cache-failure --shape load --scale 0.05 --inject-at 30 --duration 20
  $ loadctl drill database-overload --mode locks --guard 'max(k6_http_req_failed_rate) > 0.2 for 5s'
  $ loadctl drill memory-leak --manual`,
    )
    .action(
      async (
        runbookId: string,
        opts: {
          shape: ShapeName;
          workload?: WorkloadName;
          scale?: number;
          injectAt: number;
          duration: number;
          detectTimeout: number;
          mode?: string;
          manual?: boolean;
          guard?: string;
          prometheusUrl?: string;
          json?: boolean;
        },
      ) => {
        const interrupt = new AbortController();
        const onSigint = (): void => interrupt.abort();
        process.once('SIGINT', onSigint);
        try {
          const outcome = await runDrill({
            runbookId,
            shape: opts.shape,
            workload: opts.workload,
            scale: opts.scale,
            injectAtS: opts.injectAt,
            faultDurationS: opts.duration,
            detectTimeoutS: opts.detectTimeout,
            manual: Boolean(opts.manual),
            guard: opts.guard,
            prometheusUrl: opts.prometheusUrl,
            faultMode: opts.mode,
            signal: interrupt.signal,
            onLine: opts.json
              ? undefined
              : (line) => process.stderr.write(`${paint.dim(new Date().toISOString().slice(11, 19))} ${line}\n`),
          });
          if (opts.json) process.stdout.write(`${JSON.stringify(outcome.journal, null, 2)}\n`);
          else {
            for (const verdict of outcome.journal.verdicts)
              process.stdout.write(
                `${verdict.ok ? paint.green('✓') : paint.red('✗')} ${verdict.claim} — ${verdict.detail}\n`,
              );
            const { figures } = outcome.journal;
            process.stdout.write(
              `detect ${figures.timeToDetectS ?? '—'} s · mitigate ${figures.timeToMitigateS ?? '—'} s · recover ${figures.timeToRecoverS ?? '—'} s\nreport: ${outcome.reportPath}\n`,
            );
          }
          if (interrupt.signal.aborted) process.exitCode = ExitCode.interrupted;
          else if (outcome.exitCode !== ExitCode.ok)
            throw new UserError(
              `drill ${runbookId} failed: a runbook claim did not hold.`,
              `read ${outcome.reportPath}`,
              ExitCode.violation,
            );
        } finally {
          process.removeListener('SIGINT', onSigint);
        }
      },
    );
}

import type { Command } from 'commander';
import Table from 'cli-table3';
import { UserError } from '../shared/errors.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import { paint, useColour } from '../shared/output.ts';
import { writeFileSync } from 'node:fs';
import { PrometheusClient } from '../observe/prometheus-api.ts';
import { alertRulesYaml } from '../runbooks/alerts.ts';
import { checkSignals } from '../runbooks/check.ts';
import { runLoadctl } from '../runbooks/exec.ts';
import { loadRunbook, loadRunbooks } from '../runbooks/load.ts';
import { markdownForTerminal, runbookMarkdown } from '../runbooks/render.ts';
import { oneLine } from '../runbooks/promql.ts';
import { numberedSteps } from '../runbooks/schema.ts';
import { resolvePrometheusUrl } from '../stack/monitoring.ts';

export function register(program: Command): void {
  const runbook = program
    .command('runbook')
    .description('list, show and execute incident runbooks (runbooks/*.md)')
    .addHelpText(
      'after',
      `
Examples:
  $ loadctl runbook list
  $ loadctl runbook show cache-failure
  $ loadctl runbook exec cache-failure --step 1
  $ loadctl runbook check cache-failure
  $ loadctl runbook export --alerts --out alerts.yml`,
    );

  runbook
    .command('list')
    .description('every runbook with its fault and severity')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const runbooks = await loadRunbooks();
      if (opts.json) {
        process.stdout.write(
          `${JSON.stringify(
            runbooks.map(({ body: _body, ...front }) => front),
            null,
            2,
          )}\n`,
        );
        return;
      }
      const table = new Table({
        head: ['id', 'severity', 'fault', 'signals', 'steps', 'title'],
        style: useColour ? {} : { head: [], border: [] },
      });
      for (const entry of runbooks) {
        const steps = numberedSteps(entry);
        table.push([
          entry.id,
          entry.severity,
          entry.fault.name,
          entry.signals.length,
          `${steps.length} (${steps.filter((s) => s.step.automatable).length} automatable)`,
          entry.title,
        ]);
      }
      process.stdout.write(`${table.toString()}\n`);
    });

  runbook
    .command('show <id>')
    .description('render a runbook for the terminal: signals, SLO, numbered steps, then the prose')
    .option('--json', 'print the parsed runbook as JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const found = await loadRunbook(id);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ ...found, steps: numberedSteps(found) }, null, 2)}\n`);
        return;
      }
      const markdown = runbookMarkdown(found);
      if (!process.stdout.isTTY) {
        process.stdout.write(`${markdown}\n`);
        return;
      }
      process.stdout.write(`${await markdownForTerminal(markdown, Math.min(process.stdout.columns || 100, 110))}\n`);
    });

  runbook
    .command('check <id>')
    .description("is this incident happening? evaluates the runbook's signals now against Prometheus")
    .option('--prometheus-url <url>', "the Prometheus to ask (default: $PROMETHEUS_URL, else the stack's)")
    .option('--json', 'print the signals as JSON')
    .addHelpText(
      'after',
      `
Sends each signal's PromQL to Prometheus' /api/v1/query. Exit code 0 when none fires, ${ExitCode.violation} when
one or more fire (the incident is happening), ${ExitCode.environment} when Prometheus does not answer.

Examples:
  $ loadctl runbook check database-overload
  $ loadctl runbook check cache-failure --prometheus-url http://prometheus.internal:9090`,
    )
    .action(async (id: string, opts: { prometheusUrl?: string; json?: boolean }) => {
      const found = await loadRunbook(id);
      const prometheus = new PrometheusClient(resolvePrometheusUrl(opts.prometheusUrl));
      const readings = await checkSignals(found, prometheus);
      const firing = readings.filter((reading) => reading.firing);
      if (opts.json) {
        const result = { runbook: id, prometheus: prometheus.url, firing: firing.length > 0, signals: readings };
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      } else {
        for (const reading of readings) {
          const values = reading.values.map((value) => value.toPrecision(3)).join(', ');
          const state = reading.firing ? paint.red(`FIRING (${values})`) : paint.green('quiet');
          process.stdout.write(`${paint.bold(reading.id)}  ${state}\n  ${oneLine(reading.expr)}\n`);
        }
        const verdict =
          firing.length > 0
            ? `${firing.length} of ${readings.length} signals firing: follow \`loadctl runbook show ${id}\``
            : 'no signal fires';
        process.stdout.write(`${verdict} (Prometheus ${prometheus.url})\n`);
      }
      if (firing.length > 0) process.exitCode = ExitCode.violation;
    });

  runbook
    .command('export')
    .description("write every runbook's signals as Prometheus alerting rules")
    .requiredOption('--alerts', 'export alerting rules (one alert per signal, linking its runbook)')
    .option('--out <file>', 'write to this file instead of stdout')
    .option(
      '--runbook-url <base>',
      'link runbooks as <base><id>.md (default: $LOADCTL_RUNBOOK_BASE_URL, else file URLs)',
    )
    .addHelpText(
      'after',
      `
Each alert's expression is the signal's PromQL, its for: the signal's, labelled with the runbook's severity,
and annotated with a summary, a description and a runbook_url. Check it with \`promtool check rules\`.

Examples:
  $ loadctl runbook export --alerts --out /etc/prometheus/rules/loadctl.yml
  $ loadctl runbook export --alerts --runbook-url https://github.com/acme/loadctl/blob/main/runbooks/`,
    )
    .action(async (opts: { out?: string; runbookUrl?: string }) => {
      const rules = alertRulesYaml(await loadRunbooks(), opts.runbookUrl ?? process.env.LOADCTL_RUNBOOK_BASE_URL);
      if (opts.out) writeFileSync(opts.out, rules);
      else process.stdout.write(rules);
    });

  runbook
    .command('exec <id>')
    .description("run one step's command (the step numbers are those `runbook show` prints)")
    .requiredOption('--step <n>', 'step number', (value) => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new UserError(`--step must be a positive integer, got "${value}".`);
      return n;
    })
    .option('--json', 'print the result as JSON')
    .action(async (id: string, opts: { step: number; json?: boolean }) => {
      const found = await loadRunbook(id);
      const steps = numberedSteps(found);
      const entry = steps.find((candidate) => candidate.number === opts.step);
      if (!entry)
        throw new UserError(
          `runbook ${id} has steps 1 to ${steps.length}, not ${opts.step}.`,
          `see them with \`loadctl runbook show ${id}\``,
        );
      if (!entry.step.run) {
        throw new UserError(
          `step ${opts.step} ("${entry.step.title}") is done by a person, it has no command to run.`,
          `read it with \`loadctl runbook show ${id}\``,
        );
      }
      if (!opts.json)
        process.stderr.write(`${paint.bold(`step ${opts.step}: ${entry.step.title}`)}\n$ ${entry.step.run}\n`);
      const result = await runLoadctl(
        entry.step.run,
        process.env.LOADCTL_STATE_DIR,
        opts.json ? undefined : (chunk) => process.stdout.write(chunk),
      );
      if (opts.json)
        process.stdout.write(
          `${JSON.stringify({ runbook: id, step: opts.step, title: entry.step.title, command: entry.step.run, ...result }, null, 2)}\n`,
        );
      if (result.exitCode !== 0)
        throw new UserError(
          `step ${opts.step} failed (exit code ${result.exitCode}).`,
          undefined,
          ExitCode.environment,
        );
    });
}

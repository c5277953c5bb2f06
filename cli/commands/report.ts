import type { Command } from 'commander';
import { UserError } from '../shared/errors.ts';
import { paint } from '../shared/output.ts';
import { loadReportModel, writeHtmlReport, writeReportFiles } from '../report/index.ts';
import { STDIN_INPUT, saveStdin } from '../report/inputs/stdin.ts';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

export function register(program: Command): void {
  program
    .command('report')
    .description(
      'build the markdown report (with charts) from a run directory, k6 raw streams, a k6 summary JSON or a k6 text summary',
    )
    .argument(
      '<inputs...>',
      'run directory, raw.json(.gz) or --out csv files (several merge), summary JSON (--summary-export, handleSummary, machine-readable), text summary, or - for standard input',
    )
    .option(
      '--format <format>',
      'md writes report.md + report.json + charts; html writes one self-contained report.html; json prints the model',
      'md',
    )
    .option('--out <dir>', 'directory to write into (default: the run directory, or the input file’s directory)')
    .option('--title <title>', 'report title')
    .option('--no-mermaid', 'leave out the inline Mermaid charts')
    .addHelpText(
      'after',
      '\nExamples:\n  loadctl report reports/2026-11-25T10-00-00-peak\n  loadctl report raw.0.json.gz raw.1.json.gz --out merged/\n  loadctl report k6-output.txt --format json > report.json\n  k6 run script.js | loadctl report - --out report/\n  loadctl report reports/baselines/smoke-concerts --format html --out /tmp/smoke\n\nBad input exits 2 and writes nothing.',
    )
    .action(async (given: string[], options: { format: string; out?: string; title?: string; mermaid: boolean }) => {
      if (!['md', 'html', 'json'].includes(options.format))
        throw new UserError(`--format must be md, html or json, not "${options.format}".`);
      const piped = given.includes(STDIN_INPUT) ? await saveStdin() : undefined;
      const inputs = given.map((input) => (input === STDIN_INPUT && piped ? piped : input));
      const model = await loadReportModel(inputs.length === 1 ? (inputs[0] ?? '') : inputs, { title: options.title });
      if (options.format === 'json') {
        process.stdout.write(`${JSON.stringify(model, null, 2)}\n`);
        return;
      }
      const first = given[0] === STDIN_INPUT ? '.' : (given[0] ?? '.');
      const outDir = options.out ?? (existsSync(first) && statSync(first).isDirectory() ? first : path.dirname(first));
      if (options.format === 'html') {
        process.stdout.write(
          `wrote ${await writeHtmlReport(model, outDir)} (self-contained: open it in a browser, mail it, attach it to a PR)\n`,
        );
        return;
      }
      const written = await writeReportFiles(model, outDir, { mermaid: options.mermaid });
      const verdict =
        model.overview.passed === false
          ? paint.red('FAILED')
          : model.overview.passed === true
            ? paint.green('PASSED')
            : 'no thresholds';
      process.stdout.write(
        `${verdict} · ${model.notes.length} notes · wrote ${written.markdownPath}, ${written.jsonPath} and ${written.chartPaths.length} charts\n`,
      );
    });
}

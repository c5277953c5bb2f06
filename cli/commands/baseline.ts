// `loadctl baseline save <run-dir>`: record a run as the gate's baseline under reports/baselines/<name>/.
import { relative } from 'node:path';
import type { Command } from 'commander';
import { saveBaseline } from '../gate/baseline.ts';
import { paint } from '../shared/output.ts';
import { writeReport } from '../report/index.ts';

export function register(program: Command): void {
  const baseline = program.command('baseline').description('record runs as baselines for `loadctl gate`');
  baseline
    .command('save')
    .description("copy a run's report model, k6 summary and meta (no raw stream) to reports/baselines/<name>/")
    .argument('<run-dir>', 'a run directory written by `loadctl run`')
    .option('--name <name>', 'baseline name (default: <shape>-<workload> from the run)')
    .addHelpText(
      'after',
      `
Examples:
  loadctl baseline save reports/20261125-101500-smoke-concerts                 # → reports/baselines/smoke-concerts/
  loadctl baseline save reports/20261125-101500-smoke-concerts --name ci-smoke
Commit the directory; \`loadctl gate --baseline <name>\` compares against it.`,
    )
    .action(async (runDir: string, options: { name?: string }) => {
      const saved = await saveBaseline(runDir, options.name, async (dir) => {
        await writeReport(dir);
      });
      process.stdout.write(
        `${paint.green('saved')} baseline ${relative(process.cwd(), saved.dir) || saved.dir} (${saved.files.join(', ')})\n`,
      );
    });
}

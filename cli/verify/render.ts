// verify's human output: one table row per invariant with its counts, then the offending rows of each
// violated check, so the first thing on screen after a bad run is what broke and where.
import Table from 'cli-table3';
import { paint } from '../shared/output.ts';
import type { InvariantReport } from './report.ts';

export function renderInvariantReport(report: InvariantReport): string {
  const table = new Table({
    head: ['invariant', 'result', 'checked', 'violations', 'detail'],
    style: { head: [], border: [] },
  });
  for (const check of report.checks) {
    const result = check.status === 'ok' ? paint.green('ok') : paint.red('VIOLATED');
    table.push([
      check.title,
      result,
      check.checked.toLocaleString('en-US'),
      check.violations.toLocaleString('en-US'),
      check.detail ?? '',
    ]);
  }
  const lines = [
    `Data invariants at ${report.at} (an expired hold or queue admission counts as stale ${report.holdGraceSeconds} s after its expiry)`,
    table.toString(),
  ];
  for (const check of report.checks.filter((c) => c.status === 'violated')) {
    lines.push(
      paint.red(`${check.id}: ${check.violations} violation${check.violations === 1 ? '' : 's'}, e.g.`),
      ...check.examples.map((example) => `  - ${example}`),
    );
  }
  lines.push(
    report.ok
      ? paint.green(`All ${report.totals.checks} invariants hold.`)
      : paint.red(
          `${report.totals.violated} of ${report.totals.checks} invariants violated (${report.totals.violations} offending rows).`,
        ),
  );
  return lines.join('\n');
}

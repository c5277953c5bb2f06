// What `loadctl compare` and `loadctl gate` share before judging: one loader for both sides (a run directory
// is read from its richest source, so a directory and its report.json give the same model) and one check that
// the baseline measured the same thing (shape, workload, script).
import { UserError } from '../shared/errors.ts';
import { compareReports, DEFAULT_TOLERANCES, type Comparison, type Tolerances } from './compare.ts';
import { loadReportModel } from './index.ts';
import type { ReportModel } from './model.ts';

/** How the baseline differs in what it measured, one phrase each; empty when comparable. */
export function mismatches(current: ReportModel, baseline: ReportModel): string[] {
  const found: string[] = [];
  for (const field of ['shape', 'workload'] as const) {
    const [ours, theirs] = [current.context[field], baseline.context[field]];
    if (ours !== undefined && theirs !== undefined && ours !== theirs)
      found.push(`${field} ${theirs}, this run ${ours}`);
  }
  // The script is known by its scenarios; a summary may name only some of them, so a subset still matches.
  const [ours, theirs] = [
    new Set(current.scenarios.map((s) => s.name)),
    new Set(baseline.scenarios.map((s) => s.name)),
  ];
  const subset = (a: Set<string>, b: Set<string>) => [...a].every((name) => b.has(name));
  if (ours.size > 0 && theirs.size > 0 && !subset(ours, theirs) && !subset(theirs, ours)) {
    found.push(`scenarios ${[...theirs].join(', ')}, this run ${[...ours].join(', ')} (another script)`);
  }
  return found;
}

/** Refuses (exit 2) to judge a run against a baseline of another shape, workload or script, unless allowed. */
export function assertComparable(current: ReportModel, baseline: ReportModel, allowMismatch = false): void {
  const found = mismatches(current, baseline);
  if (found.length > 0 && !allowMismatch) {
    throw new UserError(
      `the baseline measured something else (${found.join('; ')}).`,
      'compare runs of the same shape, workload and script, or pass --allow-mismatch',
    );
  }
}

export interface CompareInputsOptions {
  tolerances?: Tolerances;
  allowMismatch?: boolean;
}

/** Both sides in any form `report` reads (run directory, report.json, k6 output) → models and their comparison. */
export async function compareInputs(
  currentPath: string,
  baselinePath: string,
  options: CompareInputsOptions = {},
): Promise<{ current: ReportModel; baseline: ReportModel; comparison: Comparison }> {
  const [current, baseline] = [await loadReportModel(currentPath), await loadReportModel(baselinePath)];
  assertComparable(current, baseline, options.allowMismatch);
  return { current, baseline, comparison: compareReports(current, baseline, options.tolerances ?? DEFAULT_TOLERANCES) };
}

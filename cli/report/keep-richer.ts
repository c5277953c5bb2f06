// Never destroy a report: `report` leaves baselines as they are and never replaces a report.json with a
// model that holds less (a summary rebuilt over a raw-stream report, endpoints 2 → 0, timeline 11 → 0).
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../shared/errors.ts';
import { BASELINES_DIR } from '../shared/paths.ts';
import { RunFiles } from '../shared/run-dir.ts';
import { ReportModel } from './model.ts';

/** k6 raw streams as `loadctl run` names them (raw.json.gz, raw.<i>.json.gz) and as users pass them. */
export const RAW_STREAM_FILE = /^raw(\.\d+)?\.json(\.gz)?$/;

/** What a model holds, as counts a rebuild must not lower. */
export function contentsOf(model: ReportModel): Record<string, number> {
  return {
    endpoints: model.endpoints.length,
    scenarios: model.scenarios.length,
    'timeline buckets': model.timeline.length,
    thresholds: model.thresholds.length,
    checks: model.checks.length,
    statuses: model.statuses.length,
  };
}

/** The counts `next` holds fewer of than `previous`, as "endpoints 2 → 0"; empty when nothing is lost. */
export function losses(previous: ReportModel, next: ReportModel): string[] {
  const [before, after] = [contentsOf(previous), contentsOf(next)];
  return Object.keys(before).flatMap((key) =>
    (after[key] ?? 0) < (before[key] ?? 0) ? [`${key} ${before[key]} → ${after[key]}`] : [],
  );
}

const isInside = (dir: string, parent: string) => {
  const relative = path.relative(parent, dir);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
};

/**
 * A baseline: anything under reports/baselines/, or a directory shaped like one (meta.json and report.json
 * without the raw stream), whose report.json is the richest record left of its run.
 */
export function isBaselineDir(dir: string): boolean {
  if (isInside(path.resolve(dir), BASELINES_DIR)) return true;
  if (!existsSync(path.join(dir, RunFiles.reportJson)) || !existsSync(path.join(dir, RunFiles.meta))) return false;
  return !readdirSync(dir).some((name) => RAW_STREAM_FILE.test(name));
}

/** Throws before anything is written into a baseline, or over a report.json that holds more than `model`. */
export async function assertSafeToWrite(outDir: string, model: ReportModel | undefined): Promise<void> {
  if (existsSync(outDir) && isBaselineDir(outDir)) {
    throw new UserError(
      `${outDir} is a baseline (its report.json is all that is left of the run): report leaves it unchanged.`,
      'write the report elsewhere with --out DIR',
    );
  }
  const existingFile = path.join(outDir, RunFiles.reportJson);
  if (!model || !existsSync(existingFile)) return;
  let existing: ReportModel;
  try {
    existing = ReportModel.parse(JSON.parse(await readFile(existingFile, 'utf8')));
  } catch {
    return; // not a report model: nothing a reader could lose
  }
  const lost = losses(existing, model);
  if (lost.length > 0) {
    throw new UserError(
      `${existingFile} holds more than the report built now (${lost.join(', ')}): nothing written.`,
      'write the report elsewhere with --out DIR',
    );
  }
}

// Baselines: a run's report model (report.json), k6 summary and meta, copied to reports/baselines/<name>/
// to be committed. The raw stream stays behind: the model already holds every number the gate compares.
import { existsSync, statSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { UserError } from '../shared/errors.ts';
import { RunFiles, RunMeta } from '../shared/run-dir.ts';
import { BASELINES_DIR } from '../shared/paths.ts';

/** What a baseline keeps of a run dir: the model, the human report and its charts, k6's summaries (one per segment), meta. */
export function baselineFiles(runDirEntries: readonly string[]): string[] {
  const kept: string[] = [RunFiles.reportJson, RunFiles.report, RunFiles.chartsDir, RunFiles.meta];
  return runDirEntries.filter((name) => kept.includes(name) || /^summary(\.\d+)?\.json$/.test(name));
}

const BASELINE_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export async function readRunMeta(runDir: string): Promise<RunMeta> {
  const file = join(runDir, RunFiles.meta);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UserError(
      `${runDir} is not a run directory (no ${RunFiles.meta}).`,
      'pass a directory written by `loadctl run`, e.g. reports/<run-id>',
    );
  }
  const parsed = RunMeta.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new UserError(
      `${file} is not a valid run meta file: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}.`,
    );
  return parsed.data;
}

/**
 * Copies the run's model into reports/baselines/<name>/, replacing an older baseline of that name.
 * `ensureReport` writes report.json first when the run has none yet (an interrupted `run`, an old run dir).
 */
export async function saveBaseline(
  runDir: string,
  name: string | undefined,
  ensureReport: (runDir: string) => Promise<void>,
  baselinesDir = BASELINES_DIR,
): Promise<{ dir: string; files: string[] }> {
  const meta = await readRunMeta(runDir);
  // a script's file name may have capitals; workload names have none
  const baselineName = name ?? `${meta.shape}-${meta.workload}`.toLowerCase();
  if (!BASELINE_NAME.test(baselineName)) {
    throw new UserError(
      `'${baselineName}' is not a usable baseline name.`,
      'use lowercase letters, digits, ".", "_" and "-", e.g. --name smoke-concerts',
    );
  }
  if (!existsSync(join(runDir, RunFiles.reportJson))) await ensureReport(runDir);
  const files = baselineFiles(await readdir(runDir));
  if (!files.includes(RunFiles.reportJson))
    throw new UserError(
      `${runDir} has no ${RunFiles.reportJson} to keep as the baseline.`,
      `run \`loadctl report ${runDir}\` first`,
    );
  const dir = join(baselinesDir, baselineName);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const file of files) await cp(join(runDir, file), join(dir, file), { recursive: true });
  return { dir, files };
}

/** A baseline argument: an existing directory with report.json, a report.json file, else a name under reports/baselines/. */
export async function resolveBaseline(nameOrDir: string, baselinesDir = BASELINES_DIR): Promise<string> {
  const asPath = isAbsolute(nameOrDir) ? nameOrDir : resolve(nameOrDir);
  if (existsSync(asPath) && statSync(asPath).isDirectory() && existsSync(join(asPath, RunFiles.reportJson)))
    return asPath;
  if (existsSync(asPath) && statSync(asPath).isFile()) return asPath;
  const named = join(baselinesDir, basename(nameOrDir));
  if (existsSync(join(named, RunFiles.reportJson))) return named;
  const known = existsSync(baselinesDir)
    ? (await readdir(baselinesDir)).filter((entry) => existsSync(join(baselinesDir, entry, RunFiles.reportJson)))
    : [];
  throw new UserError(
    `no baseline '${nameOrDir}': neither a directory with ${RunFiles.reportJson} nor a name under ${baselinesDir}.`,
    known.length > 0
      ? `use one of: ${known.join(', ')}`
      : 'record one with `loadctl baseline save <run-dir> --name <name>`',
  );
}

/**
 * A baseline belongs to the script its run ran (meta.json's `script`, copied with it): a run of another script,
 * or of a built-in workload, measured something else. An edited script is the same script, changed on purpose.
 */
export async function checkSameScript(runDir: string, baselineDir: string): Promise<void> {
  const [run, baseline] = await Promise.all([readRunMeta(runDir), readRunMeta(baselineDir)]);
  const name = (meta: RunMeta): string => meta.script?.file ?? `the '${meta.workload}' workload`;
  if ((run.script || baseline.script) && run.script?.file !== baseline.script?.file) {
    throw new UserError(
      `the baseline ${baselineDir} belongs to ${name(baseline)}, but ${runDir} ran ${name(run)}.`,
      'gate against a baseline saved from a run of the same script',
    );
  }
}

// The report engine's entry points: read a run directory or any supported file into a ReportModel, and
// write report.md, report.json and charts/*.svg. Everything is computed in memory first and then moved into
// place, so bad input never leaves a half-written report behind.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RunFiles, RunMeta } from '../shared/run-dir.ts';
import { buildModel } from './build.ts';
import { detectInput } from './inputs/detect.ts';
import { ReportInputError } from './inputs/input-error.ts';
import { aggregateRawFiles, type RawReadOptions } from './inputs/raw-stream.ts';
import type { Aggregate } from './aggregate.ts';
import { assertSafeToWrite, RAW_STREAM_FILE } from './keep-richer.ts';
import type { NormalizedSummary } from './inputs/summary.ts';
import type { ReportModel } from './model.ts';
import { chartSpecs, renderSvg } from './render/charts.ts';
import { renderHtml } from './render/html.ts';
import { renderMarkdown } from './render/markdown.ts';
import { parseServerMetrics, serverSignals } from './server-signals.ts';

export type { ReportModel } from './model.ts';
export { compareReports, renderComparisonMarkdown, parseTolerances, DEFAULT_TOLERANCES } from './compare.ts';
export type { Comparison, Tolerances } from './compare.ts';

export interface LoadOptions extends RawReadOptions {
  title?: string;
}

async function readMeta(runDir: string): Promise<RunMeta | undefined> {
  const file = path.join(runDir, RunFiles.meta);
  if (!existsSync(file)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    throw new ReportInputError(file, undefined, 'not valid JSON; expected the run metadata loadctl run writes');
  }
  const parsed = RunMeta.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ReportInputError(
      file,
      `field ${issue?.path.join('.') || '(root)'}`,
      issue?.message ?? 'expected RunMeta',
    );
  }
  return parsed.data;
}

async function rawFilesOf(runDir: string, meta: RunMeta | undefined): Promise<string[]> {
  const listed = (meta?.rawFiles ?? []).map((f) => path.join(runDir, f)).filter((f) => existsSync(f));
  if (listed.length > 0) return listed;
  const names = await readdir(runDir);
  return names
    .filter((n) => RAW_STREAM_FILE.test(n))
    .sort()
    .map((n) => path.join(runDir, n));
}

/** The run's report.json as written earlier, when it is one (a baseline keeps nothing richer). */
async function storedModel(runDir: string): Promise<ReportModel | undefined> {
  const file = path.join(runDir, RunFiles.reportJson);
  if (!existsSync(file)) return undefined;
  const detected = await detectInput(file);
  return detected.format === 'report-json' ? detected.model : undefined;
}

/** A run directory from its richest source: raw streams, else the report.json written from them, else the summary. */
async function loadRunDir(runDir: string, options: LoadOptions): Promise<ReportModel> {
  const meta = await readMeta(runDir);
  const rawFiles = await rawFilesOf(runDir, meta);
  if (rawFiles.length === 0) {
    const stored = await storedModel(runDir);
    if (stored) return options.title ? { ...stored, title: options.title } : stored;
  }
  const summaryFile = path.join(runDir, RunFiles.summary);
  let summary: NormalizedSummary | undefined;
  if (existsSync(summaryFile)) {
    const detected = await detectInput(summaryFile);
    if (detected.format === 'summary') summary = detected.summary;
  }
  if (rawFiles.length === 0 && !summary)
    throw new ReportInputError(
      runDir,
      undefined,
      `no ${RunFiles.raw} or ${RunFiles.summary}; expected a loadctl run directory`,
    );
  let aggregate: Aggregate | undefined;
  try {
    aggregate = rawFiles.length > 0 ? await aggregateRawFiles(rawFiles, options) : undefined;
  } catch (error) {
    // A run that ended before its first sample (setup() threw, k6 aborted) still has k6's own summary: report that.
    if (!(error instanceof ReportInputError) || !summary) throw error;
    summary = {
      ...summary,
      notes: [
        ...(summary.notes ?? []),
        `the raw stream could not be used (${error.message}), so every figure is k6's summary's`,
      ],
    };
  }
  const serverFile = path.join(runDir, RunFiles.serverMetrics);
  const server = existsSync(serverFile)
    ? serverSignals(
        parseServerMetrics(await readFile(serverFile, 'utf8'), serverFile),
        aggregate && Number.isFinite(aggregate.firstMs) ? aggregate.firstMs : undefined,
      )
    : [];
  const files = [...(aggregate ? rawFiles : []), ...(summary ? [summaryFile] : [])];
  return buildModel({ title: options.title, files, aggregate, summary, meta, server });
}

/**
 * A run directory, a raw stream (several raw streams merge), a k6 summary JSON in any shape, a k6 text
 * summary, or a report.json written earlier → ReportModel.
 */
export async function loadReportModel(pathOrDir: string | string[], options: LoadOptions = {}): Promise<ReportModel> {
  const inputs = Array.isArray(pathOrDir) ? pathOrDir : [pathOrDir];
  const first = inputs[0];
  if (!first) throw new ReportInputError('(no input)', undefined, 'expected a run directory or a k6 output file');
  if (inputs.length === 1 && existsSync(first) && (await stat(first)).isDirectory()) return loadRunDir(first, options);
  const detected = await Promise.all(inputs.map(async (file) => ({ file, input: await detectInput(file) })));
  const raw = detected.filter((d) => d.input.format === 'raw-stream').map((d) => d.file);
  const summaries = detected.flatMap((d) => (d.input.format === 'summary' ? [d.input.summary] : []));
  const reportJson = detected.find((d) => d.input.format === 'report-json');
  if (reportJson && reportJson.input.format === 'report-json' && inputs.length === 1) return reportJson.input.model;
  if (summaries.length > 1 || reportJson)
    throw new ReportInputError(
      inputs.join(', '),
      undefined,
      'expected one summary (optionally with raw streams), or raw streams only',
    );
  const aggregate = raw.length > 0 ? await aggregateRawFiles(raw, options) : undefined;
  return buildModel({ title: options.title, files: inputs, aggregate, summary: summaries[0] });
}

export interface WriteOptions extends LoadOptions {
  /** where report.md, report.json and charts/ go; default the run directory (or the input file's directory) */
  outDir?: string;
  mermaid?: boolean;
}

/**
 * Writes report.md, report.json and charts/*.svg for a model. Refuses a baseline directory and a report.json
 * that holds more than this model; the charts directory is replaced whole, so no chart of an earlier build stays.
 */
export async function writeReportFiles(
  model: ReportModel,
  outDir: string,
  options: { mermaid?: boolean } = {},
): Promise<{ markdownPath: string; jsonPath: string; chartPaths: string[] }> {
  await assertSafeToWrite(outDir, model);
  const charts = await Promise.all(chartSpecs(model).map(async (chart) => ({ chart, svg: await renderSvg(chart) })));
  const chartFiles = charts.map(({ chart }) => ({ title: chart.title, path: `${RunFiles.chartsDir}/${chart.id}.svg` }));
  const markdown = renderMarkdown(model, { chartFiles, mermaid: options.mermaid });
  await mkdir(outDir, { recursive: true });
  const staging = await mkdtemp(path.join(outDir, '.report-'));
  try {
    await mkdir(path.join(staging, RunFiles.chartsDir));
    await Promise.all([
      writeFile(path.join(staging, RunFiles.report), markdown),
      writeFile(path.join(staging, RunFiles.reportJson), `${JSON.stringify(model, null, 2)}\n`),
      ...charts.map(({ chart, svg }) => writeFile(path.join(staging, RunFiles.chartsDir, `${chart.id}.svg`), svg)),
    ]);
    const chartsDir = path.join(outDir, RunFiles.chartsDir);
    if (existsSync(chartsDir)) await rename(chartsDir, path.join(staging, 'previous-charts'));
    await rename(path.join(staging, RunFiles.chartsDir), chartsDir);
    for (const relative of [RunFiles.report, RunFiles.reportJson])
      await rename(path.join(staging, relative), path.join(outDir, relative));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return {
    markdownPath: path.join(outDir, RunFiles.report),
    jsonPath: path.join(outDir, RunFiles.reportJson),
    chartPaths: chartFiles.map((c) => path.join(outDir, c.path)),
  };
}

/** The HTML report's file name beside report.md. */
export const HTML_REPORT_FILE = 'report.html';

/** Writes the self-contained report.html for a model (the same guard as the markdown: never into a baseline). */
export async function writeHtmlReport(model: ReportModel, outDir: string): Promise<string> {
  await assertSafeToWrite(outDir, undefined);
  await mkdir(outDir, { recursive: true });
  const file = path.join(outDir, HTML_REPORT_FILE);
  const staging = await mkdtemp(path.join(outDir, '.report-'));
  try {
    await writeFile(path.join(staging, HTML_REPORT_FILE), renderHtml(model));
    await rename(path.join(staging, HTML_REPORT_FILE), file);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return file;
}

/** Builds the report of a run directory (or a file) and writes it beside it, or into opts.outDir. */
export async function writeReport(
  runDir: string,
  options: WriteOptions = {},
): Promise<{ markdownPath: string; jsonPath: string; model: ReportModel }> {
  const model = await loadReportModel(runDir, options);
  const isDir = existsSync(runDir) && (await stat(runDir)).isDirectory();
  const outDir = options.outDir ?? (isDir ? runDir : path.dirname(runDir));
  const { markdownPath, jsonPath } = await writeReportFiles(model, outDir, options);
  return { markdownPath, jsonPath, model };
}

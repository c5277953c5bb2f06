// `loadctl gate` without the terminal: get the run(s) (given, or made now with `loadctl run`), load their
// report models and the baseline's, let the report engine compare them, judge each endpoint × metric by the
// checked-in tolerances, and write JUnit / summary / PR comment.
import { existsSync, statSync } from 'node:fs';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { UserError } from '../shared/errors.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import { OVERALL, type ComparedMetric } from '../report/compare.ts';
import { assertComparable } from '../report/compare-inputs.ts';
import { compareReports, loadReportModel, type Comparison, type Tolerances } from '../report/index.ts';
import type { ReportModel } from '../report/model.ts';
import { describeK6Exit, K6_EXIT } from '../k6/exit-codes.ts';
import { subjectLabels, type RunSubject } from '../k6/subject.ts';
import { executeRun } from '../run/run.ts';
import type { RunSettings } from '../run/request.ts';
import { checkSameScript, resolveBaseline } from './baseline.ts';
import { medianReport } from './median.ts';
import { renderJunit, renderPrComment, renderSummary } from './render.ts';
import { GATED_METRICS, loadGateConfig, rulesFor, type GateConfig, type GatedMetric } from './tolerances.ts';
import { decideOutcome, judge, type GateOutcome, type MetricSample, type MetricVerdict } from './verdicts.ts';

export interface GateRequest {
  /** finished run directories; several are judged by their per-metric median */
  runDirs: string[];
  /** or: make the runs now */
  run?: RunsToMake;
  /** a baseline directory, its report.json, or a name under reports/baselines/ */
  baseline: string;
  /** judge against a baseline of another shape, workload or script anyway */
  allowMismatch?: boolean;
  configFile?: string;
  junitFile?: string;
  summaryFile?: string;
  prCommentFile?: string;
  /** $GITHUB_STEP_SUMMARY; the summary is appended to it */
  stepSummaryFile?: string;
  onInfo?: (line: string) => void;
}

export type RunsToMake = Omit<RunSettings, 'segments'> & { subject: RunSubject; repeat?: number };

export interface GateResult extends GateOutcome {
  runDirs: string[];
  baselineDir: string;
  configFile?: string;
  written: string[];
}

const COMPARED: Record<GatedMetric, ComparedMetric> = {
  p95: 'p95',
  p99: 'p99',
  errorRate: 'error_rate',
  throughput: 'rps',
};

/**
 * The report engine's comparison (pairs of values per endpoint and metric), judged by the same rule with the
 * gate's per-endpoint tolerances and its minimum sample size.
 */
export function judgeComparison(
  comparison: Comparison,
  current: ReportModel,
  baseline: ReportModel,
  config: GateConfig,
): MetricVerdict[] {
  const requestsOf = (model: ReportModel, subject: string) =>
    (subject === OVERALL ? model.overview : model.endpoints.find((e) => e.name === subject))?.requests;
  const subjects = [...new Set(comparison.deltas.map((delta) => delta.subject))];
  const verdicts = subjects.flatMap((subject) => {
    const rules = rulesFor(config, subject === OVERALL ? undefined : subject);
    const counts = [requestsOf(current, subject), requestsOf(baseline, subject)].filter(
      (n): n is number => n !== undefined,
    );
    return GATED_METRICS.map((metric) => {
      const delta = comparison.deltas.find((d) => d.subject === subject && d.metric === COMPARED[metric]);
      const sample: MetricSample = {
        endpoint: subject,
        metric,
        baseline: delta?.baseline,
        current: delta?.current,
        requests: counts.length > 0 ? Math.min(...counts) : undefined,
      };
      return judge(sample, rules, config.minRequests, config.skip);
    });
  });
  // An endpoint on one side only is worth a line, not a failure: workloads change.
  const oneSided = (subjects: string[], explanation: string) =>
    subjects.map((endpoint): MetricVerdict => ({ endpoint, metric: 'throughput', status: 'not-gated', explanation }));
  return [
    ...verdicts,
    ...oneSided(comparison.onlyInBaseline, 'in the baseline but not in this run.'),
    ...oneSided(comparison.onlyInCurrent, 'new in this run: the baseline has no figures for it.'),
  ];
}

/** The comparison's own tolerances, from the gate config's defaults (for anyone rendering it). */
function comparisonTolerances(config: GateConfig): Tolerances {
  const rules = rulesFor(config, undefined);
  return {
    latencyPct: rules.p95.relativePct,
    latencyMinMs: rules.p95.absolute,
    errorRatePts: rules.errorRate.absolutePp,
    throughputPct: rules.throughput.relativePct,
    throughputMinRps: rules.throughput.absolute,
  };
}

async function makeRuns(
  request: Omit<RunsToMake, 'repeat'>,
  repeat: number,
  info: (line: string) => void,
): Promise<string[]> {
  const runDirs: string[] = [];
  const { shape, workload } = subjectLabels(request.subject);
  for (let index = 1; index <= repeat; index++) {
    info(`run ${index} of ${repeat}: ${shape} / ${workload}`);
    const outcome = await executeRun({ ...request, segments: 1, onInfo: info });
    if (outcome.exitCode !== ExitCode.ok && outcome.exitCode !== ExitCode.thresholdsFailed) {
      throw new UserError(
        `run ${index} of ${repeat} did not complete (exit ${outcome.exitCode}).`,
        `see ${outcome.runDir}`,
        outcome.exitCode,
      );
    }
    runDirs.push(outcome.runDir);
  }
  return runDirs;
}

/** Relative to the working directory when inside it (reports/…), else absolute. */
function displayPath(path: string): string {
  const near = relative(process.cwd(), path);
  return near === '' || near.startsWith('..') ? path : near;
}

async function writeOutput(file: string, text: string, written: string[]): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text);
  written.push(file);
}

const isDirectory = (path: string): boolean => existsSync(path) && statSync(path).isDirectory();

export async function runGate(request: GateRequest): Promise<GateResult> {
  const info = request.onInfo ?? (() => undefined);
  const { config, file: configFile } = await loadGateConfig(request.configFile);
  const baselineDir = await resolveBaseline(request.baseline);
  if (request.runDirs.length === 0 && !request.run) {
    throw new UserError(
      'nothing to gate: give --run <dir>, --shape <shape> or --script <file>.',
      'see loadctl gate --help',
    );
  }
  let runDirs = request.runDirs;
  if (request.run) {
    const { repeat, ...run } = request.run;
    runDirs = await makeRuns(run, repeat ?? config.repeat, info);
  }

  // A baseline belongs to the script its run ran (meta.json); report.json files alone carry no script to compare.
  if (!request.allowMismatch && isDirectory(baselineDir)) {
    for (const runDir of runDirs.filter(isDirectory)) await checkSameScript(runDir, baselineDir);
  }
  // The report engine's one loader reads each side from its richest source: a baseline's report.json, a run's raw streams.
  const baseline = await loadReportModel(baselineDir);
  const models = await Promise.all(runDirs.map((dir) => loadReportModel(dir)));
  // A run k6 did not complete (script exception, aborted …) measured nothing worth comparing: say so
  // instead of gating its partial numbers as if they were a verdict on the API.
  models.forEach((model, index) => {
    const code = model.context.k6ExitCode;
    if (code !== undefined && code !== K6_EXIT.ok && code !== K6_EXIT.thresholdsFailed && !model.context.stoppedEarly) {
      throw new UserError(
        `run ${displayPath(runDirs[index]!)} did not complete: k6 exited with ${code} (${describeK6Exit(code)}).`,
        `see its k6.log`,
        ExitCode.environment,
      );
    }
  });
  const current = medianReport(models);
  assertComparable(current, baseline, request.allowMismatch);
  const verdicts = judgeComparison(
    compareReports(current, baseline, comparisonTolerances(config)),
    current,
    baseline,
    config,
  );
  const label =
    runDirs.length === 1
      ? displayPath(runDirs[0]!)
      : `${current.context.shape ?? '?'}/${current.context.workload ?? '?'}`;
  const outcome = decideOutcome(verdicts, current.thresholds, {
    current: label,
    baseline: displayPath(baselineDir),
    runs: runDirs.length,
  });

  const written: string[] = [];
  const summary = renderSummary(outcome);
  if (request.junitFile) await writeOutput(request.junitFile, renderJunit(outcome), written);
  if (request.summaryFile) await writeOutput(request.summaryFile, summary, written);
  if (request.prCommentFile) await writeOutput(request.prCommentFile, renderPrComment(outcome), written);
  if (request.stepSummaryFile) {
    await appendFile(request.stepSummaryFile, `${summary}\n`);
    written.push(request.stepSummaryFile);
  }
  return { ...outcome, runDirs, baselineDir, configFile, written };
}

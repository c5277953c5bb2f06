// Assembles a ReportModel from what was read: a raw-stream aggregate (the source of truth for numbers), an
// optional summary (threshold verdicts), the run's meta.json and server signals. Pure.
import type { RunMeta } from '../shared/run-dir.ts';
import type { Aggregate } from './aggregate.ts';
import { analyse } from './analysis.ts';
import { numbersFromSummary } from './from-summary.ts';
import type { NormalizedSummary } from './inputs/summary.ts';
import type { InputFormat, Note, ReportModel, RunContext, ServerSignal, ThresholdResult } from './model.ts';
import { evaluateDeclaredThresholds } from './thresholds.ts';
import { formatCount } from './units.ts';

export interface BuildInput {
  title?: string;
  files: string[];
  aggregate?: Aggregate;
  summary?: NormalizedSummary;
  meta?: RunMeta;
  server?: ServerSignal[];
}

function contextFrom(meta: RunMeta | undefined, startMs: number | undefined): RunContext {
  if (!meta) return { phases: [], events: [] };
  const origin = startMs ?? Date.parse(meta.startedAt);
  return {
    runId: meta.runId,
    shape: meta.shape,
    workload: meta.workload,
    target: meta.target,
    k6Version: meta.k6Version,
    k6ExitCode: meta.k6ExitCode,
    segments: meta.segments,
    stoppedEarly: meta.stoppedEarly,
    loadGenerator: meta.loadGenerator ? { ...meta.loadGenerator, cpus: meta.machine.cpus } : undefined,
    startedAt: meta.startedAt,
    phases: meta.phases,
    events: meta.events.map((event) => ({
      ...event,
      offsetS: Number.isFinite(origin) ? (Date.parse(event.at) - origin) / 1000 : undefined,
    })),
  };
}

/**
 * What rates of a raw stream are divided by: k6 divides counts by the whole test run (the summary's
 * testRunDurationMs); without a summary, loadctl's record of the run; else the samples' own span, said in a note.
 */
function rateBasis(
  aggregate: Aggregate,
  summary: NormalizedSummary | undefined,
  meta: RunMeta | undefined,
): { durationS: number; note?: Note } {
  if (summary?.durationS) return { durationS: summary.durationS };
  const metaS = meta?.endedAt ? (Date.parse(meta.endedAt) - Date.parse(meta.startedAt)) / 1000 : Number.NaN;
  if (metaS > 0) return { durationS: metaS };
  const durationS = aggregate.durationS;
  return {
    durationS,
    note: {
      id: 'method',
      severity: 'info',
      value: durationS,
      text: `Rates are counts over the ${durationS.toFixed(2)} s from the first to the last sample: the raw stream does not carry k6's test run duration, which also counts start-up and the graceful stop, so k6's own rates of this run are slightly lower.`,
    },
  };
}

/** What the readers could not read, and how figures k6 did not print were obtained. */
function inputNotes(aggregate: Aggregate | undefined, summary: NormalizedSummary | undefined): Note[] {
  const notes: Note[] = (summary?.notes ?? []).map((text) => ({
    id: 'input',
    severity: 'warning',
    value: 1,
    text: `${summary?.file}: ${text}.`,
  }));
  if (aggregate && aggregate.unreadable.lines > 0) {
    const { lines, first } = aggregate.unreadable;
    notes.push({
      id: 'input',
      severity: 'warning',
      value: lines,
      text: `${formatCount(lines)} line${lines === 1 ? ' was' : 's were'} not k6 output and left out (first, ${first}); the figures cover the rest.`,
    });
  }
  if (aggregate?.truncated)
    notes.push({
      id: 'input',
      severity: 'warning',
      value: 1,
      text: `The raw stream ends early (${aggregate.truncated}): the figures cover only the samples before that point.`,
    });
  return notes;
}

/** Thresholds from k6's summary when there is one; else re-evaluated on the raw stream's aggregate. */
function rawThresholds(
  aggregate: Aggregate,
  durationS: number,
): { thresholds: ThresholdResult[]; notes: Note[]; complete: boolean } {
  const { results, unjudged } = evaluateDeclaredThresholds(aggregate, durationS);
  const notes: Note[] = [];
  if (results.length > 0) {
    notes.push({
      id: 'method',
      severity: 'info',
      value: results.length,
      text: `The ${results.length} threshold verdicts were re-evaluated by loadctl on the aggregated raw stream, the way k6 judges them: the stream carries the expressions, not k6's verdicts.`,
    });
  }
  const hidden = [...aggregate.declaredSubmetrics].filter((name) => !aggregate.declaredThresholds.has(name)).sort();
  if (hidden.length > 0) {
    notes.push({
      id: 'method',
      severity: 'warning',
      value: hidden.length,
      text: `The raw stream lists sub-metrics made for thresholds but not their expressions, so their verdicts are k6's alone (give its summary too): ${hidden.map((name) => `\`${name}\``).join(', ')}.`,
    });
  }
  if (unjudged.length > 0) {
    notes.push({
      id: 'method',
      severity: 'warning',
      value: unjudged.length,
      text: `Thresholds the raw stream declares but loadctl cannot re-evaluate from what it aggregates (a tag or metric it does not keep): ${unjudged.join(', ')}.`,
    });
  }
  return { thresholds: results, notes, complete: hidden.length === 0 && unjudged.length === 0 };
}

export function buildModel(input: BuildInput): ReportModel {
  const { aggregate, summary, meta } = input;
  const fromSummary = summary ? numbersFromSummary(summary) : undefined;
  let thresholds: ThresholdResult[] = fromSummary?.thresholds ?? [];
  const given = inputNotes(aggregate, summary);
  const format: InputFormat = aggregate ? 'raw-stream' : (summary?.format ?? 'raw-stream');
  const startMs = aggregate && Number.isFinite(aggregate.firstMs) ? aggregate.firstMs : undefined;
  let passed = fromSummary?.overview.passed;
  const basis = aggregate ? rateBasis(aggregate, summary, meta) : undefined;
  if (basis?.note) given.push(basis.note);
  if (
    aggregate &&
    basis &&
    thresholds.length === 0 &&
    (aggregate.declaredThresholds.size > 0 || aggregate.declaredSubmetrics.size > 0)
  ) {
    const judged = rawThresholds(aggregate, basis.durationS);
    thresholds = judged.thresholds;
    given.push(...judged.notes);
    // a verdict loadctl could not re-evaluate may have failed: only a failure is certain then
    passed = thresholds.some((t) => !t.ok) ? false : judged.complete && thresholds.length > 0 ? true : undefined;
  }
  const durationS = basis?.durationS;
  const base = aggregate
    ? {
        overview: { ...aggregate.overview(durationS), passed },
        endpoints: aggregate.endpointStats(durationS),
        scenarios: aggregate.scenarioStats(durationS),
        statuses: aggregate.statusStats(),
        checks: aggregate.checkResults(),
        timeline: aggregate.timeline(),
        ...aggregate.protocolSections(durationS),
        customMetrics: aggregate.custom.model(durationS ?? 0),
        endpointTimeline: aggregate.endpointTimeline(),
        latencyDistribution: aggregate.latencyDistribution(),
      }
    : {
        overview: fromSummary?.overview ?? { statuses: [] },
        endpoints: fromSummary?.endpoints ?? [],
        scenarios: fromSummary?.scenarios ?? [],
        statuses: [],
        checks: summary?.checks ?? [],
        timeline: [],
        webVitals: fromSummary?.webVitals,
        websocketTotals: fromSummary?.websocketTotals,
        customMetrics: fromSummary?.customMetrics,
      };
  // a load that loadctl itself stopped on purpose (a drill's) is not a failed run
  if (meta?.k6ExitCode !== undefined && meta.k6ExitCode !== 0 && !meta.stoppedEarly) base.overview.passed = false;
  const withoutNotes = {
    schema: 'loadctl.report/v1' as const,
    title: input.title ?? (meta ? `${meta.shape} · ${meta.workload} — ${meta.runId}` : 'k6 load test report'),
    source: { format, files: input.files },
    context: contextFrom(meta, startMs),
    ...base,
    thresholds,
    server: input.server ?? [],
  };
  return { ...withoutNotes, notes: analyse(withoutNotes, given) };
}

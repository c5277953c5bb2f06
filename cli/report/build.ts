// Assembles a ReportModel from what was read: a raw-stream aggregate (the source of truth for numbers), an
// optional summary (threshold verdicts), the run's meta.json and server signals. Pure.
import type { RunMeta } from '../shared/run-dir.ts';
import type { Aggregate } from './aggregate.ts';
import { analyse } from './analysis.ts';
import { numbersFromSummary } from './from-summary.ts';
import type { NormalizedSummary } from './inputs/summary.ts';
import type { InputFormat, ReportModel, RunContext, ServerSignal, ThresholdResult } from './model.ts';

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
    startedAt: meta.startedAt,
    phases: meta.phases,
    events: meta.events.map((event) => ({ ...event, offsetS: Number.isFinite(origin) ? (Date.parse(event.at) - origin) / 1000 : undefined })),
  };
}

export function buildModel(input: BuildInput): ReportModel {
  const { aggregate, summary, meta } = input;
  const fromSummary = summary ? numbersFromSummary(summary) : undefined;
  const thresholds: ThresholdResult[] = fromSummary?.thresholds ?? [];
  const format: InputFormat = aggregate ? 'raw-stream' : (summary?.format ?? 'raw-stream');
  const startMs = aggregate && Number.isFinite(aggregate.firstMs) ? aggregate.firstMs : undefined;
  const base = aggregate
    ? {
        overview: { ...aggregate.overview(), passed: fromSummary?.overview.passed },
        endpoints: aggregate.endpointStats(),
        scenarios: aggregate.scenarioStats(),
        statuses: aggregate.statusStats(),
        checks: aggregate.checkResults(),
        timeline: aggregate.timeline(),
        ...aggregate.protocolSections(),
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
  return { ...withoutNotes, notes: analyse(withoutNotes) };
}

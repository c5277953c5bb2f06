// Pure: N report models of the same shape → one model holding, per endpoint and overall, the median of each
// gated metric over the runs. This is the gate's "repeat" noise rule: one disturbed run moves a median of
// three by nothing, a real regression moves every run.
import type { LatencyStats, ReportModel, ThresholdResult, TrafficStats } from '../report/model.ts';

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const defined = <T>(values: (T | undefined)[]): T[] => values.filter((value): value is T => value !== undefined);

function medianOf(runs: TrafficStats[], pick: (stats: TrafficStats) => number | undefined): number | undefined {
  return median(defined(runs.map(pick)));
}

/** The gated fields (p95, p99, error rate, rps, requests) replaced by their medians; the rest from the first run. */
function medianTraffic<T extends TrafficStats>(template: T, runs: TrafficStats[]): T {
  const latency: LatencyStats | undefined = template.latency && {
    ...template.latency,
    p95: medianOf(runs, (stats) => stats.latency?.p95) ?? template.latency.p95,
    p99: medianOf(runs, (stats) => stats.latency?.p99),
  };
  return {
    ...template,
    requests: medianOf(runs, (stats) => stats.requests),
    rps: medianOf(runs, (stats) => stats.rps),
    errorRate: medianOf(runs, (stats) => stats.errorRate),
    latency,
  };
}

/** A threshold fails the median run when it failed in more than half of the runs. */
function majorityThresholds(models: readonly ReportModel[]): ThresholdResult[] {
  const first = models[0]!;
  return first.thresholds.map((threshold) => {
    const failures = models.filter((model) =>
      model.thresholds.some((t) => t.metric === threshold.metric && t.expression === threshold.expression && !t.ok),
    ).length;
    return { ...threshold, ok: failures * 2 <= models.length };
  });
}

export function medianReport(models: readonly ReportModel[]): ReportModel {
  const first = models[0];
  if (!first) throw new Error('medianReport needs at least one report');
  if (models.length === 1) return first;
  const endpoints = first.endpoints.map((endpoint) =>
    medianTraffic(
      endpoint,
      defined(models.map((model) => model.endpoints.find((other) => other.name === endpoint.name))),
    ),
  );
  return {
    ...first,
    title: `${first.title} (median of ${models.length} runs)`,
    source: { format: first.source.format, files: models.flatMap((model) => model.source.files) },
    overview: {
      ...medianTraffic(
        first.overview,
        models.map((model) => model.overview),
      ),
      passed: majorityThresholds(models).every((t) => t.ok),
    },
    endpoints,
    thresholds: majorityThresholds(models),
  };
}

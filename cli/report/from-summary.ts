// Builds the report's numbers from a k6 summary (any of its formats, already normalized). Per-endpoint and
// per-scenario rows exist only where the script defined sub-metrics (`http_req_duration{name:…}`), which is
// all a summary carries; the raw stream has them all.
import { isBuiltinMetric } from './custom-metrics.ts';
import type {
  CustomMetric,
  EndpointStats,
  LatencyStats,
  Overview,
  ScenarioStats,
  ThresholdResult,
  TrafficStats,
} from './model.ts';
import { canonicalStatKey, splitMetricName, type NormalizedSummary, type SummaryMetric } from './inputs/summary.ts';
import { formatObserved, kindOf, thresholdStat } from './thresholds.ts';
import { protocolsFromSummary } from './protocols/from-summary.ts';

export interface SummaryNumbers extends ReturnType<typeof protocolsFromSummary> {
  overview: Overview;
  endpoints: EndpointStats[];
  scenarios: ScenarioStats[];
  thresholds: ThresholdResult[];
  customMetrics: CustomMetric[];
}

function latency(metric: SummaryMetric | undefined): LatencyStats | undefined {
  const v = metric?.values;
  if (!v || v.avg === undefined || v.med === undefined) return undefined;
  return {
    avg: v.avg,
    min: v.min ?? Number.NaN,
    med: v.med,
    p90: v.p90 ?? Number.NaN,
    p95: v.p95 ?? Number.NaN,
    p99: v.p99,
    max: v.max ?? Number.NaN,
  };
}

function counterRate(metric: SummaryMetric | undefined, durationS: number | undefined): number | undefined {
  if (!metric) return undefined;
  if (metric.values.rate !== undefined) return metric.values.rate;
  return durationS && metric.values.count !== undefined ? metric.values.count / durationS : undefined;
}

function traffic(summary: NormalizedSummary, suffix: string, durationS: number | undefined): TrafficStats {
  const requests = summary.metrics.get(`http_reqs${suffix}`);
  const failed = summary.metrics.get(`http_req_failed${suffix}`);
  const browserFailed = summary.metrics.get(`browser_http_req_failed${suffix}`);
  // a browser run: Chromium's page requests, counted by their failed-rate's samples (a trend has no count)
  if (!requests && browserFailed) {
    const count = (browserFailed.values.nonZero ?? 0) + (browserFailed.values.zero ?? 0);
    return {
      requests: count,
      rps: durationS ? count / durationS : undefined,
      failed: browserFailed.values.nonZero,
      errorRate: browserFailed.values.rate,
      latency: latency(summary.metrics.get(`browser_http_req_duration${suffix}`)),
      statuses: [],
    };
  }
  return {
    requests: requests?.values.count,
    rps: counterRate(requests, durationS),
    failed: failed?.values.nonZero,
    errorRate: failed?.values.rate,
    latency: latency(summary.metrics.get(`http_req_duration${suffix}`)),
    statuses: [],
  };
}

export function numbersFromSummary(summary: NormalizedSummary): SummaryNumbers {
  const m = summary.metrics;
  const durationS = summary.durationS ?? derivedDuration(summary);
  const checksMetric = m.get('checks') ?? m.get('checks_succeeded');
  const thresholds: ThresholdResult[] = [];
  for (const [metric, entry] of m)
    for (const t of entry.thresholds)
      thresholds.push({
        metric,
        judgedBy: 'k6',
        ...t,
        observed: t.observed ?? observedIn(metric, entry, t.expression),
      });
  const overview: Overview = {
    ...traffic(summary, '', durationS),
    passed: thresholds.length === 0 ? undefined : thresholds.every((t) => t.ok),
    durationS,
    iterations: m.get('iterations')?.values.count,
    iterationRate: counterRate(m.get('iterations'), durationS),
    droppedIterations: m.get('dropped_iterations')?.values.count ?? 0,
    iterationDuration: latency(m.get('iteration_duration')),
    vusMax: m.get('vus_max')?.values.max ?? m.get('vus_max')?.values.value ?? m.get('vus')?.values.max,
    dataReceivedBytes: m.get('data_received')?.values.count,
    dataSentBytes: m.get('data_sent')?.values.count,
    checks: checksMetric
      ? { passes: checksMetric.values.nonZero ?? 0, fails: checksMetric.values.zero ?? 0 }
      : undefined,
  };
  const tagged = (tag: string) =>
    [
      ...new Set(
        [...m.keys()]
          .map(splitMetricName)
          .filter((n) => n.tags[tag] !== undefined && Object.keys(n.tags).length === 1)
          .map((n) => n.tags[tag] ?? ''),
      ),
    ].sort();
  const endpoints = tagged('name').map((name) => ({ name, ...traffic(summary, `{name:${name}}`, durationS) }));
  const scenarios = tagged('scenario').map((name) => ({ name, ...traffic(summary, `{scenario:${name}}`, durationS) }));
  return {
    overview,
    endpoints,
    scenarios,
    thresholds,
    customMetrics: customMetrics(summary),
    ...protocolsFromSummary(summary, (name) => latency(m.get(name))),
  };
}

/** The value a threshold judged, from the summary's own figures (k6's full precision). */
function observedIn(metric: string, entry: SummaryMetric, expression: string): string | undefined {
  const stat = thresholdStat(expression);
  const value = stat === undefined ? undefined : entry.values[canonicalStatKey(stat)];
  return stat === undefined || value === undefined
    ? undefined
    : formatObserved(stat, value, kindOf(splitMetricName(metric).base, entry.type, entry.contains));
}

/** Every metric the report has no section for (a script's own Trend, Counter, Rate, Gauge and their sub-metrics). */
function customMetrics(summary: NormalizedSummary): CustomMetric[] {
  return [...summary.metrics]
    .filter(([name, metric]) => !isBuiltinMetric(splitMetricName(name).base) && Object.keys(metric.values).length > 0)
    .map(([name, metric]) => ({ name, type: metric.type, contains: metric.contains, values: metric.values }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

function derivedDuration(summary: NormalizedSummary): number | undefined {
  for (const name of ['http_reqs', 'iterations']) {
    const values = summary.metrics.get(name)?.values;
    if (values?.count && values.rate) return values.count / values.rate;
  }
  return undefined;
}

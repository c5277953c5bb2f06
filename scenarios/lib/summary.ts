// handleSummary for every workload: k6's summary data as JSON to $SUMMARY_FILE (the run directory's
// summary.json) plus a few lines on stdout, since defining handleSummary turns k6's own text summary off.
interface SummaryMetric {
  type: string;
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}
interface SummaryData {
  metrics: Record<string, SummaryMetric | undefined>;
  state?: { testRunDurationMs?: number };
}

const fixed = (value: number | undefined, digits = 2): string => (value === undefined ? '-' : value.toFixed(digits));

export function summaryLines(data: SummaryData): string[] {
  const m = (name: string): Record<string, number> => data.metrics[name]?.values ?? {};
  const failed = Object.entries(data.metrics).flatMap(([name, metric]) =>
    Object.entries(metric?.thresholds ?? {})
      .filter(([, result]) => !result.ok)
      .map(([expression]) => `${name}: ${expression}`),
  );
  return [
    `http_reqs ${m('http_reqs').count ?? 0} (${fixed(m('http_reqs').rate, 1)}/s)  p95 ${fixed(m('http_req_duration')['p(95)'])} ms  p99 ${fixed(m('http_req_duration')['p(99)'])} ms`,
    `unexpected failures ${fixed((m('http_req_failed').rate ?? 0) * 100)} %  expected 409 conflicts ${m('business_conflicts').count ?? 0}  checks ${fixed((m('checks').rate ?? 1) * 100)} %`,
    `iterations ${m('iterations').count ?? 0}  dropped iterations ${m('dropped_iterations').count ?? 0}`,
    failed.length ? `thresholds FAILED: ${failed.join('; ')}` : 'thresholds passed',
  ];
}

export function handleSummary(data: SummaryData): Record<string, string> {
  const outputs: Record<string, string> = { stdout: `${summaryLines(data).join('\n')}\n` };
  if (__ENV.SUMMARY_FILE) outputs[__ENV.SUMMARY_FILE] = JSON.stringify(data, null, 1);
  return outputs;
}

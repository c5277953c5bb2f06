// `handleSummary(data)`: metrics[name] = {type, contains, values, thresholds: {"<expr>": {ok}}}, checks as
// arrays in root_group (and nested groups), run duration in state.testRunDurationMs.
import type { CheckResult } from '../model.ts';
import { ReportInputError } from './input-error.ts';
import { jsonSummaryReader } from './reader.ts';
import { asMetricType, isRecord, numericValues, type NormalizedSummary, type SummaryMetric } from './summary.ts';

export function looksLikeHandleSummary(json: unknown): boolean {
  if (!isRecord(json) || !isRecord(json.metrics)) return false;
  return Object.values(json.metrics).some((metric) => isRecord(metric) && isRecord(metric.values) && 'type' in metric);
}

export function parseHandleSummary(json: unknown, file: string): NormalizedSummary {
  if (!isRecord(json) || !isRecord(json.metrics))
    throw new ReportInputError(file, 'field metrics', 'expected handleSummary data with a metrics object');
  const metrics = new Map<string, SummaryMetric>();
  for (const [name, raw] of Object.entries(json.metrics)) {
    const type = isRecord(raw) ? asMetricType(raw.type) : undefined;
    if (!isRecord(raw) || !type || !isRecord(raw.values)) {
      throw new ReportInputError(
        file,
        `field metrics["${name}"]`,
        'expected {type: trend|counter|rate|gauge, values: {...}}',
      );
    }
    const values = numericValues(raw.values);
    if (type === 'rate') {
      values.nonZero = values.passes ?? 0;
      values.zero = values.fails ?? 0;
    }
    const thresholds = isRecord(raw.thresholds)
      ? Object.entries(raw.thresholds).map(([expression, verdict]) => ({
          expression,
          ok: isRecord(verdict) ? verdict.ok === true : verdict !== true,
        }))
      : [];
    metrics.set(name, {
      type,
      values,
      thresholds,
      contains: typeof raw.contains === 'string' ? raw.contains : undefined,
    });
  }
  const state = isRecord(json.state) ? json.state : {};
  const durationMs = typeof state.testRunDurationMs === 'number' ? state.testRunDurationMs : undefined;
  return {
    format: 'summary-handle',
    file,
    durationS: durationMs === undefined ? undefined : durationMs / 1000,
    metrics,
    checks: isRecord(json.root_group) ? groupChecks(json.root_group) : [],
  };
}

function groupChecks(group: Record<string, unknown>): CheckResult[] {
  const checks: CheckResult[] = [];
  for (const check of Array.isArray(group.checks) ? group.checks : []) {
    if (isRecord(check) && typeof check.name === 'string')
      checks.push({ name: check.name, passes: Number(check.passes ?? 0), fails: Number(check.fails ?? 0) });
  }
  for (const child of Array.isArray(group.groups) ? group.groups : [])
    if (isRecord(child)) checks.push(...groupChecks(child));
  return checks;
}

export const handleSummaryReader = jsonSummaryReader('summary-handle', looksLikeHandleSummary, parseHandleSummary);

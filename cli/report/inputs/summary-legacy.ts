// `k6 run --summary-export=FILE`: `{root_group, metrics}` with flat values per metric. A threshold is
// `{"<expr>": bool}` where true means it FAILED (k6's legacy inversion). Rate metrics count `passes`
// (non-zero samples) and `fails`.
import type { CheckResult } from '../model.ts';
import { ReportInputError } from './input-error.ts';
import { jsonSummaryReader } from './reader.ts';
import { isRecord, numericValues, type MetricType, type NormalizedSummary, type SummaryMetric } from './summary.ts';

export function looksLikeLegacySummary(json: unknown): boolean {
  if (!isRecord(json) || !isRecord(json.metrics)) return false;
  return Object.values(json.metrics).every(
    (metric) => isRecord(metric) && !('values' in metric) && !('type' in metric),
  );
}

function inferType(values: Record<string, number>): MetricType {
  if ('avg' in values || 'med' in values) return 'trend';
  if ('passes' in values || 'fails' in values) return 'rate';
  if ('count' in values) return 'counter';
  return 'gauge';
}

export function parseLegacySummary(json: unknown, file: string): NormalizedSummary {
  if (!isRecord(json) || !isRecord(json.metrics))
    throw new ReportInputError(file, 'field metrics', 'expected an object of k6 metrics (--summary-export)');
  const metrics = new Map<string, SummaryMetric>();
  for (const [name, raw] of Object.entries(json.metrics)) {
    if (!isRecord(raw)) throw new ReportInputError(file, `field metrics.${name}`, 'expected an object of numbers');
    const values = numericValues(raw);
    const type = inferType(values);
    if (type === 'rate') {
      values.nonZero = values.passes ?? 0;
      values.zero = values.fails ?? 0;
      if (values.value !== undefined) values.rate = values.value;
    }
    const thresholds = isRecord(raw.thresholds)
      ? Object.entries(raw.thresholds).map(([expression, failed]) => ({ expression, ok: failed !== true }))
      : [];
    metrics.set(name, { type, values, thresholds });
  }
  return {
    format: 'summary-legacy',
    file,
    metrics,
    checks: isRecord(json.root_group) ? legacyChecks(json.root_group) : [],
  };
}

/** Checks in the legacy export are maps by name, nested in groups. */
function legacyChecks(group: Record<string, unknown>): CheckResult[] {
  const checks: CheckResult[] = [];
  const own = group.checks;
  const entries = isRecord(own) ? Object.values(own) : Array.isArray(own) ? own : [];
  for (const check of entries) {
    if (isRecord(check) && typeof check.name === 'string')
      checks.push({ name: check.name, passes: Number(check.passes ?? 0), fails: Number(check.fails ?? 0) });
  }
  const groups = group.groups;
  const children = isRecord(groups) ? Object.values(groups) : Array.isArray(groups) ? groups : [];
  for (const child of children) if (isRecord(child)) checks.push(...legacyChecks(child));
  return checks;
}

export const legacySummaryReader = jsonSummaryReader('summary-legacy', looksLikeLegacySummary, parseLegacySummary);

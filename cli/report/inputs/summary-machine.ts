// `--new-machine-readable-summary` (k6 ≥ 1.5): {version, metadata, config, results: {metrics: [...], checks}}.
// What k6 emits spells percentiles `p90` and rate values {matches, total, rate}; it carries no thresholds yet.
import type { CheckResult } from '../model.ts';
import { ReportInputError } from './input-error.ts';
import { jsonSummaryReader } from './reader.ts';
import { asMetricType, isRecord, numericValues, type NormalizedSummary, type SummaryMetric } from './summary.ts';

/** k6 writes `version` last: a summary cut short is known by its list of metrics instead. */
export function looksLikeMachineSummary(json: unknown): boolean {
  return isRecord(json) && isRecord(json.results) && ('version' in json || Array.isArray(json.results.metrics));
}

export function parseMachineSummary(json: unknown, file: string): NormalizedSummary {
  const results = isRecord(json) && isRecord(json.results) ? json.results : undefined;
  if (!isRecord(json) || !results || !Array.isArray(results.metrics))
    throw new ReportInputError(
      file,
      'field results.metrics',
      'expected an array of metrics (k6 machine-readable summary)',
    );
  const metrics = new Map<string, SummaryMetric>();
  results.metrics.forEach((raw: unknown, index) => {
    const type = isRecord(raw) ? asMetricType(raw.type) : undefined;
    if (!isRecord(raw) || typeof raw.name !== 'string' || !type || !isRecord(raw.values)) {
      throw new ReportInputError(file, `field results.metrics[${index}]`, 'expected {name, type, values}');
    }
    const values = numericValues(raw.values);
    if (type === 'rate') {
      values.nonZero = values.matches ?? 0;
      values.zero = (values.total ?? 0) - (values.matches ?? 0);
    }
    metrics.set(raw.name, {
      type,
      values,
      thresholds: [],
      contains: typeof raw.contains === 'string' ? raw.contains : undefined,
    });
  });
  const checks: CheckResult[] = [];
  const checkBlock = isRecord(results.checks) ? results.checks : {};
  for (const check of Array.isArray(checkBlock.results) ? checkBlock.results : []) {
    if (isRecord(check) && typeof check.name === 'string')
      checks.push({ name: check.name, passes: Number(check.passes ?? 0), fails: Number(check.fails ?? 0) });
  }
  // The check metrics live beside the checks, not among the metrics: fold them in so `checks` reads the same.
  const succeeded = (Array.isArray(checkBlock.metrics) ? checkBlock.metrics : []).find(
    (m: unknown) => isRecord(m) && m.name === 'checks_succeeded',
  );
  if (isRecord(succeeded) && isRecord(succeeded.values) && !metrics.has('checks')) {
    const values = numericValues(succeeded.values);
    metrics.set('checks', {
      type: 'rate',
      values: {
        rate: values.rate ?? 0,
        nonZero: values.matches ?? 0,
        zero: (values.total ?? 0) - (values.matches ?? 0),
      },
      thresholds: [],
    });
  }
  const config = isRecord(json.config) ? json.config : {};
  const metadata = isRecord(json.metadata) ? json.metadata : {};
  return {
    format: 'summary-machine',
    file,
    durationS: typeof config.duration === 'number' ? config.duration : undefined,
    k6Version: typeof metadata.k6_version === 'string' ? metadata.k6_version : undefined,
    metrics,
    checks,
  };
}

export const machineSummaryReader = jsonSummaryReader('summary-machine', looksLikeMachineSummary, parseMachineSummary);

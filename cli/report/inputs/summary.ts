// The common shape every k6 summary format is read into, whatever its spelling: metric name → type, values
// with canonical keys, and threshold verdicts. One builder (from-summary.ts) turns it into a ReportModel.
import type { CheckResult, InputFormat, ThresholdResult } from '../model.ts';

export type MetricType = 'trend' | 'counter' | 'rate' | 'gauge';

/**
 * Canonical value keys: trend avg,min,med,max,p90,p95,p99 (ms); counter count,rate; rate rate,nonZero,zero
 * (nonZero counts true samples: failed requests for http_req_failed, passed checks for checks); gauge value,min,max.
 */
export interface SummaryMetric {
  type: MetricType;
  values: Record<string, number>;
  thresholds: Omit<ThresholdResult, 'metric'>[];
  /** 'time' when the values are milliseconds (k6's `contains`), when the input says */
  contains?: string;
}

export interface NormalizedSummary {
  format: InputFormat;
  file: string;
  durationS?: number;
  k6Version?: string;
  metrics: Map<string, SummaryMetric>;
  checks: CheckResult[];
  /** what the reader could not read (a line it did not know, a damaged tail), for the report's notes */
  notes?: string[];
}

/** `p(95)` → `p95`, `p(99.9)` → `p99.9`; other keys unchanged. */
export function canonicalStatKey(key: string): string {
  const match = /^p\((\d+(?:\.\d+)?)\)$/.exec(key);
  return match ? `p${match[1]}` : key;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Only the finite numbers of a values object, with canonical keys. */
export function numericValues(values: Record<string, unknown>): Record<string, number> {
  const result: Record<string, number> = {};
  for (const [key, value] of Object.entries(values))
    if (typeof value === 'number' && Number.isFinite(value)) result[canonicalStatKey(key)] = value;
  return result;
}

const METRIC_TYPES: readonly string[] = ['trend', 'counter', 'rate', 'gauge'];
export function asMetricType(value: unknown): MetricType | undefined {
  return typeof value === 'string' && METRIC_TYPES.includes(value) ? (value as MetricType) : undefined;
}

/** Splits `http_req_duration{name:GET /slow,scenario:book}` into base name and tags. */
export function splitMetricName(name: string): { base: string; tags: Record<string, string> } {
  const open = name.indexOf('{');
  if (open < 0 || !name.endsWith('}')) return { base: name, tags: {} };
  const tags: Record<string, string> = {};
  for (const part of name.slice(open + 1, -1).split(',')) {
    const colon = part.indexOf(':');
    if (colon > 0) tags[part.slice(0, colon).trim()] = part.slice(colon + 1).trim();
  }
  return { base: name.slice(0, open), tags };
}

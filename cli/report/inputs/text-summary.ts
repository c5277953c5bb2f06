// k6's end-of-test text summary, as people paste it into documents: the old layout (k6 < 1.0: one block,
// `✓ 184236 ✗ 36` for rates, thresholds as ✓/✗ before the metric) and the v1+ layout (THRESHOLDS and
// TOTAL RESULTS sections, `1.21% 5 out of 410`). Units come back to ms and bytes.
import type { CheckResult, ThresholdResult } from '../model.ts';
import { parseDurationMs } from '../../../scenarios/lib/durations.ts';
import { parseCount, parsePercent, parseSizeBytes } from '../units.ts';
import { ReportInputError } from './input-error.ts';
import type { ReportReader } from './reader.ts';
import { canonicalStatKey, type NormalizedSummary, type SummaryMetric } from './summary.ts';

const METRIC_LINE = /^\s*(?:([✓✗])\s+)?(\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*(?:\{[^}]*\})?)\.{2,}:\s*(.*?)\s*$/u;
const CHECK_LINE = /^\s*([✓✗])\s+(.+?)\s*$/u;
const CHECK_COUNTS = /↳\s*(\d+(?:\.\d+)?)%\s*[—-]\s*✓\s*(\d+)\s*\/\s*✗\s*(\d+)/u;
const THRESHOLD_LINE = /^\s*([✓✗])\s+'([^']+)'\s*(.*?)\s*$/u;
const SECTION = /^\s*█\s+(.+?)\s*$/u;
const RUNNING = /running \(([\dhms.]+)\)/;

export function looksLikeTextSummary(text: string): boolean {
  return /(http_reqs|iterations|checks|vus)\.{2,}:/.test(text);
}

/**
 * One value as k6 prints it: a duration (`16.92ms`), a size (`80 kB`), a count (`1.2k`) or a bare number —
 * k6 prints a custom Trend or Gauge without units unless the script marked it as time.
 */
function parseValue(text: string): number | undefined {
  if (/^-?\d+(?:\.\d+)?(?:e[+-]?\d+)?$/i.test(text)) return Number(text);
  return parseDurationMs(text) ?? parseSizeBytes(text) ?? parseCount(text);
}

/** Reads one metric line's values; undefined when they match no k6 layout. */
export function parseMetricValues(text: string): Omit<SummaryMetric, 'thresholds'> | undefined {
  if (/\bavg=/.test(text)) {
    const values: Record<string, number> = {};
    let timed = false;
    for (const match of text.matchAll(/([a-z]+|p\(\d+(?:\.\d+)?\))=(\S+)/g)) {
      const value = parseValue(match[2] ?? '');
      if (value === undefined) return undefined;
      values[canonicalStatKey(match[1] ?? '')] = value;
      timed ||= /[a-zµμ]s$/.test(match[2] ?? '');
    }
    // k6 prints a trend with units only when its values are times
    return { type: 'trend', values, contains: timed ? 'time' : 'default' };
  }
  const oldRate = /^(\d+(?:\.\d+)?%)\s+✓\s*(\d+)\s+✗\s*(\d+)$/u.exec(text);
  if (oldRate) return rateValues(oldRate[1], Number(oldRate[2]), Number(oldRate[2]) + Number(oldRate[3]));
  const newRate = /^(\d+(?:\.\d+)?%)\s+(\d+)\s+out of\s+(\d+)$/.exec(text);
  if (newRate) return rateValues(newRate[1], Number(newRate[2]), Number(newRate[3]));
  const gauge = /^(\S+(?: [kMGT]?B)?)\s+min=(\S+(?: [kMGT]?B)?)\s+max=(\S+(?: [kMGT]?B)?)$/.exec(text);
  if (gauge) {
    const [value, min, max] = [gauge[1], gauge[2], gauge[3]].map((part) => parseValue(part ?? ''));
    return value === undefined || min === undefined || max === undefined
      ? undefined
      : { type: 'gauge', values: { value, min, max } };
  }
  const counter = /^(\S+(?: [kMGT]?B)?)\s+(\S+(?: [kMGT]?B)?)\/s$/.exec(text);
  if (counter) {
    const [count, rate] = [parseValue(counter[1] ?? ''), parseValue(counter[2] ?? '')];
    return count === undefined || rate === undefined ? undefined : { type: 'counter', values: { count, rate } };
  }
  return undefined;
}

/** A rate from its counts (exact), the printed percentage only when there are none. */
function rateValues(percent: string | undefined, nonZero: number, total: number): Omit<SummaryMetric, 'thresholds'> {
  return {
    type: 'rate',
    values: { rate: total > 0 ? nonZero / total : (parsePercent(percent ?? '') ?? 0), nonZero, zero: total - nonZero },
  };
}

export function parseTextSummary(text: string, file: string): NormalizedSummary {
  const metrics = new Map<string, SummaryMetric>();
  const checks: CheckResult[] = [];
  const textThresholds: ThresholdResult[] = [];
  const notes: string[] = [];
  let parent: string | undefined;
  let section = '';
  let thresholdMetric: string | undefined;
  let durationS: number | undefined;
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    const sectionMatch = SECTION.exec(line);
    if (sectionMatch) {
      section = (sectionMatch[1] ?? '').toUpperCase();
      return;
    }
    const running = RUNNING.exec(line);
    if (running) durationS = (parseDurationMs(running[1] ?? '') ?? 0) / 1000 || durationS;
    // Full summary mode repeats every metric per scenario and group; the totals come first.
    if (section.startsWith('SCENARIO') || section.startsWith('GROUP')) return;
    if (section === 'THRESHOLDS') {
      const threshold = THRESHOLD_LINE.exec(line);
      if (threshold && thresholdMetric) {
        const observed = threshold[3] || undefined;
        textThresholds.push({
          metric: thresholdMetric,
          expression: threshold[2] ?? '',
          ok: threshold[1] === '✓',
          observed,
          judgedBy: 'k6',
        });
      } else if (line.trim() !== '') thresholdMetric = line.trim();
      return;
    }
    const metric = METRIC_LINE.exec(line);
    if (metric) {
      const rawName = metric[2] ?? '';
      const isSubmetric = rawName.startsWith('{');
      const name = isSubmetric && parent ? `${parent}{${rawName.slice(1, -1).trim()}}` : rawName;
      if (!isSubmetric) parent = rawName;
      const parsed = parseMetricValues(metric[3] ?? '');
      if (!parsed) {
        notes.push(
          `line ${index + 1}: the values of ${name} (“${(metric[3] ?? '').slice(0, 80)}”) are in no layout k6 prints; left out`,
        );
        return;
      }
      const thresholds = metric[1]
        ? [{ expression: '(threshold)', ok: metric[1] === '✓', judgedBy: 'k6' as const }]
        : [];
      metrics.set(name, { ...parsed, thresholds });
      return;
    }
    const counts = CHECK_COUNTS.exec(line);
    const last = checks.at(-1);
    if (counts && last) {
      last.passes = Number(counts[2]);
      last.fails = Number(counts[3]);
      return;
    }
    const check = CHECK_LINE.exec(line);
    if (check && !line.includes('['))
      checks.push({ name: check[2] ?? '', passes: Number.NaN, fails: check[1] === '✓' ? 0 : Number.NaN });
  });
  if (metrics.size === 0)
    throw new ReportInputError(
      file,
      undefined,
      'no k6 metric lines found; expected a k6 end-of-test summary (name.....: values)',
    );
  for (const threshold of textThresholds) {
    const target = metrics.get(threshold.metric);
    const { metric, ...verdict } = threshold;
    if (target) target.thresholds.push(verdict);
    else metrics.set(metric, { type: 'trend', values: {}, thresholds: [verdict] });
  }
  fillCheckCounts(checks, metrics);
  return { format: 'text-summary', file, durationS, metrics, checks, notes };
}

/** Old summaries list checks without counts; with a single check (or all passing) the totals tell them. */
function fillCheckCounts(checks: CheckResult[], metrics: Map<string, SummaryMetric>): void {
  const totals = metrics.get('checks')?.values;
  const unknown = checks.filter((c) => Number.isNaN(c.passes));
  if (!totals || unknown.length === 0) return;
  if (checks.length === 1 && unknown[0]) {
    unknown[0].passes = totals.nonZero ?? Number.NaN;
    unknown[0].fails = totals.zero ?? Number.NaN;
  }
}

/** Text is the fallback shape: a file that starts with `{` is JSON, read (or refused) as such. */
export const textSummaryReader: ReportReader = {
  format: 'text-summary',
  sniff: async (sample) => !sample.startsWithBrace && looksLikeTextSummary(await sample.text()),
  read: async (sample) => ({ format: 'summary', summary: parseTextSummary(await sample.text(), sample.file) }),
};

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
const THRESHOLD_LINE = /^\s*([✓✗])\s+'([^']+)'/u;
const SECTION = /^\s*█\s+(.+?)\s*$/u;
const RUNNING = /running \(([\dhms.]+)\)/;

export function looksLikeTextSummary(text: string): boolean {
  return /(http_reqs|iterations|checks|vus)\.{2,}:/.test(text);
}

/** Reads one metric line's values; undefined when they match no k6 layout. */
export function parseMetricValues(text: string): Omit<SummaryMetric, 'thresholds'> | undefined {
  if (/\bavg=/.test(text)) {
    const values: Record<string, number> = {};
    for (const match of text.matchAll(/([a-z]+|p\(\d+(?:\.\d+)?\))=(\S+)/g)) {
      const ms = parseDurationMs(match[2] ?? '');
      if (ms === undefined) return undefined;
      values[canonicalStatKey(match[1] ?? '')] = ms;
    }
    return { type: 'trend', values };
  }
  const oldRate = /^(\d+(?:\.\d+)?%)\s+✓\s*(\d+)\s+✗\s*(\d+)$/u.exec(text);
  if (oldRate) return { type: 'rate', values: { rate: parsePercent(oldRate[1] ?? '') ?? 0, nonZero: Number(oldRate[2]), zero: Number(oldRate[3]) } };
  const newRate = /^(\d+(?:\.\d+)?%)\s+(\d+)\s+out of\s+(\d+)$/.exec(text);
  if (newRate) return { type: 'rate', values: { rate: parsePercent(newRate[1] ?? '') ?? 0, nonZero: Number(newRate[2]), zero: Number(newRate[3]) - Number(newRate[2]) } };
  const gauge = /^(\S+)\s+min=(\S+)\s+max=(\S+)$/.exec(text);
  if (gauge) {
    const [value, min, max] = [gauge[1], gauge[2], gauge[3]].map((part) => parseCount(part ?? ''));
    return value === undefined || min === undefined || max === undefined ? undefined : { type: 'gauge', values: { value, min, max } };
  }
  const size = /^(\d+(?:\.\d+)?\s*[kMGT]?B)\s+(\d+(?:\.\d+)?\s*[kMGT]?B\/s)$/.exec(text);
  if (size) {
    const [count, rate] = [parseSizeBytes(size[1] ?? ''), parseSizeBytes(size[2] ?? '')];
    return count === undefined || rate === undefined ? undefined : { type: 'counter', values: { count, rate } };
  }
  const counter = /^(\S+)\s+(\S+)\/s$/.exec(text);
  if (counter) {
    const [count, rate] = [parseCount(counter[1] ?? ''), parseCount(counter[2] ?? '')];
    return count === undefined || rate === undefined ? undefined : { type: 'counter', values: { count, rate } };
  }
  return undefined;
}

export function parseTextSummary(text: string, file: string): NormalizedSummary {
  const metrics = new Map<string, SummaryMetric>();
  const checks: CheckResult[] = [];
  const textThresholds: ThresholdResult[] = [];
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
      if (threshold && thresholdMetric) textThresholds.push({ metric: thresholdMetric, expression: threshold[2] ?? '', ok: threshold[1] === '✓' });
      else if (line.trim() !== '') thresholdMetric = line.trim();
      return;
    }
    const metric = METRIC_LINE.exec(line);
    if (metric) {
      const rawName = metric[2] ?? '';
      const isSubmetric = rawName.startsWith('{');
      const name = isSubmetric && parent ? `${parent}{${rawName.slice(1, -1).trim()}}` : rawName;
      if (!isSubmetric) parent = rawName;
      const parsed = parseMetricValues(metric[3] ?? '');
      if (!parsed) throw new ReportInputError(file, `line ${index + 1}`, `cannot read the values of ${name}; expected k6's avg=… / count rate/s / rate% layout`);
      const thresholds = metric[1] ? [{ expression: '(threshold)', ok: metric[1] === '✓' }] : [];
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
    if (check && !line.includes('[')) checks.push({ name: check[2] ?? '', passes: Number.NaN, fails: check[1] === '✓' ? 0 : Number.NaN });
  });
  if (metrics.size === 0) throw new ReportInputError(file, undefined, 'no k6 metric lines found; expected a k6 end-of-test summary (name.....: values)');
  for (const threshold of textThresholds) {
    const target = metrics.get(threshold.metric);
    if (target) target.thresholds.push({ expression: threshold.expression, ok: threshold.ok });
    else metrics.set(threshold.metric, { type: 'trend', values: {}, thresholds: [{ expression: threshold.expression, ok: threshold.ok }] });
  }
  fillCheckCounts(checks, metrics);
  return { format: 'text-summary', file, durationS, metrics, checks };
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

// Compares two reports per endpoint and metric and marks regressions beyond tolerance. The CI gate calls
// compareReports(); renderComparisonMarkdown() is what it posts.
import type { ReportModel, TrafficStats } from './model.ts';
import { formatCount, formatMs, formatPercent } from './units.ts';

export interface Tolerances {
  /** latency (avg, med, p95, p99) may grow by this many percent */
  latencyPct: number;
  /** error rate may grow by this many percentage points */
  errorRatePts: number;
  /** throughput (rps) may fall by this many percent */
  throughputPct: number;
}

export const DEFAULT_TOLERANCES: Tolerances = { latencyPct: 10, errorRatePts: 0.5, throughputPct: 10 };

const TOLERANCE_KEYS: Record<string, keyof Tolerances> = { latency: 'latencyPct', errors: 'errorRatePts', error_rate: 'errorRatePts', throughput: 'throughputPct', rps: 'throughputPct' };

/** `latency=15%,errors=1,throughput=20%` (or a bare number for latency) → Tolerances. Throws on unknown keys. */
export function parseTolerances(text: string | undefined, base: Tolerances = DEFAULT_TOLERANCES): Tolerances {
  const result = { ...base };
  if (!text) return result;
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [rawKey, rawValue] = part.includes('=') ? part.split('=', 2) : ['latency', part];
    const key = TOLERANCE_KEYS[(rawKey ?? '').trim()];
    const value = Number((rawValue ?? '').trim().replace(/%|pts?$/g, ''));
    if (!key || !Number.isFinite(value) || value < 0) {
      throw new Error(`bad tolerance "${part}"; expected latency=N%, errors=N (percentage points) or throughput=N%`);
    }
    result[key] = value;
  }
  return result;
}

export type ComparedMetric = 'avg' | 'med' | 'p95' | 'p99' | 'rps' | 'error_rate';

export interface MetricDelta {
  subject: string;
  metric: ComparedMetric;
  current?: number;
  baseline?: number;
  /** current − baseline */
  delta?: number;
  deltaPct?: number;
  regression: boolean;
}

export interface Comparison {
  current: { title: string; files: string[] };
  baseline: { title: string; files: string[] };
  tolerances: Tolerances;
  deltas: MetricDelta[];
  regressions: MetricDelta[];
  onlyInCurrent: string[];
  onlyInBaseline: string[];
}

export const OVERALL = 'all requests';

function compareTraffic(subject: string, current: TrafficStats, baseline: TrafficStats, t: Tolerances): MetricDelta[] {
  const deltas: MetricDelta[] = [];
  const add = (metric: ComparedMetric, cur: number | undefined, base: number | undefined, isRegression: (delta: number, pct: number) => boolean) => {
    if (cur === undefined && base === undefined) return;
    const delta = cur !== undefined && base !== undefined ? cur - base : undefined;
    const deltaPct = delta !== undefined && base ? (100 * delta) / base : undefined;
    deltas.push({ subject, metric, current: cur, baseline: base, delta, deltaPct, regression: delta !== undefined && isRegression(delta, deltaPct ?? (delta > 0 ? Infinity : 0)) });
  };
  for (const metric of ['avg', 'med', 'p95', 'p99'] as const) {
    add(metric, current.latency?.[metric], baseline.latency?.[metric], (_, pct) => pct > t.latencyPct);
  }
  add('rps', current.rps, baseline.rps, (_, pct) => pct < -t.throughputPct);
  add('error_rate', current.errorRate, baseline.errorRate, (delta) => delta * 100 > t.errorRatePts);
  return deltas;
}

export function compareReports(current: ReportModel, baseline: ReportModel, tolerances: Tolerances = DEFAULT_TOLERANCES): Comparison {
  const deltas = compareTraffic(OVERALL, current.overview, baseline.overview, tolerances);
  const baseEndpoints = new Map(baseline.endpoints.map((e) => [e.name, e]));
  for (const endpoint of current.endpoints) {
    const base = baseEndpoints.get(endpoint.name);
    if (base) deltas.push(...compareTraffic(endpoint.name, endpoint, base, tolerances));
  }
  const currentNames = new Set(current.endpoints.map((e) => e.name));
  return {
    current: { title: current.title, files: current.source.files },
    baseline: { title: baseline.title, files: baseline.source.files },
    tolerances,
    deltas,
    regressions: deltas.filter((d) => d.regression),
    onlyInCurrent: current.endpoints.filter((e) => !baseEndpoints.has(e.name)).map((e) => e.name),
    onlyInBaseline: baseline.endpoints.filter((e) => !currentNames.has(e.name)).map((e) => e.name),
  };
}

function formatValue(metric: ComparedMetric, value: number | undefined): string {
  if (metric === 'rps') return formatCount(value, 1);
  if (metric === 'error_rate') return formatPercent(value);
  return formatMs(value);
}

function formatDelta(d: MetricDelta): string {
  if (d.delta === undefined) return '—';
  if (d.metric === 'error_rate') return `${d.delta >= 0 ? '+' : ''}${(d.delta * 100).toFixed(2)} pts`;
  return d.deltaPct === undefined ? '—' : `${d.deltaPct >= 0 ? '+' : ''}${d.deltaPct.toFixed(1)} %`;
}

export function renderComparisonMarkdown(c: Comparison): string {
  const t = c.tolerances;
  const lines = [
    `# Comparison: ${c.current.title} vs ${c.baseline.title}`,
    '',
    c.regressions.length === 0 ? '✅ **No regression beyond tolerance.**' : `❌ **${c.regressions.length} regression${c.regressions.length === 1 ? '' : 's'} beyond tolerance.**`,
    '',
    `Tolerances: latency +${t.latencyPct} %, error rate +${t.errorRatePts} pts, throughput −${t.throughputPct} %.`,
    '',
    '| endpoint | metric | baseline | current | change | |',
    '| :--- | :--- | ---: | ---: | ---: | :---: |',
    ...c.deltas.map((d) => `| \`${d.subject.replaceAll('|', '\\|')}\` | ${d.metric} | ${formatValue(d.metric, d.baseline)} | ${formatValue(d.metric, d.current)} | ${formatDelta(d)} | ${d.regression ? '❌' : ''} |`),
    '',
  ];
  if (c.onlyInCurrent.length > 0) lines.push(`New endpoints (no baseline): ${c.onlyInCurrent.map((n) => `\`${n}\``).join(', ')}.`, '');
  if (c.onlyInBaseline.length > 0) lines.push(`Endpoints missing from this run: ${c.onlyInBaseline.map((n) => `\`${n}\``).join(', ')}.`, '');
  return `${lines.join('\n').trimEnd()}\n`;
}

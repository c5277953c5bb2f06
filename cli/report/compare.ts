// Compares two reports per endpoint and metric and marks regressions beyond tolerance. This file holds THE
// regression rule (`judgeChange`): `loadctl compare` applies it with one tolerance set, `loadctl gate` with its
// per-endpoint rules (cli/gate/verdicts.ts), so the two commands cannot disagree on what a regression is.
import type { ReportModel, TrafficStats } from './model.ts';
import { formatCount, formatMs, formatPercent } from './units.ts';

/**
 * How much worse a latency or throughput may get: a change regresses only when it is worse than the baseline
 * by MORE than `relativePct` of it AND by more than `absolute` (ms, or requests/s). The absolute bound keeps a
 * 0.4 ms → 0.6 ms "50 % regression" on a sub-millisecond cached read from failing a build.
 */
export interface ChangeRule {
  relativePct: number;
  absolute: number;
}

export type ChangeVerdict = 'regressed' | 'improved' | 'pass';

export interface JudgedChange {
  verdict: ChangeVerdict;
  /** how much worse (negative: better), in the metric's unit and in percent of the baseline */
  worseBy: number;
  worsePct: number;
}

/** The regression rule for latency (`higherIsWorse`) and throughput; improvement is the mirror image. */
export function judgeChange(baseline: number, current: number, rule: ChangeRule, higherIsWorse: boolean): JudgedChange {
  const worseBy = higherIsWorse ? current - baseline : baseline - current;
  const worsePct = baseline > 0 ? (worseBy / baseline) * 100 : worseBy > 0 ? Infinity : worseBy < 0 ? -Infinity : 0;
  const verdict =
    worsePct > rule.relativePct && worseBy > rule.absolute
      ? 'regressed'
      : -worsePct > rule.relativePct && -worseBy > rule.absolute
        ? 'improved'
        : 'pass';
  return { verdict, worseBy, worsePct };
}

/** The regression rule for an error rate (a fraction): judged on percentage points alone. */
export function judgeErrorRateChange(
  baseline: number,
  current: number,
  allowedPp: number,
): { verdict: ChangeVerdict; deltaPp: number } {
  const deltaPp = (current - baseline) * 100;
  return { verdict: deltaPp > allowedPp ? 'regressed' : deltaPp < -allowedPp ? 'improved' : 'pass', deltaPp };
}

export interface Tolerances {
  /** latency (avg, med, p95, p99) may grow by this many percent … */
  latencyPct: number;
  /** … and by this many ms */
  latencyMinMs: number;
  /** error rate may grow by this many percentage points */
  errorRatePts: number;
  /** throughput (rps) may fall by this many percent … */
  throughputPct: number;
  /** … and by this many requests/s */
  throughputMinRps: number;
}

export const DEFAULT_TOLERANCES: Tolerances = {
  latencyPct: 10,
  latencyMinMs: 2,
  errorRatePts: 0.5,
  throughputPct: 10,
  throughputMinRps: 5,
};

const TOLERANCE_KEYS: Record<string, keyof Tolerances> = {
  latency: 'latencyPct',
  'latency-min': 'latencyMinMs',
  errors: 'errorRatePts',
  error_rate: 'errorRatePts',
  throughput: 'throughputPct',
  rps: 'throughputPct',
  'throughput-min': 'throughputMinRps',
};

/**
 * `latency=15%,latency-min=2ms,errors=1,throughput=20%,throughput-min=5` (or a bare number for latency) →
 * Tolerances. Throws on unknown keys.
 */
export function parseTolerances(text: string | undefined, base: Tolerances = DEFAULT_TOLERANCES): Tolerances {
  const result = { ...base };
  if (!text) return result;
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [rawKey, rawValue] = part.includes('=') ? part.split('=', 2) : ['latency', part];
    const key = TOLERANCE_KEYS[(rawKey ?? '').trim()];
    const value = Number((rawValue ?? '').trim().replace(/%|pts?$|ms$|rps$/g, ''));
    if (!key || !Number.isFinite(value) || value < 0) {
      throw new Error(
        `bad tolerance "${part}"; expected latency=N%, latency-min=Nms, errors=N (percentage points), throughput=N% or throughput-min=N (req/s)`,
      );
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
  const add = (
    metric: ComparedMetric,
    cur: number | undefined,
    base: number | undefined,
    regresses: (base: number, cur: number) => boolean,
  ) => {
    if (cur === undefined && base === undefined) return;
    const delta = cur !== undefined && base !== undefined ? cur - base : undefined;
    const deltaPct = delta !== undefined && base ? (100 * delta) / base : undefined;
    deltas.push({
      subject,
      metric,
      current: cur,
      baseline: base,
      delta,
      deltaPct,
      regression: cur !== undefined && base !== undefined && regresses(base, cur),
    });
  };
  const latencyRule = { relativePct: t.latencyPct, absolute: t.latencyMinMs };
  for (const metric of ['avg', 'med', 'p95', 'p99'] as const) {
    add(
      metric,
      current.latency?.[metric],
      baseline.latency?.[metric],
      (base, cur) => judgeChange(base, cur, latencyRule, true).verdict === 'regressed',
    );
  }
  add(
    'rps',
    current.rps,
    baseline.rps,
    (base, cur) =>
      judgeChange(base, cur, { relativePct: t.throughputPct, absolute: t.throughputMinRps }, false).verdict ===
      'regressed',
  );
  add(
    'error_rate',
    current.errorRate,
    baseline.errorRate,
    (base, cur) => judgeErrorRateChange(base, cur, t.errorRatePts).verdict === 'regressed',
  );
  return deltas;
}

export function compareReports(
  current: ReportModel,
  baseline: ReportModel,
  tolerances: Tolerances = DEFAULT_TOLERANCES,
): Comparison {
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
    c.regressions.length === 0
      ? '✅ **No regression beyond tolerance.**'
      : `❌ **${c.regressions.length} regression${c.regressions.length === 1 ? '' : 's'} beyond tolerance.**`,
    '',
    `Tolerances (a change must exceed both bounds): latency +${t.latencyPct} % and +${t.latencyMinMs} ms, error rate +${t.errorRatePts} pts, throughput −${t.throughputPct} % and −${t.throughputMinRps} req/s.`,
    '',
    '| endpoint | metric | baseline | current | change | |',
    '| :--- | :--- | ---: | ---: | ---: | :---: |',
    ...c.deltas.map(
      (d) =>
        `| \`${d.subject.replaceAll('|', '\\|')}\` | ${d.metric} | ${formatValue(d.metric, d.baseline)} | ${formatValue(d.metric, d.current)} | ${formatDelta(d)} | ${d.regression ? '❌' : ''} |`,
    ),
    '',
  ];
  if (c.onlyInCurrent.length > 0)
    lines.push(`New endpoints (no baseline): ${c.onlyInCurrent.map((n) => `\`${n}\``).join(', ')}.`, '');
  if (c.onlyInBaseline.length > 0)
    lines.push(`Endpoints missing from this run: ${c.onlyInBaseline.map((n) => `\`${n}\``).join(', ')}.`, '');
  return `${lines.join('\n').trimEnd()}\n`;
}

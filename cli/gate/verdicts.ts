// Pure: the gate's rule applied to one metric of one endpoint, and the overall outcome.
//
// The rule is the report engine's (judgeChange in cli/report/compare.ts, shared with `loadctl compare`): a
// metric regresses only when it is worse than the baseline by MORE than its relative tolerance AND by MORE than
// its absolute minimum effect size; error rate on percentage points alone. The gate adds per-endpoint rules and
// leaves endpoints with too few requests ungated.
import { ExitCode, type ExitCodeValue } from '../shared/exit-codes.ts';
import type { ThresholdResult } from '../report/model.ts';
import { judgeChange, judgeErrorRateChange } from '../report/compare.ts';
import { formatCount, formatMs, formatPercent } from '../report/units.ts';
import type { EffectiveRules, GatedMetric } from './tolerances.ts';

export type VerdictStatus = 'pass' | 'regressed' | 'improved' | 'not-gated';

export interface MetricVerdict {
  endpoint: string;
  metric: GatedMetric;
  baseline?: number;
  current?: number;
  status: VerdictStatus;
  /** one sentence with the numbers and the rule that decided */
  explanation: string;
}

export const METRIC_LABEL: Record<GatedMetric, string> = {
  p95: 'p95',
  p99: 'p99',
  errorRate: 'error rate',
  throughput: 'throughput',
};
const UNIT: Record<GatedMetric, string> = { p95: 'ms', p99: 'ms', errorRate: '%', throughput: 'req/s' };

export function formatValue(metric: GatedMetric, value: number | undefined): string {
  if (metric === 'errorRate') return formatPercent(value);
  if (metric === 'throughput') return value === undefined ? formatCount(value) : `${formatCount(value, 1)} req/s`;
  return formatMs(value);
}

export interface MetricSample {
  endpoint: string;
  metric: GatedMetric;
  baseline?: number;
  current?: number;
  /** requests behind the values in the smaller of the two runs; below minRequests the metric is not gated */
  requests?: number;
}

export function judge(
  sample: MetricSample,
  rules: EffectiveRules,
  minRequests: number,
  skipped: readonly GatedMetric[],
): MetricVerdict {
  const { endpoint, metric, baseline, current } = sample;
  const base = { endpoint, metric, baseline, current };
  const values = `${formatValue(metric, current)} vs baseline ${formatValue(metric, baseline)}`;
  if (skipped.includes(metric))
    return {
      ...base,
      status: 'not-gated',
      explanation: `${values}; ${METRIC_LABEL[metric]} is not gated (skip in the gate config).`,
    };
  if (baseline === undefined || current === undefined) {
    return {
      ...base,
      status: 'not-gated',
      explanation: `${values}; not gated: ${baseline === undefined ? 'the baseline' : 'this run'} has no ${METRIC_LABEL[metric]} for it.`,
    };
  }
  if (sample.requests !== undefined && sample.requests < minRequests) {
    return {
      ...base,
      status: 'not-gated',
      explanation: `${values}; not gated: ${sample.requests} requests is under the minimum of ${minRequests}.`,
    };
  }

  if (metric === 'errorRate') {
    const limit = rules.errorRate.absolutePp;
    const { verdict, deltaPp } = judgeErrorRateChange(baseline, current, limit);
    const change = `${deltaPp >= 0 ? '+' : ''}${deltaPp.toFixed(2)} pp`;
    if (verdict === 'regressed')
      return {
        ...base,
        status: 'regressed',
        explanation: `${values} (${change}): more than the allowed +${limit} pp.`,
      };
    return { ...base, status: verdict, explanation: `${values} (${change}); allowed +${limit} pp.` };
  }

  // Latency gets worse upwards, throughput downwards.
  const rule = rules[metric];
  const { verdict, worseBy, worsePct } = judgeChange(baseline, current, rule, metric !== 'throughput');
  const unit = UNIT[metric];
  const direction = metric === 'throughput' ? (worseBy >= 0 ? 'lower' : 'higher') : worseBy >= 0 ? 'slower' : 'faster';
  const change = `${Math.abs(worsePct).toFixed(1)} % / ${formatValue(metric, Math.abs(worseBy))} ${direction}`;
  if (verdict === 'regressed') {
    return {
      ...base,
      status: 'regressed',
      explanation: `${values} (${change}): beyond both ${rule.relativePct} % and ${rule.absolute} ${unit}.`,
    };
  }
  return {
    ...base,
    status: verdict,
    explanation: `${values} (${change}); allowed ${rule.relativePct} % and ${rule.absolute} ${unit}.`,
  };
}

export type GateStatus = 'passed' | 'thresholds-failed' | 'regressed';

export interface GateOutcome {
  status: GateStatus;
  exitCode: ExitCodeValue;
  verdicts: MetricVerdict[];
  thresholds: ThresholdResult[];
  /** what was gated against what, for the headings */
  currentLabel: string;
  baselineLabel: string;
  /** runs whose per-metric median was gated (1 without --repeat) */
  runs: number;
}

/** A failed k6 threshold outranks a regression: the run broke its own contract before any comparison. */
export function decideOutcome(
  verdicts: MetricVerdict[],
  thresholds: ThresholdResult[],
  labels: { current: string; baseline: string; runs: number },
): GateOutcome {
  const thresholdFailed = thresholds.some((threshold) => !threshold.ok);
  const regressed = verdicts.some((verdict) => verdict.status === 'regressed');
  const status: GateStatus = thresholdFailed ? 'thresholds-failed' : regressed ? 'regressed' : 'passed';
  const exitCode = thresholdFailed ? ExitCode.thresholdsFailed : regressed ? ExitCode.regression : ExitCode.ok;
  return {
    status,
    exitCode,
    verdicts,
    thresholds,
    currentLabel: labels.current,
    baselineLabel: labels.baseline,
    runs: labels.runs,
  };
}

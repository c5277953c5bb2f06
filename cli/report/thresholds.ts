// Thresholds judged on aggregated data. A raw stream (`--out json`) carries every metric's threshold
// expressions on its Metric lines but not k6's verdicts, so loadctl re-evaluates them the way k6 does: the
// metric's statistic over the whole run against the bound. Also the observed value shown beside any verdict.
import type { Aggregate } from './aggregate.ts';
import type { LatencyHistogram } from './histogram.ts';
import { splitMetricName } from './inputs/summary.ts';
import type { ThresholdResult } from './model.ts';
import { formatCount, formatMs, formatPercent, k6Decimals } from './units.ts';

const EXPRESSION =
  /^\s*(avg|min|med|max|count|rate|value|p\(\d+(?:\.\d+)?\))\s*(<=|>=|<|>|===|==|!=)\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*$/i;

/** How a metric's values read: milliseconds, a 0..1 ratio, bytes or plain numbers. */
export type ValueKind = 'time' | 'ratio' | 'data' | 'plain';

const TIME_METRICS =
  /^(http_req_|iteration_duration|group_duration|browser_http_req_duration|ws_connecting|ws_session_duration|grpc_req_duration)/;

/** The kind of a metric's values when the input does not say (k6's built-in trends are times). */
export function kindOf(metric: string, type: string, contains?: string): ValueKind {
  if (type === 'rate') return 'ratio';
  if (contains === 'time' || (contains === undefined && TIME_METRICS.test(metric))) return 'time';
  if (contains === 'data' || /^data_/.test(metric)) return 'data';
  return 'plain';
}

/** `p(95)=175.69 ms`: a statistic as the report shows it beside a threshold. */
export function formatObserved(stat: string, value: number, kind: ValueKind): string {
  if (stat === 'rate' && kind === 'ratio') return `rate=${formatPercent(value)}`;
  if (stat === 'count' || (stat === 'rate' && kind !== 'ratio'))
    return `${stat}=${formatCount(value, Number.isInteger(value) ? 0 : 2)}`;
  return `${stat}=${kind === 'time' ? formatMs(value) : k6Decimals(value)}`;
}

/** The statistic a threshold expression judges (`p(95)`, `rate`…), or undefined when it is no k6 expression. */
export function thresholdStat(expression: string): string | undefined {
  return EXPRESSION.exec(expression)?.[1]?.toLowerCase();
}

function trendStat(histogram: LatencyHistogram | undefined, stat: string): number | undefined {
  if (!histogram || histogram.count === 0) return undefined;
  if (stat === 'avg') return histogram.sumMs / histogram.count;
  if (stat === 'min') return histogram.minMs;
  if (stat === 'max') return histogram.maxMs;
  if (stat === 'count') return histogram.count;
  const percentile = stat === 'med' ? 50 : Number(/^p\((.+)\)$/.exec(stat)?.[1]);
  return Number.isFinite(percentile) ? histogram.percentile(percentile) : undefined;
}

/** A metric (with at most one tag of the ones the aggregate keeps) → its statistic over the run. */
function observe(
  aggregate: Aggregate,
  metric: string,
  stat: string,
  durationS: number,
): { value: number; kind: ValueKind } | undefined {
  const { base, tags } = splitMetricName(metric);
  const tagEntries = Object.entries(tags);
  if (tagEntries.length > 1) return undefined;
  const [tag, tagValue] = tagEntries[0] ?? [];
  const scenario = tag === 'scenario' ? aggregate.scenarios.get(tagValue ?? '') : undefined;
  const traffic =
    tag === undefined ? aggregate.overall : tag === 'name' ? aggregate.endpoints.get(tagValue ?? '') : scenario;
  const perSecond = (count: number) => (stat === 'rate' ? count / durationS : stat === 'count' ? count : undefined);
  const wrap = (value: number | undefined, kind: ValueKind) =>
    value === undefined || !Number.isFinite(value) ? undefined : { value, kind };
  switch (base) {
    case 'http_req_duration':
      return wrap(trendStat(traffic?.latency, stat), 'time');
    case 'http_req_failed':
      return stat === 'rate' && traffic && traffic.latency.count > 0
        ? { value: traffic.failed / traffic.latency.count, kind: 'ratio' }
        : undefined;
    case 'http_reqs':
      return traffic ? wrap(perSecond(traffic.latency.count), 'plain') : undefined;
    case 'iteration_duration':
      return wrap(
        trendStat(tag === undefined ? aggregate.iterationDuration : scenario?.iterationDuration, stat),
        'time',
      );
    case 'iterations':
    case 'dropped_iterations': {
      const source = tag === undefined ? aggregate : scenario;
      return source ? wrap(perSecond(base === 'iterations' ? source.iterations : source.dropped), 'plain') : undefined;
    }
    case 'checks': {
      if (tag !== undefined || stat !== 'rate') return undefined;
      const all = [...aggregate.checks.values()].reduce(
        (sum, c) => ({ passes: sum.passes + c.passes, total: sum.total + c.passes + c.fails }),
        { passes: 0, total: 0 },
      );
      return all.total > 0 ? { value: all.passes / all.total, kind: 'ratio' } : undefined;
    }
    case 'data_received':
    case 'data_sent':
      return tag === undefined
        ? wrap(perSecond(base === 'data_sent' ? aggregate.dataSent : aggregate.dataReceived), 'data')
        : undefined;
    case 'vus_max':
      return tag === undefined && (stat === 'value' || stat === 'max') ? wrap(aggregate.vusMax, 'plain') : undefined;
    default: {
      if (tag !== undefined) return undefined;
      const custom = aggregate.custom.model(durationS).find((m) => m.name === base);
      if (!custom) return undefined;
      const kind = kindOf(base, custom.type, custom.contains);
      if (custom.type === 'trend') return wrap(trendStat(aggregate.custom.trend(base), stat), kind);
      return wrap(custom.values[stat], kind);
    }
  }
}

function holds(value: number, operator: string, bound: number): boolean {
  switch (operator) {
    case '<':
      return value < bound;
    case '<=':
      return value <= bound;
    case '>':
      return value > bound;
    case '>=':
      return value >= bound;
    case '!=':
      return value !== bound;
    default:
      return value === bound;
  }
}

/**
 * Judges every threshold the stream's Metric lines declared. `unjudged` lists the ones the aggregate cannot
 * answer (a tag it does not keep, a k6 metric the report does not read, an expression that is not k6's).
 */
export function evaluateDeclaredThresholds(
  aggregate: Aggregate,
  durationS: number,
): { results: ThresholdResult[]; unjudged: string[] } {
  const results: ThresholdResult[] = [];
  const unjudged: string[] = [];
  for (const [metric, expressions] of [...aggregate.declaredThresholds].sort(([a], [b]) => a.localeCompare(b))) {
    for (const expression of expressions) {
      const match = EXPRESSION.exec(expression);
      const stat = match?.[1]?.toLowerCase();
      const observed = stat ? observe(aggregate, metric, stat, durationS) : undefined;
      if (!match || !stat || !observed) {
        unjudged.push(`\`${metric}\` \`${expression}\``);
        continue;
      }
      const ok = holds(observed.value, match[2] ?? '', Number(match[3]));
      results.push({
        metric,
        expression,
        ok,
        observed: formatObserved(stat, observed.value, observed.kind),
        judgedBy: 'loadctl',
      });
    }
  }
  return { results, unjudged };
}

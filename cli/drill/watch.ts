// Watching metrics during a drill: the samples seen so far, and the checks over them (signals, the SLO,
// claims, the guard). Pure: the drill feeds samples in and asks at each tick.
import { holds, parseCondition, type Condition } from '../runbooks/condition.ts';
import { evaluate, parseExpression, windowOf, type Expr, type Sample } from '../runbooks/expression.ts';
import { durationSeconds } from '../../scenarios/lib/durations.ts';

export type Source = 'api-metrics' | 'k6';

/** A compiled check: an expression over a window of one source, and a condition on its value. */
export interface Check {
  source: Source;
  expr: Expr;
  condition: Condition;
  windowS: number;
  text: string;
}

export function compileCheck(spec: { source: Source; metric: string; condition: string; window?: string }, defaultWindowS = 10): Check {
  return {
    source: spec.source,
    expr: parseExpression(spec.metric),
    condition: parseCondition(spec.condition),
    windowS: spec.window ? durationSeconds(spec.window) : defaultWindowS,
    text: `${spec.metric} ${spec.condition}`,
  };
}

/** Samples per source, oldest first, times in seconds since the epoch. */
export class SampleStore {
  readonly series: Record<Source, Sample[]> = { 'api-metrics': [], k6: [] };

  add(source: Source, sample: Sample): void {
    this.series[source].push(sample);
  }

  latest(source: Source): number | undefined {
    return this.series[source].at(-1)?.t;
  }

  /** the check's value over the window ending at `end`, using only samples at or after `notBefore` */
  value(check: Check, end: number, notBefore = -Infinity): number {
    return evaluate(check.expr, windowOf(this.series[check.source], end, check.windowS).filter((sample) => sample.t >= notBefore));
  }

  /** the check's value over exactly [from, to]: one window covering a whole phase */
  valueBetween(check: Check, from: number, to: number): number {
    return evaluate(check.expr, this.series[check.source].filter((sample) => sample.t >= from && sample.t <= to));
  }

  holds(check: Check, end: number, notBefore = -Infinity): { holds: boolean; value: number } {
    const value = this.value(check, end, notBefore);
    return { holds: holds(check.condition, value), value };
  }
}

/**
 * A guard: `[k6:]<expression> <op> <number> [for <duration>]`, e.g.
 * `increase(http_request_duration_seconds_count{status=~"5.."}) > 50 for 5s`. Windowed functions look at
 * the `for` duration (default 5 s); the guard trips when the condition has held at every tick for that long.
 */
export interface Guard extends Check {
  forS: number;
}

export function parseGuard(text: string): Guard {
  const source: Source = text.startsWith('k6:') ? 'k6' : 'api-metrics';
  const body = source === 'k6' ? text.slice(3) : text;
  const match = /^(.*?)\s*(>=|<=|==|!=|>|<)\s*(-?[\d.]+(?:e[+-]?\d+)?)\s*(?:for\s+(\d+(?:\.\d+)?(?:ms|s|m)))?\s*$/i.exec(body);
  if (!match) throw new Error(`"${text}" is not a guard like 'rate(x_total) > 5 for 10s'`);
  const forS = match[4] ? durationSeconds(match[4]) : 5;
  return { ...compileCheck({ source, metric: match[1] as string, condition: `${match[2]} ${match[3]}` }, forS), windowS: forS, forS, text };
}

/** Tracks how long a guard has held without a break. */
export class GuardWatch {
  private since: number | undefined;
  constructor(readonly guard: Guard) {}

  /** true once the condition has held continuously for the guard's duration */
  tick(store: SampleStore, now: number): boolean {
    if (store.holds(this.guard, now).holds) this.since ??= now;
    else this.since = undefined;
    return this.since !== undefined && now - this.since >= this.guard.forS;
  }
}

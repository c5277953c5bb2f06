// Watching a drill through Prometheus: the runbook's PromQL evaluated by the stack's (or the user's)
// Prometheus, and the alerts it fires. A comparison returns the series for which it is true, so a check
// holds when its expression returns anything; its value is the largest it returned.
import type { PromAlert, PrometheusClient } from '../observe/prometheus-api.ts';
import { alertName } from '../runbooks/alerts.ts';
import { checkPromql, promDurationSeconds } from '../runbooks/promql.ts';

export interface Reading {
  holds: boolean;
  /** the largest value returned; NaN when nothing was */
  value: number;
}

/** The expression at `at` (default now). */
export async function evaluateCheck(prometheus: PrometheusClient, expr: string, at?: Date): Promise<Reading> {
  const values = (await prometheus.query(expr, at)).flatMap((series) => series.samples.map(([, value]) => value));
  return { holds: values.length > 0, value: values.length > 0 ? Math.max(...values) : Number.NaN };
}

/**
 * When the runbook signal's alert started firing (epoch ms): its pending start plus its `for:`. Undefined
 * when it is not firing.
 */
export function alertFiringAt(
  alerts: readonly PromAlert[],
  runbookId: string,
  signalId: string,
  forS: number,
): number | undefined {
  const name = alertName(runbookId, signalId);
  const alert = alerts.find((candidate) => candidate.labels.alertname === name && candidate.state === 'firing');
  return alert?.activeAt ? Date.parse(alert.activeAt) + forS * 1000 : undefined;
}

/**
 * A guard: `<PromQL comparison> [for <duration>]`, e.g. `sum(rate(api_redis_errors_total[5s])) > 50 for 5s`;
 * it trips once the comparison has held at every check for that long (default 5 s).
 */
export interface Guard {
  expr: string;
  forS: number;
  text: string;
}

export function parseGuard(text: string): Guard {
  const match = /^(.*?)(?:\s+for\s+(\S+))?\s*$/s.exec(text.trim());
  const expr = match?.[1] ?? '';
  let forS = 5;
  try {
    if (match?.[2]) forS = promDurationSeconds(match[2]);
    checkPromql(expr, { comparison: true });
  } catch (error) {
    throw new Error(`guard "${text}": ${(error as Error).message} (write e.g. 'sum(rate(x_total[5s])) > 5 for 10s')`);
  }
  return { expr, forS, text };
}

/** Tracks how long a guard has held without a break. */
export class GuardWatch {
  private since: number | undefined;
  constructor(readonly guard: Guard) {}

  /** true once the comparison has held continuously for the guard's duration (`nowS`: seconds) */
  observe(holds: boolean, nowS: number): boolean {
    if (holds) this.since ??= nowS;
    else this.since = undefined;
    return this.since !== undefined && nowS - this.since >= this.guard.forS;
  }
}

/** Calls `tick` every `intervalMs` (the first at once), never overlapping; errors go to `onError`. */
export function everyInterval(
  intervalMs: number,
  tick: () => Promise<void>,
  onError: (error: Error) => void,
): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  const run = (): void => {
    if (stopped) return;
    const started = Date.now();
    inFlight = tick()
      .catch((error: unknown) => onError(error instanceof Error ? error : new Error(String(error))))
      .then(() => {
        if (!stopped) timer = setTimeout(run, Math.max(0, intervalMs - (Date.now() - started)));
      });
  };
  run();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await inFlight;
    },
  };
}

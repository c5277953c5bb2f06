// Prometheus' HTTP API (https://prometheus.io/docs/prometheus/latest/querying/api/): PromQL sent as text to
// /api/v1/query and /api/v1/query_range, the alerts it evaluates, and the targets it scrapes.
import { UserError } from '../shared/errors.ts';
import { ExitCode } from '../shared/exit-codes.ts';

/** One series of a result: its labels and [seconds since the epoch, value] samples (one for an instant query). */
export interface PromSeries {
  metric: Record<string, string>;
  samples: Array<[number, number]>;
}

export interface PromAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing' | 'inactive';
  /** when the expression first held (pending since), RFC 3339 */
  activeAt?: string;
  value: string;
}

export interface PromTarget {
  labels: Record<string, string>;
  scrapeUrl: string;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
}

type Payload =
  | { resultType: 'vector'; result: Array<{ metric: Record<string, string>; value: [number, string] }> }
  | { resultType: 'matrix'; result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> }
  | { resultType: 'scalar'; result: [number, string] };

export class PrometheusClient {
  readonly url: string;

  constructor(url: string) {
    this.url = url.replace(/\/+$/, '');
  }

  /** The expression's value at `time` (default now). */
  async query(expr: string, time?: Date): Promise<PromSeries[]> {
    const params: Record<string, string> = { query: expr };
    if (time) params.time = String(time.getTime() / 1000);
    return seriesOf(await this.get<Payload>('/api/v1/query', params));
  }

  /** The expression evaluated every `stepS` seconds over [start, end]. */
  async queryRange(expr: string, start: Date, end: Date, stepS: number): Promise<PromSeries[]> {
    const seconds = (date: Date) => String(date.getTime() / 1000);
    const params = { query: expr, start: seconds(start), end: seconds(end), step: String(stepS) };
    return seriesOf(await this.get<Payload>('/api/v1/query_range', params));
  }

  /** Alerts pending or firing right now. */
  async alerts(): Promise<PromAlert[]> {
    return (await this.get<{ alerts: PromAlert[] }>('/api/v1/alerts', {})).alerts;
  }

  async targets(): Promise<PromTarget[]> {
    return (await this.get<{ activeTargets: PromTarget[] }>('/api/v1/targets', { state: 'active' })).activeTargets;
  }

  /** Names of the alerting rules Prometheus has loaded. */
  async alertRuleNames(): Promise<string[]> {
    type Rules = { groups: Array<{ rules: Array<{ name: string; type: string }> }> };
    const { groups } = await this.get<Rules>('/api/v1/rules', { type: 'alert' });
    return groups.flatMap((group) => group.rules.map((rule) => rule.name));
  }

  private async get<T>(path: string, params: Record<string, string>): Promise<T> {
    const address = `${this.url}${path}?${new URLSearchParams(params)}`;
    let response: Response;
    try {
      response = await fetch(address, { signal: AbortSignal.timeout(10_000) });
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
      const why = cause instanceof Error ? cause.message : String(cause);
      const fix = 'start the stack with `loadctl up`, or pass --prometheus-url';
      throw new UserError(`Prometheus at ${this.url} does not answer (${why}).`, fix, ExitCode.environment);
    }
    const body = (await response.json().catch(() => undefined)) as
      | { status?: string; data?: T; error?: string }
      | undefined;
    if (!response.ok || body?.status !== 'success' || body.data === undefined) {
      const why = body?.error ?? `HTTP ${response.status}`;
      const refused = `Prometheus refused ${path} (${why.replace(/\s+/g, ' ')}).`;
      throw new UserError(refused, `query: ${params.query ?? '-'}`, ExitCode.environment);
    }
    return body.data;
  }
}

function seriesOf(payload: Payload): PromSeries[] {
  switch (payload.resultType) {
    case 'vector':
      return payload.result.map(({ metric, value }) => ({ metric, samples: [[value[0], Number(value[1])]] }));
    case 'matrix':
      return payload.result.map(({ metric, values }) => ({
        metric,
        samples: values.map(([t, v]) => [t, Number(v)] as [number, number]),
      }));
    case 'scalar':
      return [{ metric: {}, samples: [[payload.result[0], Number(payload.result[1])]] }];
  }
}

// The metrics of a raw stream that are not k6's built-in ones — a script's own Trend, Counter, Rate and Gauge —
// kept by name with what k6's summary shows of them, and the type each Metric line of the stream declared.
// Their samples are few next to HTTP's, so they take the scanner's general path.
import { LatencyHistogram, type LatencySnapshot } from './histogram.ts';
import type { MetricType } from './inputs/summary.ts';
import type { CustomMetric } from './model.ts';
import { entryOf } from '../shared/maps.ts';

/** k6's own metrics: what the report does not read of them is skipped, never taken for a custom metric. */
export const BUILTIN_PREFIXES = [
  'http_req',
  'group_duration',
  'iteration',
  'dropped_iterations',
  'vus',
  'data_',
  'checks',
  'browser_',
  'ws_',
  'grpc_',
];

/** The built-in k6 metrics the aggregate reads (HTTP, iterations, VUs, data, checks); readers skip the others. */
export const READ_BUILTIN_METRICS = [
  'http_req_duration',
  'iterations',
  'iteration_duration',
  'dropped_iterations',
  'vus',
  'vus_max',
  'data_received',
  'data_sent',
  'checks',
] as const;

export function isBuiltinMetric(name: string): boolean {
  return BUILTIN_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/** What the stream's Metric line says about a metric. */
export interface MetricDeclaration {
  type: MetricType;
  /** 'time' for durations in ms, 'data' for bytes, 'default' otherwise */
  contains: string;
}

export interface CustomSinkSnapshot {
  count: number;
  sum: number;
  nonZero: number;
  last: number;
  lastMs: number;
  values: LatencySnapshot;
}

class CustomSink {
  count = 0;
  sum = 0;
  nonZero = 0;
  last = Number.NaN;
  lastMs = Number.NEGATIVE_INFINITY;
  readonly values = new LatencyHistogram();

  add(timeMs: number, value: number): void {
    this.count += 1;
    this.sum += value;
    if (value !== 0) this.nonZero += 1;
    if (timeMs >= this.lastMs) {
      this.lastMs = timeMs;
      this.last = value;
    }
    this.values.record(value);
  }

  merge(other: CustomSink): void {
    this.count += other.count;
    this.sum += other.sum;
    this.nonZero += other.nonZero;
    if (other.lastMs >= this.lastMs) {
      this.lastMs = other.lastMs;
      this.last = other.last;
    }
    this.values.merge(other.values);
  }

  /** k6's summary values of a metric of this type (trend keys as the report uses them: p90, p95…). */
  model(type: MetricType, durationS: number): Record<string, number> {
    switch (type) {
      case 'counter':
        return { count: this.sum, ...(durationS > 0 ? { rate: this.sum / durationS } : {}) };
      case 'rate':
        return {
          rate: this.count > 0 ? this.nonZero / this.count : 0,
          nonZero: this.nonZero,
          zero: this.count - this.nonZero,
        };
      case 'gauge':
        return { value: this.last, min: this.values.minMs, max: this.values.maxMs };
      default: {
        const stats = this.values.stats();
        return stats ? { ...stats, p99: stats.p99 ?? Number.NaN, count: this.count } : { count: 0 };
      }
    }
  }

  toSnapshot(): CustomSinkSnapshot {
    return {
      count: this.count,
      sum: this.sum,
      nonZero: this.nonZero,
      last: this.last,
      lastMs: this.lastMs,
      values: this.values.toSnapshot(),
    };
  }

  static fromSnapshot(s: CustomSinkSnapshot): CustomSink {
    const sink = new CustomSink();
    Object.assign(sink, { count: s.count, sum: s.sum, nonZero: s.nonZero, last: s.last, lastMs: s.lastMs });
    sink.values.merge(LatencyHistogram.fromSnapshot(s.values));
    return sink;
  }
}

export interface CustomMetricsSnapshot {
  declared: [string, MetricDeclaration][];
  sinks: [string, CustomSinkSnapshot][];
}

const newSink = (): CustomSink => new CustomSink();

export class CustomMetrics {
  readonly declared = new Map<string, MetricDeclaration>();
  private readonly sinks = new Map<string, CustomSink>();

  declare(name: string, declaration: MetricDeclaration): void {
    this.declared.set(name, declaration);
  }

  add(metric: string, timeMs: number, value: number): void {
    entryOf(this.sinks, metric, newSink).add(timeMs, value);
  }

  /** The trend of a custom metric, for a threshold on any of its percentiles. */
  trend(metric: string): LatencyHistogram | undefined {
    return this.sinks.get(metric)?.values;
  }

  merge(other: CustomMetrics): void {
    for (const [name, declaration] of other.declared) this.declared.set(name, declaration);
    for (const [name, sink] of other.sinks) {
      const mine = this.sinks.get(name);
      if (mine) mine.merge(sink);
      else this.sinks.set(name, CustomSink.fromSnapshot(sink.toSnapshot()));
    }
  }

  /**
   * Every custom metric with the values k6's summary would show. A metric whose Metric line the stream lost
   * (a damaged or split file) is read as a trend: its samples then still show.
   */
  model(durationS: number): CustomMetric[] {
    return [...this.sinks]
      .map(([name, sink]) => {
        const declaration = this.declared.get(name);
        const type = declaration?.type ?? 'trend';
        const values = Object.entries(sink.model(type, durationS)).filter(([, value]) => Number.isFinite(value));
        return { name, type, contains: declaration?.contains, values: Object.fromEntries(values) };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  toSnapshot(): CustomMetricsSnapshot {
    return { declared: [...this.declared], sinks: [...this.sinks].map(([name, sink]) => [name, sink.toSnapshot()]) };
  }

  static fromSnapshot(s: CustomMetricsSnapshot): CustomMetrics {
    const custom = new CustomMetrics();
    for (const [name, declaration] of s.declared) custom.declared.set(name, declaration);
    for (const [name, sink] of s.sinks) custom.sinks.set(name, CustomSink.fromSnapshot(sink));
    return custom;
  }
}

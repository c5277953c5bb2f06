// The per-route request latency histogram, recorded by hand rather than with prom-client's Histogram:
// its observe() builds a labels object, validates it, hashes it into a string and finds the bucket by
// float-string property lookup on every call. On the catalogue read that was several microseconds of a
// ~200 µs request, plus the garbage (bench:api, README "Performance"). Here a route holds its series
// per status; recording is one Map lookup, a scan of 14 bounds and three increments. The registry sees
// the same metric a prom-client Histogram would give it (same get() shape, `sum` aggregation across
// workers), so /metrics, the cluster merge and scrapers cannot tell the difference.

type LatencyLabels = { method: string; route: string; status: string };

/** One sample as prom-client's registry reads it from a metric's get(). */
interface Sample {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

class Series {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(
    readonly labels: LatencyLabels,
    bucketCount: number,
  ) {
    this.counts = new Float64Array(bucketCount);
  }
}

/** A (method, route pattern) pair's series, one per status code; routes create theirs once at registration. */
export class RouteSeries {
  readonly byStatus = new Map<number, Series>();
  constructor(
    readonly method: string,
    readonly route: string,
  ) {}
}

export class RouteLatencyHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  /** by `${METHOD} ${route}`: looked up when routes register and for unmatched requests, not per matched request */
  private readonly routes = new Map<string, RouteSeries>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: readonly number[],
  ) {}

  /** The series holder of a route (one per method and pattern, however often it registers); keep it and pass it to record(). */
  route(method: string, route: string): RouteSeries {
    const key = `${method.toUpperCase()} ${route}`;
    let series = this.routes.get(key);
    if (!series) {
      series = new RouteSeries(method.toUpperCase(), route);
      this.routes.set(key, series);
    }
    return series;
  }

  /** Requests no route matched (404s, static files), by method (Node's parser bounds the set of methods). */
  unmatched(method: string): RouteSeries {
    return this.route(method, 'unmatched');
  }

  record(route: RouteSeries, status: number, seconds: number): void {
    let series = route.byStatus.get(status);
    if (!series) {
      series = new Series({ method: route.method, route: route.route, status: String(status) }, this.buckets.length);
      route.byStatus.set(status, series);
    }
    const buckets = this.buckets;
    let bucket = 0;
    while (bucket < buckets.length && seconds > (buckets[bucket] as number)) bucket++;
    if (bucket < buckets.length) series.counts[bucket] = (series.counts[bucket] as number) + 1;
    series.sum += seconds;
    series.count += 1;
  }

  /** What prom-client's Histogram#get gives: cumulative `_bucket` samples with `le`, then `+Inf`, `_sum`, `_count`. */
  get(): { name: string; help: string; type: string; aggregator: string; values: Sample[] } {
    const values: Sample[] = [];
    for (const route of this.routes.values()) {
      for (const series of route.byStatus.values()) {
        let cumulative = 0;
        this.buckets.forEach((bound, index) => {
          cumulative += series.counts[index] as number;
          values.push({
            metricName: `${this.name}_bucket`,
            labels: { le: bound, ...series.labels },
            value: cumulative,
          });
        });
        values.push(
          { metricName: `${this.name}_bucket`, labels: { le: '+Inf', ...series.labels }, value: series.count },
          { metricName: `${this.name}_sum`, labels: { ...series.labels }, value: series.sum },
          { metricName: `${this.name}_count`, labels: { ...series.labels }, value: series.count },
        );
      }
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    for (const route of this.routes.values()) route.byStatus.clear();
  }
}

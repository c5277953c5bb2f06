// The API's own view of a step, from its /metrics samples (server-metrics.ndjson): its latency percentile from
// the http_request_duration_seconds histogram (the difference between the last and first sample, all routes)
// and the most PostgreSQL pool clients that waited at once.
import type { ServerMetricsSample } from '../shared/run-dir.ts';

const BUCKET = /^http_request_duration_seconds_bucket\{(.*)\}$/;
const POOL_WAITING = /^api_db_pool_connections\{.*state="waiting".*\}$/;

function cumulativeBuckets(values: Record<string, number>): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const [key, value] of Object.entries(values)) {
    const labels = BUCKET.exec(key)?.[1];
    const le = labels && /(?:^|,)le="([^"]+)"/.exec(labels)?.[1];
    if (!le) continue;
    const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + value);
  }
  return buckets;
}

/** The q-quantile (0–1) in ms of the requests between two samples, interpolated within its bucket as Prometheus does. */
export function histogramQuantileMs(
  first: ServerMetricsSample,
  last: ServerMetricsSample,
  q: number,
): number | undefined {
  const before = cumulativeBuckets(first.values);
  const after = [...cumulativeBuckets(last.values)]
    .map(([bound, count]) => [bound, count - (before.get(bound) ?? 0)] as const)
    .sort((a, b) => a[0] - b[0]);
  const total = after.at(-1)?.[1] ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const [bound, count] of after) {
    if (count >= rank) {
      // past the last finite bucket Prometheus answers that bucket's bound
      if (!Number.isFinite(bound)) return lower * 1000;
      const inBucket = count - below;
      return (lower + (inBucket > 0 ? ((rank - below) / inBucket) * (bound - lower) : 0)) * 1000;
    }
    lower = Number.isFinite(bound) ? bound : lower;
    below = count;
  }
  return undefined;
}

export function serverView(samples: readonly ServerMetricsSample[]): { serverP95Ms?: number; poolWaitingMax?: number } {
  const first = samples[0];
  const last = samples.at(-1);
  const waiting = samples.flatMap((sample) =>
    Object.entries(sample.values)
      .filter(([key]) => POOL_WAITING.test(key))
      .map(([, value]) => value),
  );
  return {
    serverP95Ms: first && last && first !== last ? histogramQuantileMs(first, last, 0.95) : undefined,
    poolWaitingMax: waiting.length ? Math.max(...waiting) : undefined,
  };
}

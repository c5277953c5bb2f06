// Prometheus metrics. Every process (workers and the primary) registers these in its own registry; the
// primary merges them with AggregatorRegistry.aggregate, summing counters/histograms and applying the
// per-metric `aggregator` where a sum would be wrong. Names are documented in reference-api/README.md.
import client, { type Metric } from 'prom-client';
import { ApiError } from './http/errors.ts';
import { RouteLatencyHistogram } from './http/route-latency.ts';

export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });

export const httpDuration = new RouteLatencyHistogram(
  'http_request_duration_seconds',
  'HTTP request latency by method, Express route pattern and status code',
  [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
);
// prom-client's typings admit only its own four metric classes; its registry reads name, get() and reset()
registry.registerMetric(httpDuration as unknown as Metric);

/**
 * A counter series bumped on a hot path: `add()` is a plain increment, folded into the prom-client counter
 * whenever the registry reads it (prom-client's inc() builds and hashes a label string on every call).
 */
export class Tally {
  private pending = 0;
  constructor(private readonly series: { inc(value: number): void }) {}
  add(): void {
    this.pending++;
  }
  fold(): void {
    if (this.pending === 0) return;
    this.series.inc(this.pending);
    this.pending = 0;
  }
}

const cacheTallies: Tally[] = [];

export const cacheRequests = new client.Counter({
  name: 'api_cache_requests_total',
  help: 'Catalogue cache lookups by layer (local = in-process, redis) and result (hit, miss)',
  labelNames: ['layer', 'result'] as const,
  registers: [registry],
  collect() {
    for (const tally of cacheTallies) tally.fold();
  },
});

/** A catalogue cache lookup counter for the read path (one per layer and result). */
export function cacheTally(layer: 'local' | 'redis', result: 'hit' | 'miss'): Tally {
  const tally = new Tally(cacheRequests.labels(layer, result));
  cacheTallies.push(tally);
  return tally;
}

export const redisErrors = new client.Counter({
  name: 'api_redis_errors_total',
  help: 'Redis commands that failed or were short-circuited by the open breaker, by operation',
  labelNames: ['op'] as const,
  registers: [registry],
});

export const dbErrors = new client.Counter({
  name: 'api_db_errors_total',
  help: 'PostgreSQL queries that failed (timeouts, connection errors), by operation',
  labelNames: ['op'] as const,
  registers: [registry],
});

export const dbQueryDuration = new client.Histogram({
  name: 'api_db_query_duration_seconds',
  help: 'PostgreSQL operation latency (including pool wait), by operation',
  labelNames: ['op'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

/** Functions that refresh gauges read from live objects (pools) just before a scrape. */
const beforeScrape: Array<() => void> = [];
export function onScrape(refresh: () => void): void {
  beforeScrape.push(refresh);
}

export const dbPoolConnections = new client.Gauge({
  name: 'api_db_pool_connections',
  help: 'PostgreSQL pool connections by pool (primary, replica) and state (total, idle, waiting = queued requests), summed across workers',
  labelNames: ['pool', 'state'] as const,
  registers: [registry],
  collect() {
    for (const refresh of beforeScrape) refresh();
  },
});

export const dbPoolMax = new client.Gauge({
  name: 'api_db_pool_max',
  help: 'Configured maximum connections of the primary pool, summed across workers',
  registers: [registry],
});

export const breakerState = new client.Gauge({
  name: 'api_circuit_breaker_state',
  help: 'Circuit breaker state: 0 closed, 1 half-open, 2 open (max across workers)',
  labelNames: ['breaker'] as const,
  aggregator: 'max',
  registers: [registry],
});

export const queueTokens = new client.Gauge({
  name: 'api_queue_tokens',
  help: 'Waiting-queue tokens by state (waiting, active), as seen by the admission loop',
  labelNames: ['state'] as const,
  aggregator: 'max',
  registers: [registry],
});

export const queueAdmissions = new client.Counter({
  name: 'api_queue_admissions_total',
  help: 'Admission loop outcomes: admitted (WAITING → ACTIVE), dropped (waiting entry whose token was gone), expired (ACTIVE past its lifetime), recovered (token re-registered after Redis lost its data)',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export const queueMisplaced = new client.Gauge({
  name: 'api_queue_misplaced_tokens',
  help: 'Waiting users near the head of the queue whose position is not their arrival number: the order was rewritten',
  registers: [registry],
});

export const queueOrderViolations = new client.Counter({
  name: 'api_queue_order_violations_total',
  help: 'Users admitted from a queue position that is not the arrival number they were given: something rewrote the waiting queue (reordered it)',
  registers: [registry],
});

export const queueRejections = new client.Counter({
  name: 'api_queue_rejections_total',
  help: 'Protected requests refused by the token check, by reason (missing, invalid, foreign, waiting, expired)',
  labelNames: ['reason'] as const,
  registers: [registry],
});

export const queueDegraded = new client.Counter({
  name: 'api_queue_degraded_checks_total',
  help: 'Token checks decided from the signature alone because Redis was unreachable',
  registers: [registry],
});

export const bookings = new client.Counter({
  name: 'api_bookings_total',
  help: 'Reservation, payment and recharge outcomes by operation and result code',
  labelNames: ['operation', 'result'] as const,
  registers: [registry],
});

/** Run a booking operation and count its outcome: `ok`, the refusal code (e.g. SEAT_UNAVAILABLE), or `error`. */
export async function counted<T>(operation: string, work: () => Promise<T>): Promise<T> {
  try {
    const result = await work();
    bookings.inc({ operation, result: 'ok' });
    return result;
  } catch (error) {
    bookings.inc({ operation, result: error instanceof ApiError ? error.code : 'error' });
    throw error;
  }
}

export const holdsExpired = new client.Counter({
  name: 'api_holds_expired_total',
  help: 'Seat holds released by the expiry sweeper',
  registers: [registry],
});

export const leakRetainedBytes = new client.Gauge({
  name: 'api_leak_retained_bytes',
  help: 'Bytes retained by the memory-leak fault switch',
  registers: [registry],
});

export const chaosInjected = new client.Counter({
  name: 'api_chaos_injected_total',
  help: 'Requests given artificial latency or failure by the chaos setting, by kind (latency, error)',
  labelNames: ['kind'] as const,
  registers: [registry],
});

export const workerInfo = new client.Gauge({
  name: 'api_workers',
  help: 'API worker processes serving requests',
  aggregator: 'sum',
  registers: [registry],
});

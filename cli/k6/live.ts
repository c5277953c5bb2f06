// Live figures of a running k6, read from its REST API (/v1/metrics/<id>) once a second: the aggregate numbers
// k6 already keeps, so following a run needs no parsing of its terminal output and costs k6 little.
import { z } from 'zod';

const MetricsResponse = z.object({
  data: z.array(
    z.object({
      id: z.string(),
      attributes: z.object({ sample: z.record(z.string(), z.number()).nullable().optional() }),
    }),
  ),
});

/** Cumulative counters and current values of one k6 process. */
export interface K6Snapshot {
  httpReqs: number;
  failedRequests: number;
  iterations: number;
  droppedIterations: number;
  vus: number;
  p95Ms?: number;
}

export function snapshotFromMetrics(body: unknown): K6Snapshot {
  const parsed = MetricsResponse.safeParse(body);
  const sample = (id: string): Record<string, number> =>
    parsed.success ? (parsed.data.data.find((metric) => metric.id === id)?.attributes.sample ?? {}) : {};
  const reqs = sample('http_reqs').count ?? 0;
  return {
    httpReqs: reqs,
    // http_req_failed is a Rate: rate = failed / total
    failedRequests: Math.round((sample('http_req_failed').rate ?? 0) * reqs),
    iterations: sample('iterations').count ?? 0,
    droppedIterations: sample('dropped_iterations').count ?? 0,
    vus: sample('vus').value ?? 0,
    // a browser run's requests are Chromium's (browser_http_req_duration)
    p95Ms: sample('http_req_duration')['p(95)'] ?? sample('browser_http_req_duration')['p(95)'],
  };
}

/** The metrics the live line reads. Asked for one by one: /v1/metrics formats every metric k6 has, sorting
 *  every trend's samples (eight per HTTP request) under the lock k6's metrics engine ingests samples with —
 *  once a second for the whole run. One by one, only the request duration's trend is sorted. */
const LIVE_METRICS = [
  'http_reqs',
  'http_req_failed',
  'iterations',
  'dropped_iterations',
  'vus',
  'http_req_duration',
  'browser_http_req_duration',
] as const;

const MetricEnvelope = z.object({ data: z.unknown() });

export async function fetchSnapshot(address: string): Promise<K6Snapshot | undefined> {
  const signal = AbortSignal.timeout(900);
  try {
    const metrics = await Promise.all(
      LIVE_METRICS.map(async (id) => {
        const response = await fetch(`http://${address}/v1/metrics/${id}`, { signal });
        // 404: k6 has not seen this metric (yet): no dropped iteration, no browser
        if (response.status === 404) return [];
        if (!response.ok) throw new Error(`k6 answered ${response.status}`);
        return [MetricEnvelope.parse(await response.json()).data];
      }),
    );
    return snapshotFromMetrics({ data: metrics.flat() });
  } catch {
    return undefined; // k6 not listening yet, or already gone
  }
}

/** Several segments' snapshots as one (p95: the worst segment's, a conservative stand-in for the merged one). */
export function combineSnapshots(snapshots: readonly K6Snapshot[]): K6Snapshot {
  const p95s = snapshots.map((s) => s.p95Ms).filter((p): p is number => p !== undefined);
  return {
    httpReqs: snapshots.reduce((sum, s) => sum + s.httpReqs, 0),
    failedRequests: snapshots.reduce((sum, s) => sum + s.failedRequests, 0),
    iterations: snapshots.reduce((sum, s) => sum + s.iterations, 0),
    droppedIterations: snapshots.reduce((sum, s) => sum + s.droppedIterations, 0),
    vus: snapshots.reduce((sum, s) => sum + s.vus, 0),
    p95Ms: p95s.length ? Math.max(...p95s) : undefined,
  };
}

export interface ProgressFigures {
  elapsedS: number;
  plannedS: number;
  rps: number;
  p95Ms?: number;
  errorPercent: number;
  vus: number;
  droppedIterations: number;
}

/** Current rate from two snapshots `dtS` seconds apart; errors over the whole run so far. */
export function progressFigures(
  previous: K6Snapshot | undefined,
  current: K6Snapshot,
  dtS: number,
  elapsedS: number,
  plannedS: number,
): ProgressFigures {
  const rps = previous && dtS > 0 ? Math.max(0, (current.httpReqs - previous.httpReqs) / dtS) : 0;
  return {
    elapsedS,
    plannedS,
    rps,
    p95Ms: current.p95Ms,
    errorPercent: current.httpReqs ? (100 * current.failedRequests) / current.httpReqs : 0,
    vus: current.vus,
    droppedIterations: current.droppedIterations,
  };
}

const clock = (seconds: number): string =>
  `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;

export function formatProgress(f: ProgressFigures): string {
  const p95 = f.p95Ms === undefined ? '-' : f.p95Ms < 10 ? f.p95Ms.toFixed(2) : f.p95Ms.toFixed(0);
  const dropped = f.droppedIterations ? `  dropped ${f.droppedIterations}` : '';
  return `${clock(f.elapsedS)}/${clock(f.plannedS)}  ${Math.round(f.rps)} req/s  p95 ${p95} ms  errors ${f.errorPercent.toFixed(2)} %  VUs ${f.vus}${dropped}`;
}

// The few figures a person wants the moment a run ends, from k6's handleSummary data of each segment, and why
// iterations were dropped (the flaw the seed's report missed).
import { droppedIterationCause } from '../report/dropped-iterations.ts';
import { ReportInputError } from '../report/inputs/input-error.ts';
import { parseHandleSummary } from '../report/inputs/summary-handle.ts';
import type { NormalizedSummary } from '../report/inputs/summary.ts';
import type { ScenarioSpec } from '../../scenarios/lib/shapes.ts';

/** A segment's summary.json, read by the report engine's handleSummary reader; undefined when it is not one. */
export function parseSummary(json: unknown, file = 'summary.json'): NormalizedSummary | undefined {
  try {
    return parseHandleSummary(json, file);
  } catch (error) {
    if (error instanceof ReportInputError) return undefined;
    throw error;
  }
}

export interface RunDigest {
  httpReqs: number;
  rps: number;
  p95Ms?: number;
  p99Ms?: number;
  /** unexpected failures only: 409 seat taken is declared expected */
  failedPercent: number;
  expectedConflicts: number;
  iterations: number;
  droppedIterations: number;
  avgIterationMs?: number;
  checksPercent?: number;
  failedThresholds: string[];
}

/**
 * One digest of one or more summaries (one per execution segment). Counts add up; for split runs the
 * percentiles are the worst segment's (the exact merged figures come from the raw streams, in the report).
 */
export function digestSummaries(summaries: readonly NormalizedSummary[]): RunDigest {
  const values = (name: string): Record<string, number>[] => summaries.map((s) => s.metrics.get(name)?.values ?? {});
  const sum = (name: string, key: string): number => values(name).reduce((total, v) => total + (v[key] ?? 0), 0);
  const worst = (name: string, key: string): number | undefined => {
    const found = values(name).map((v) => v[key]).filter((v): v is number => v !== undefined);
    return found.length ? Math.max(...found) : undefined;
  };
  // A browser run makes its requests through Chromium: k6 reports them as browser_http_req_duration.
  // (a trend has no count, so the count comes from the browser_http_req_failed rate's samples).
  const browserOnly = summaries.every((s) => !s.metrics.has('http_reqs') && s.metrics.has('browser_http_req_failed'));
  const duration = browserOnly ? 'browser_http_req_duration' : 'http_req_duration';
  const httpReqs = browserOnly
    ? sum('browser_http_req_failed', 'nonZero') + sum('browser_http_req_failed', 'zero')
    : sum('http_reqs', 'count');
  const runSeconds = Math.max(0, ...summaries.map((s) => s.durationS ?? 0));
  const failedRequests = sum('http_req_failed', 'nonZero');
  const checkPasses = sum('checks', 'nonZero');
  const checkTotal = checkPasses + sum('checks', 'zero');
  const failedThresholds = [
    ...new Set(
      summaries.flatMap((s) =>
        [...s.metrics].flatMap(([name, metric]) =>
          metric.thresholds.filter((threshold) => !threshold.ok).map(({ expression }) => `${name}: ${expression}`),
        ),
      ),
    ),
  ];
  return {
    httpReqs,
    rps: browserOnly ? (runSeconds ? httpReqs / runSeconds : 0) : sum('http_reqs', 'rate'),
    p95Ms: worst(duration, 'p95'),
    p99Ms: worst(duration, 'p99'),
    failedPercent: httpReqs ? (100 * failedRequests) / httpReqs : 0,
    expectedConflicts: sum('business_conflicts', 'count'),
    iterations: sum('iterations', 'count'),
    droppedIterations: sum('dropped_iterations', 'count'),
    avgIterationMs: worst('iteration_duration', 'avg'),
    checksPercent: checkTotal ? (100 * checkPasses) / checkTotal : undefined,
    failedThresholds,
  };
}

/** Why k6 dropped iterations, in words (the report engine's explanation, from the planned scenarios). */
export function explainDroppedIterations(digest: RunDigest, scenarios: Record<string, ScenarioSpec>): string | undefined {
  if (digest.droppedIterations === 0) return undefined;
  const cause = droppedIterationCause({ avgIterationMs: digest.avgIterationMs, planned: scenarios });
  return `k6 dropped ${digest.droppedIterations} iterations — load that was asked for and never sent.${cause}`;
}

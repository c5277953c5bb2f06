// The few figures a person wants the moment a run ends, from k6's handleSummary data of each segment, and why
// iterations were dropped (the flaw the seed's report missed).
import { droppedIterationCause } from '../report/dropped-iterations.ts';
import { ReportInputError } from '../report/inputs/input-error.ts';
import { looksLikeHandleSummary, parseHandleSummary } from '../report/inputs/summary-handle.ts';
import { looksLikeLegacySummary, parseLegacySummary } from '../report/inputs/summary-legacy.ts';
import { looksLikeMachineSummary, parseMachineSummary } from '../report/inputs/summary-machine.ts';
import type { NormalizedSummary } from '../report/inputs/summary.ts';
import type { ScenarioSpec } from '../../scenarios/lib/shapes.ts';

// Our workloads write handleSummary data; a user's script gets k6's own export (its handleSummary is its own),
// in the machine-readable shape when they pass --new-machine-readable-summary.
// (in the order of the report engine's readers: the machine shape would pass for handleSummary data)
const SUMMARY_READERS = [
  [looksLikeMachineSummary, parseMachineSummary],
  [looksLikeHandleSummary, parseHandleSummary],
  [looksLikeLegacySummary, parseLegacySummary],
] as const;

/** A segment's summary.json, read by the report engine's summary readers; undefined when it is none of them. */
export function parseSummary(json: unknown, file = 'summary.json'): NormalizedSummary | undefined {
  const parse = SUMMARY_READERS.find(([looksLike]) => looksLike(json))?.[1];
  if (!parse) return undefined;
  try {
    return parse(json, file);
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
    const found = values(name)
      .map((v) => v[key])
      .filter((v): v is number => v !== undefined);
    return found.length ? Math.max(...found) : undefined;
  };
  // Chromium's page requests (k6/browser) count like HTTP requests, as in the report: k6 reports them as
  // browser_http_req_*, and a trend has no count, so theirs comes from the browser_http_req_failed rate.
  const browserReqs = sum('browser_http_req_failed', 'nonZero') + sum('browser_http_req_failed', 'zero');
  const httpReqs = sum('http_reqs', 'count') + browserReqs;
  const runSeconds = Math.max(0, ...summaries.map((s) => s.durationS ?? 0));
  // with both kinds, the worse p95 of the two (the exact merged figure is the report's)
  const latency = (key: string): number | undefined => {
    const found = ['http_req_duration', 'browser_http_req_duration']
      .map((name) => worst(name, key))
      .filter((v): v is number => v !== undefined);
    return found.length ? Math.max(...found) : undefined;
  };
  const failedRequests = sum('http_req_failed', 'nonZero') + sum('browser_http_req_failed', 'nonZero');
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
    rps: sum('http_reqs', 'rate') + (runSeconds ? browserReqs / runSeconds : 0),
    p95Ms: latency('p95'),
    p99Ms: latency('p99'),
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
export function explainDroppedIterations(
  digest: RunDigest,
  scenarios: Record<string, ScenarioSpec>,
): string | undefined {
  if (digest.droppedIterations === 0) return undefined;
  const cause = droppedIterationCause({ avgIterationMs: digest.avgIterationMs, planned: scenarios });
  return `k6 dropped ${digest.droppedIterations} iterations — load that was asked for and never sent.${cause}`;
}

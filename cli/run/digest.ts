// The few figures a person wants the moment a run ends, read from k6's handleSummary data, and the
// explanation of dropped iterations (the flaw the seed's report missed).
import { z } from 'zod';
import type { ScenarioSpec } from '../../scenarios/lib/shapes.ts';

const SummaryMetric = z.object({
  type: z.string(),
  values: z.record(z.string(), z.number()),
  thresholds: z.record(z.string(), z.object({ ok: z.boolean() })).optional(),
});
const SummaryData = z.object({ metrics: z.record(z.string(), SummaryMetric), state: z.object({ testRunDurationMs: z.number() }).partial().optional() });
export type SummaryData = z.infer<typeof SummaryData>;

export function parseSummary(json: unknown): SummaryData | undefined {
  const parsed = SummaryData.safeParse(json);
  return parsed.success ? parsed.data : undefined;
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
export function digestSummaries(summaries: readonly SummaryData[]): RunDigest {
  const values = (name: string): Record<string, number>[] => summaries.map((s) => s.metrics[name]?.values ?? {});
  const sum = (name: string, key: string): number => values(name).reduce((total, v) => total + (v[key] ?? 0), 0);
  const worst = (name: string, key: string): number | undefined => {
    const found = values(name).map((v) => v[key]).filter((v): v is number => v !== undefined);
    return found.length ? Math.max(...found) : undefined;
  };
  // Chromium's page requests (k6/browser) count like HTTP requests, as in the report: k6 reports them as
  // browser_http_req_*, and a trend has no count, so theirs comes from the browser_http_req_failed rate.
  const browserReqs = sum('browser_http_req_failed', 'passes') + sum('browser_http_req_failed', 'fails');
  const httpReqs = sum('http_reqs', 'count') + browserReqs;
  const runSeconds = Math.max(0, ...summaries.map((s) => s.state?.testRunDurationMs ?? 0)) / 1000;
  // with both kinds, the worse p95 of the two (the exact merged figure is the report's)
  const latency = (key: string): number | undefined => {
    const found = ['http_req_duration', 'browser_http_req_duration'].map((name) => worst(name, key)).filter((v): v is number => v !== undefined);
    return found.length ? Math.max(...found) : undefined;
  };
  const failedRequests = sum('http_req_failed', 'passes') + sum('browser_http_req_failed', 'passes');
  const checkPasses = sum('checks', 'passes');
  const checkTotal = checkPasses + sum('checks', 'fails');
  const failedThresholds = [
    ...new Set(
      summaries.flatMap((s) =>
        Object.entries(s.metrics).flatMap(([name, metric]) =>
          Object.entries(metric.thresholds ?? {})
            .filter(([, result]) => !result.ok)
            .map(([expression]) => `${name}: ${expression}`),
        ),
      ),
    ),
  ];
  return {
    httpReqs,
    rps: sum('http_reqs', 'rate') + (runSeconds ? browserReqs / runSeconds : 0),
    p95Ms: latency('p(95)'),
    p99Ms: latency('p(99)'),
    failedPercent: httpReqs ? (100 * failedRequests) / httpReqs : 0,
    expectedConflicts: sum('business_conflicts', 'count'),
    iterations: sum('iterations', 'count'),
    droppedIterations: sum('dropped_iterations', 'count'),
    avgIterationMs: worst('iteration_duration', 'avg'),
    checksPercent: checkTotal ? (100 * checkPasses) / checkTotal : undefined,
    failedThresholds,
  };
}

/**
 * Why k6 dropped iterations, in words. An arrival-rate scenario can start at most maxVUs / iteration time
 * iterations per second: asking for more drops the rest for the whole run (the seed's flaw). When that
 * ceiling is above the target, the drops came in bursts instead: responses slowed, every pre-allocated VU
 * was busy, and the VUs k6 initialised mid-run arrived too late.
 */
export function explainDroppedIterations(digest: RunDigest, scenarios: Record<string, ScenarioSpec>): string | undefined {
  if (digest.droppedIterations === 0) return undefined;
  const parts = Object.entries(scenarios).flatMap(([name, s]) => {
    if (s.executor !== 'ramping-arrival-rate' && s.executor !== 'constant-arrival-rate') return [];
    const target = s.executor === 'ramping-arrival-rate' ? Math.max(s.startRate, ...s.stages.map((stage) => stage.target)) : s.rate;
    const think = Number(s.env?.THINK_SECONDS ?? 0);
    const ceiling = digest.avgIterationMs ? Math.round(s.maxVUs / (digest.avgIterationMs / 1000)) : undefined;
    if (ceiling !== undefined && ceiling < target) {
      const because = think > 0 ? ` because every iteration sleeps ${think} s` : '';
      return [`'${name}' asked for up to ${target} iterations/s, but with maxVUs ${s.maxVUs} and iterations averaging ${Math.round(digest.avgIterationMs!)} ms${because} it could start at most ~${ceiling}/s`];
    }
    return [`'${name}' had room on average (maxVUs ${s.maxVUs}), so the drops came in bursts: responses slowed, all ${s.preAllocatedVUs} pre-allocated VUs were busy and the ones k6 initialised mid-run came too late`];
  });
  const why = parts.length ? `: ${parts.join('; ')}` : '';
  return `k6 dropped ${digest.droppedIterations} iterations — load that was asked for and never sent${why}. Size maxVUs for rate × iteration time, pre-allocate enough VUs, and never sleep in an arrival-rate iteration.`;
}

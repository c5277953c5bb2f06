import { describe, expect, it } from 'vitest';
import { buildShape } from '../../scenarios/lib/shapes.ts';
import { digestSummaries, explainDroppedIterations, parseSummary } from './digest.ts';

const summary = (over: Record<string, Record<string, number>> = {}) =>
  parseSummary({
    metrics: {
      http_reqs: { type: 'counter', values: { count: 1000, rate: 100 } },
      http_req_failed: { type: 'rate', values: { rate: 0.002, passes: 2, fails: 998 } },
      http_req_duration: {
        type: 'trend',
        values: { 'p(95)': 12, 'p(99)': 30 },
        thresholds: { 'p(95)<10': { ok: false } },
      },
      iterations: { type: 'counter', values: { count: 1000, rate: 100 } },
      iteration_duration: { type: 'trend', values: { avg: 1004 } },
      dropped_iterations: { type: 'counter', values: { count: 155_063, rate: 1636 } },
      business_conflicts: { type: 'counter', values: { count: 7, rate: 0.7 } },
      ...Object.fromEntries(Object.entries(over).map(([k, v]) => [k, { type: 'counter', values: v }])),
    },
  })!;

describe('run digest', () => {
  it('sums segments and keeps the worst percentile', () => {
    const digest = digestSummaries([summary(), summary({ http_req_duration: { 'p(95)': 20 } })]);
    expect(digest).toMatchObject({
      httpReqs: 2000,
      rps: 200,
      p95Ms: 20,
      failedPercent: 0.2,
      expectedConflicts: 14,
      droppedIterations: 310_126,
    });
    expect(digest.failedThresholds).toEqual(['http_req_duration: p(95)<10']);
  });

  it("explains the seed's dropped iterations", () => {
    const text = explainDroppedIterations(digestSummaries([summary()]), buildShape('seed').scenarios)!;
    expect(text).toContain('k6 dropped 155063 iterations');
    expect(text).toContain(
      "'peak_test' asked for up to 5000 iterations/s, but with maxVUs 500 and iterations averaging 1004 ms because every iteration sleeps 1 s it could start at most ~498/s",
    );
    const burst = explainDroppedIterations(
      { ...digestSummaries([summary()]), avgIterationMs: 4 },
      buildShape('peak').scenarios,
    )!;
    expect(burst).toContain('drops came in bursts');
    expect(
      explainDroppedIterations({ ...digestSummaries([summary()]), droppedIterations: 0 }, buildShape('seed').scenarios),
    ).toBeUndefined();
  });

  it('counts a browser run by its Chromium requests', () => {
    const browser = parseSummary({
      metrics: {
        browser_http_req_duration: { type: 'trend', values: { 'p(95)': 461 } },
        browser_http_req_failed: { type: 'rate', values: { rate: 0.1, passes: 4, fails: 36 } },
        checks: { type: 'rate', values: { rate: 1, passes: 20, fails: 0 } },
      },
      state: { testRunDurationMs: 8000 },
    })!;
    // the 4 failed page requests count as failures, as the report counts them
    expect(digestSummaries([browser])).toMatchObject({
      httpReqs: 40,
      rps: 5,
      p95Ms: 461,
      failedPercent: 10,
      checksPercent: 100,
    });
  });

  it('counts HTTP and browser requests together in a hybrid run, with the worse p95', () => {
    const hybrid = parseSummary({
      metrics: {
        http_reqs: { type: 'counter', values: { count: 80, rate: 10 } },
        http_req_duration: { type: 'trend', values: { 'p(95)': 40 } },
        http_req_failed: { type: 'rate', values: { rate: 0, passes: 0, fails: 80 } },
        browser_http_req_duration: { type: 'trend', values: { 'p(95)': 461 } },
        browser_http_req_failed: { type: 'rate', values: { rate: 0, passes: 0, fails: 40 } },
      },
      state: { testRunDurationMs: 8000 },
    })!;
    expect(digestSummaries([hybrid])).toMatchObject({ httpReqs: 120, rps: 15, p95Ms: 461, failedPercent: 0 });
  });

  it('rejects data that is not a k6 summary', () => {
    expect(parseSummary({ hello: 1 })).toBeUndefined();
  });
});

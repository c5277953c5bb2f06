import { describe, expect, it } from 'vitest';
import { combineSnapshots, formatProgress, progressFigures, snapshotFromMetrics } from './live.ts';

// The shape of k6's GET /v1/metrics, as k6 v2.2 answered it.
const body = {
  data: [
    { type: 'metrics', id: 'http_reqs', attributes: { type: 'counter', sample: { count: 1000, rate: 500 } } },
    { type: 'metrics', id: 'http_req_failed', attributes: { type: 'rate', sample: { rate: 0.01 } } },
    { type: 'metrics', id: 'http_req_duration', attributes: { type: 'trend', sample: { avg: 2, 'p(95)': 4.5 } } },
    { type: 'metrics', id: 'vus', attributes: { type: 'gauge', sample: { value: 12 } } },
    { type: 'metrics', id: 'dropped_iterations', attributes: { type: 'counter', sample: { count: 3, rate: 1 } } },
  ],
};

describe('live progress', () => {
  it('reads k6 REST metrics', () => {
    expect(snapshotFromMetrics(body)).toEqual({
      httpReqs: 1000,
      failedRequests: 10,
      iterations: 0,
      droppedIterations: 3,
      vus: 12,
      p95Ms: 4.5,
    });
    expect(snapshotFromMetrics({ nonsense: true })).toMatchObject({ httpReqs: 0, p95Ms: undefined });
    const browser = {
      data: [
        { type: 'metrics', id: 'browser_http_req_duration', attributes: { type: 'trend', sample: { 'p(95)': 128.3 } } },
      ],
    };
    expect(snapshotFromMetrics(browser).p95Ms).toBe(128.3);
  });

  it('computes the current rate between snapshots and combines segments', () => {
    const a = snapshotFromMetrics(body);
    const b = { ...a, httpReqs: 3000 };
    const figures = progressFigures(a, b, 2, 12, 70);
    expect(figures.rps).toBe(1000);
    expect(formatProgress(figures)).toBe('0:12/1:10  1000 req/s  p95 4.50 ms  errors 0.33 %  VUs 12  dropped 3');
    expect(combineSnapshots([a, { ...a, p95Ms: 9 }])).toMatchObject({ httpReqs: 2000, vus: 24, p95Ms: 9 });
  });
});

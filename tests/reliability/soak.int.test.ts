// Soak (LOADCTL_LONG=1, or `npm run soak`): the real `soak` shape through k6 against a fresh stack.
// Leak off for LOADCTL_SOAK_MINUTES (default 10): RSS must stay flat (least-squares slope of the RSS
// floor after warm-up), p95 steady (every minute within the shape's threshold; early vs late half
// reported) and every data invariant intact afterwards. Then the API's leak switch on for a shorter run:
// the same measure must show the leak plainly.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadReportModel, type ReportModel } from '../../cli/report/index.ts';
import { executeRun } from '../../cli/run/run.ts';
import { adminClient } from '../../cli/stack/admin-client.ts';
import { REPO_ROOT } from '../../cli/shared/paths.ts';
import { startTestStack, type TestStack } from '../../cli/stack/test-stack.ts';
import { verifyInvariants } from '../../cli/verify/index.ts';
import { linearTrend, quantile, windowFloors } from './trend.ts';

const LONG = process.env.LOADCTL_LONG === '1';
const SOAK_MINUTES = Number(process.env.LOADCTL_SOAK_MINUTES ?? 10);
const LEAK_MINUTES = Number(process.env.LOADCTL_LEAK_MINUTES ?? 3);
/** 300 iterations/s of the booking journey is more than two shared cores sustain for long; 0.1 keeps 30/s */
const SCALE = Number(process.env.LOADCTL_SOAK_SCALE ?? 0.1);
const WARM_UP_S = 60;
/** RSS floors are taken per window of this many seconds (see windowFloors) */
const FLOOR_WINDOW_S = 30;
/**
 * Flat means the RSS floor drifts less than 5 MB/min (50 MB over 10 min, about an eighth of the API's
 * ~400 MB): ten times below what the leak switch at 4 KB per request adds at this rate (~45 MB/min).
 * A 10-minute run on a shared machine measured 3.3 MB/min with the leak off, 50 MB/min with it on.
 */
const FLAT_RSS_MB_PER_MIN = 5;
/** Steady means every minute's typical p95 stays within the soak shape's own threshold (p(95)<200 ms). */
const SOAK_P95_LIMIT_MS = 200;
const LEAK_BYTES_PER_REQUEST = 4096;

interface SoakFigures {
  runDir: string;
  minutes: number;
  requests: number;
  rssStartMb: number;
  rssEndMb: number;
  /** least-squares slope through every RSS sample after warm-up */
  rssSlopeMbPerMin: number;
  /** least-squares slope through the per-window RSS floors: the drift measure the bars apply to */
  rssFloorSlopeMbPerMin: number;
  rssFloorR2: number;
  p95EarlyMs: number;
  p95LateMs: number;
  /** the worst minute: the median of its per-bucket p95s */
  p95WorstMinuteMs: number;
  p95OverallMs: number;
  failed: number;
}

function figures(model: ReportModel, runDir: string, minutes: number): SoakFigures {
  const rss = model.server.find((signal) => signal.id === 'rss');
  expect(rss, 'the run sampled the API RSS from /metrics').toBeDefined();
  const points = (rss?.points ?? [])
    .filter((point) => point.tS >= WARM_UP_S)
    .map((point) => ({ t: point.tS, value: point.value }));
  const trend = linearTrend(points);
  const floorTrend = linearTrend(windowFloors(points, FLOOR_WINDOW_S));
  const buckets = model.timeline.filter(
    (bucket) => bucket.startS >= WARM_UP_S && bucket.p95 !== undefined && bucket.requests > 0,
  );
  const half = Math.floor(buckets.length / 2);
  const p95 = (list: typeof buckets) =>
    quantile(
      list.map((bucket) => bucket.p95 ?? 0),
      0.5,
    );
  const byMinute = new Map<number, typeof buckets>();
  for (const bucket of buckets)
    byMinute.set(Math.floor(bucket.startS / 60), [...(byMinute.get(Math.floor(bucket.startS / 60)) ?? []), bucket]);
  return {
    runDir,
    minutes,
    requests: model.overview.requests ?? 0,
    rssStartMb: points[0]?.value ?? Number.NaN,
    rssEndMb: points.at(-1)?.value ?? Number.NaN,
    rssSlopeMbPerMin: trend.slopePerS * 60,
    rssFloorSlopeMbPerMin: floorTrend.slopePerS * 60,
    rssFloorR2: floorTrend.r2,
    p95EarlyMs: p95(buckets.slice(0, half)),
    p95LateMs: p95(buckets.slice(half)),
    p95WorstMinuteMs: Math.max(...[...byMinute.values()].map(p95)),
    p95OverallMs: model.overview.latency?.p95 ?? Number.NaN,
    failed: model.overview.failed ?? 0,
  };
}

describe.runIf(LONG)('soak', () => {
  let stack: TestStack;
  // run directories and soak-figures.json go to reports/ (kept, git-ignored) unless LOADCTL_SOAK_REPORTS says otherwise
  const reportsDir = process.env.LOADCTL_SOAK_REPORTS ?? join(REPO_ROOT, 'reports');
  const results: Record<string, SoakFigures> = {};

  beforeAll(async () => {
    mkdirSync(reportsDir, { recursive: true });
    // every journey VU books as one user and never recharges: give them enough money for an hour of payments
    stack = await startTestStack({ apiWorkers: 2, seedSizes: { balance: 1_000_000_000_000 } });
  });

  afterAll(async () => {
    writeFileSync(join(reportsDir, 'soak-figures.json'), `${JSON.stringify(results, null, 2)}\n`);
    console.info(
      `soak figures (also in ${join(reportsDir, 'soak-figures.json')}):\n${JSON.stringify(results, null, 2)}`,
    );
    await stack?.stop();
  });

  async function soak(minutes: number): Promise<SoakFigures> {
    const outcome = await executeRun({
      shape: 'soak',
      workload: 'journey',
      scale: SCALE,
      duration: `${minutes}m`,
      target: stack.state.api.url,
      allowRemote: false,
      segments: 1,
      reportsDir,
    });
    return figures(await loadReportModel(outcome.runDir), outcome.runDir, minutes);
  }

  it(
    `leak off for ${SOAK_MINUTES} min: flat RSS, steady p95, invariants intact`,
    async () => {
      const off = await soak(SOAK_MINUTES);
      results['leak-off'] = off;
      expect(Math.abs(off.rssFloorSlopeMbPerMin)).toBeLessThan(FLAT_RSS_MB_PER_MIN);
      expect(off.p95WorstMinuteMs).toBeLessThan(SOAK_P95_LIMIT_MS);
      const report = await verifyInvariants(stack.state);
      expect(report.checks.filter((check) => check.status === 'violated')).toEqual([]);
    },
    (SOAK_MINUTES + 5) * 60_000,
  );

  it(
    `leak on for ${LEAK_MINUTES} min (${LEAK_BYTES_PER_REQUEST} B per request): the leak is plain in the RSS slope`,
    async () => {
      await adminClient(stack.state).leak({ enabled: true, bytesPerRequest: LEAK_BYTES_PER_REQUEST });
      try {
        const on = await soak(LEAK_MINUTES);
        results['leak-on'] = on;
        // the retained bytes alone: requests/s × bytes per request, in MB/min
        const expectedMbPerMin = (on.requests / (LEAK_MINUTES * 60)) * LEAK_BYTES_PER_REQUEST * 60 * 1e-6;
        expect(on.rssFloorSlopeMbPerMin).toBeGreaterThan(Math.max(FLAT_RSS_MB_PER_MIN * 3, expectedMbPerMin * 0.5));
        expect(on.rssFloorR2).toBeGreaterThan(0.7);
      } finally {
        await adminClient(stack.state).leak({ enabled: false });
      }
    },
    (LEAK_MINUTES + 5) * 60_000,
  );
});

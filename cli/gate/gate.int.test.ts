// The gate end to end on the real stack and the real k6: a run passes against its own baseline, the API
// slowed by its chaos switch fails with readable JUnit and summary, and a 2-segment run matches a
// 1-process run of the same shape.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../shared/exit-codes.ts';
import { loadReportModel, writeReport } from '../report/index.ts';
import { executeRun } from '../run/run.ts';
import { adminClient } from '../stack/admin-client.ts';
import { startTestStack, type TestStack } from '../stack/test-stack.ts';
import { saveBaseline } from './baseline.ts';
import { runGate } from './index.ts';

let stack: TestStack;
const work = mkdtempSync(join(tmpdir(), 'loadctl-gate-int-'));
const reportsDir = join(work, 'reports');
const baselinesDir = join(work, 'baselines');

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

/** smoke on the cached concert list: 2 VUs with 0.2 s think time, ~90 requests in 10 s */
async function smokeRun(): Promise<string> {
  const outcome = await executeRun({
    shape: 'smoke',
    workload: 'concerts',
    scale: 1,
    target: stack.state.api.url,
    allowRemote: false,
    segments: 1,
    reportsDir,
  });
  expect(outcome.exitCode).toBe(ExitCode.ok);
  return outcome.runDir;
}

/**
 * The same smoke while the API adds 200 ms to every request: 15 s instead of 10 so that, at 0.4 s per
 * iteration, /concerts still gets the config's minimum of 50 requests to be gated.
 */
function slowSmokeRun() {
  return executeRun({
    shape: 'smoke',
    workload: 'concerts',
    scale: 1,
    duration: '15s',
    target: stack.state.api.url,
    allowRemote: false,
    segments: 1,
    reportsDir,
  });
}

describe('loadctl gate', () => {
  let baselineDir: string;

  it('passes a run against its own baseline', async () => {
    const runDir = await smokeRun();
    ({ dir: baselineDir } = await saveBaseline(
      runDir,
      'smoke-concerts',
      async (dir) => void (await writeReport(dir)),
      baselinesDir,
    ));
    const junit = join(work, 'self.junit.xml');
    const result = await runGate({
      runDirs: [runDir],
      baseline: baselineDir,
      configFile: 'loadctl.gate.yaml',
      junitFile: junit,
    });
    expect(result.status).toBe('passed');
    expect(result.exitCode).toBe(ExitCode.ok);
    expect(
      result.verdicts.filter((v) => v.endpoint === '/concerts' && v.status !== 'not-gated').map((v) => v.metric),
    ).toEqual(['p95', 'p99', 'errorRate', 'throughput']);
    expect(readFileSync(junit, 'utf8')).toMatch(/<testsuites[^>]*failures="0"/);
  });

  it('fails with readable JUnit and summary when the API is slowed by its chaos switch', async () => {
    const admin = adminClient(stack.state);
    await admin.chaos({ latencyMs: 200, errorRate: 0.05 });
    let runDir: string;
    try {
      runDir = (await slowSmokeRun()).runDir;
    } finally {
      await admin.chaos({ latencyMs: 0, errorRate: 0 });
    }
    const files = {
      junit: join(work, 'chaos.junit.xml'),
      summary: join(work, 'chaos.md'),
      comment: join(work, 'chaos.comment.md'),
      step: join(work, 'step-summary.md'),
    };
    const result = await runGate({
      runDirs: [runDir],
      baseline: baselineDir,
      configFile: 'loadctl.gate.yaml',
      junitFile: files.junit,
      summaryFile: files.summary,
      prCommentFile: files.comment,
      stepSummaryFile: files.step,
    });

    // 5 % injected 500s break smoke's own http_req_failed threshold, which outranks the regressions.
    expect(result.status).toBe('thresholds-failed');
    expect(result.exitCode).toBe(ExitCode.thresholdsFailed);
    const regressed = result.verdicts.filter((v) => v.status === 'regressed').map((v) => `${v.endpoint} ${v.metric}`);
    expect(regressed).toEqual(expect.arrayContaining(['/concerts p95', 'all requests p95']));

    const junit = readFileSync(files.junit, 'utf8');
    expect(junit).toMatch(
      /<failure message="\/concerts p95 regressed: [\d.]+ (ms|s) vs baseline [\d.]+ (µs|ms|s) \([\d.]+ % \/ [\d.]+ (ms|s) slower\): beyond both 15 % and 2 ms\." type="regression"/,
    );
    expect(junit).toMatch(/<failure message="k6 threshold failed: http_req_failed rate&lt;0.01" type="threshold"/);
    const summary = readFileSync(files.summary, 'utf8');
    expect(summary).toMatch(/❌ \*\*Load gate failed\*\*: \d+ k6 threshold\(s\) failed/);
    expect(summary).toMatch(/\| \/concerts \| p95 \| [\d.]+ (ms|µs) \| [\d.]+ ms \| ❌ regressed \|/);
    expect(readFileSync(files.step, 'utf8')).toBe(`${summary}\n`);
    expect(readFileSync(files.comment, 'utf8')).toContain('| /concerts | p95 |');
    console.log(`chaos gate summary:\n${summary}`);
  });

  it('fails on latency alone with the regression exit code', async () => {
    const admin = adminClient(stack.state);
    await admin.chaos({ latencyMs: 200, errorRate: 0 });
    let runDir: string;
    try {
      runDir = (await slowSmokeRun()).runDir;
    } finally {
      await admin.chaos({ latencyMs: 0, errorRate: 0 });
    }
    const result = await runGate({ runDirs: [runDir], baseline: baselineDir, configFile: 'loadctl.gate.yaml' });
    expect(result).toMatchObject({ status: 'regressed', exitCode: ExitCode.regression });
  });
});

describe('split runs (loadctl run --segments)', () => {
  // An open model (constant arrival rate) makes the request count independent of latency: 30 it/s for 8 s.
  const shape = { shape: 'soak', workload: 'concerts', scale: 0.1, duration: '8s' } as const;

  it('a 2-segment run and a 1-process run give the same request count (±1 %) and consistent percentiles', async () => {
    const single = await executeRun({
      ...shape,
      target: stack.state.api.url,
      allowRemote: false,
      segments: 1,
      reportsDir,
    });
    const split = await executeRun({
      ...shape,
      target: stack.state.api.url,
      allowRemote: false,
      segments: 2,
      reportsDir,
    });
    // soak's threshold dropped_iterations==0 may trip on a busy 2-core machine; the runs are still complete
    for (const run of [single, split]) expect([ExitCode.ok, ExitCode.thresholdsFailed]).toContain(run.exitCode);
    await writeReport(split.runDir);
    const [one, two] = await Promise.all([loadReportModel(single.runDir), loadReportModel(split.runDir)]);

    const concerts = (model: typeof one) => model.endpoints.find((e) => e.name === '/concerts')!;
    const [a, b] = [concerts(one), concerts(two)];
    // Every iteration is one /concerts request, so requests + dropped iterations is what the shape offered;
    // setup() runs once per k6 process, so its /queue requests are not part of the comparison.
    const offered = (model: typeof one) => (concerts(model).requests ?? 0) + (model.overview.droppedIterations ?? 0);
    console.log(
      `split: 1 process ${a.requests} /concerts requests (+${one.overview.droppedIterations ?? 0} dropped), p50/p95/p99 ${a.latency?.med}/${a.latency?.p95}/${a.latency?.p99} ms; ` +
        `2 segments ${b.requests} (+${two.overview.droppedIterations ?? 0} dropped), ${b.latency?.med}/${b.latency?.p95}/${b.latency?.p99} ms`,
    );
    expect(Math.abs(offered(two) - offered(one))).toBeLessThanOrEqual(Math.ceil(offered(one) * 0.01));
    expect(offered(one)).toBeGreaterThan(200);

    // Consistent percentiles: ordered in both, medians within 2× or 2 ms of each other. The tails are only
    // sanity-checked (10× or 100 ms): on a 2-core machine shared with other jobs a sub-millisecond read's
    // p95 is set by scheduler stalls (7 ms in one run, 69 ms in the next was seen). That merged histograms
    // are exact is the report engine's property test (cli/report), not something load on a busy box can show.
    for (const stats of [a, b]) {
      const l = stats.latency!;
      expect(l.min <= l.med && l.med <= l.p95 && l.p95 <= (l.p99 ?? l.p95) && (l.p99 ?? l.p95) <= l.max).toBe(true);
    }
    const within = (x: number, y: number, factor: number, ms: number) =>
      Math.max(x, y) / Math.min(x, y) <= factor || Math.abs(x - y) <= ms;
    expect(within(a.latency!.med, b.latency!.med, 2, 2)).toBe(true);
    expect(within(a.latency!.p95, b.latency!.p95, 10, 100)).toBe(true);

    // The merged report is built from both segments' raw streams.
    expect(two.source.files.filter((file) => /raw\.\d\.json\.gz$/.test(file))).toHaveLength(2);
    // …and says so to its reader.
    expect(readFileSync(join(split.runDir, 'report.md'), 'utf8')).toMatch(
      /merged 2 raw streams from 2 execution segments/,
    );
  });
});

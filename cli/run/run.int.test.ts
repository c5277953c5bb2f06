// Every workload's smoke shape through the real k6 against a real stack, the run directory each leaves, and
// k6's metrics arriving in the stack's Prometheus.
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { k6Environment } from '../k6/args.ts';
import { PrometheusClient } from '../observe/prometheus-api.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import { resolveK6 } from '../toolchain/tools.ts';
import { startTestStack, type TestStack } from '../stack/test-stack.ts';
import { WORKLOAD_NAMES } from '../../scenarios/lib/catalogue.ts';
import { executeRun } from './run.ts';
import { RunFiles, RunMeta, ServerMetricsSample } from '../shared/run-dir.ts';

let stack: TestStack;
let reportsDir: string;

beforeAll(async () => {
  stack = await startTestStack();
  reportsDir = mkdtempSync(join(tmpdir(), 'loadctl-runs-'));
});
afterAll(async () => {
  await stack?.stop();
  if (reportsDir) rmSync(reportsDir, { recursive: true, force: true });
});

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

describe('loadctl run smoke, every workload', () => {
  it.each(WORKLOAD_NAMES)('%s', async (workload) => {
    const outcome = await executeRun({
      shape: 'smoke',
      workload,
      scale: 1,
      duration: '3s',
      target: stack.state.api.url,
      allowRemote: false,
      segments: 1,
      reportsDir,
    });
    const log = readFileSync(join(outcome.runDir, RunFiles.k6Log), 'utf8');
    expect(outcome.exitCode, log.slice(-2000)).toBe(ExitCode.ok);

    const meta = RunMeta.parse(readJson(join(outcome.runDir, RunFiles.meta)));
    expect(meta).toMatchObject({
      shape: 'smoke',
      workload,
      target: stack.state.api.url,
      k6ExitCode: 0,
      interrupted: false,
      segments: 1,
    });
    expect(meta.k6Version).toMatch(/^\d+\.\d+\.\d+/);
    expect(meta.phases).toEqual([{ name: 'smoke: hold 2', startS: 0, endS: 3, target: 2 }]);
    expect(Date.parse(meta.endedAt!)).toBeGreaterThan(Date.parse(meta.startedAt));

    const summary = readJson(join(outcome.runDir, RunFiles.summary)) as {
      metrics: Record<string, { values: Record<string, number> }>;
    };
    // a browser run's requests go through Chromium: browser_http_req_* instead of http_reqs
    const requestMetric = workload === 'browser' ? 'browser_http_req_duration' : 'http_reqs';
    expect(Object.keys(summary.metrics)).toContain(requestMetric);
    expect(outcome.digest?.httpReqs, `${workload} made requests`).toBeGreaterThan(0);
    expect(outcome.digest?.failedPercent, 'no unexpected errors').toBe(0);
    expect(outcome.digest?.checksPercent).toBe(100);

    const raw = gunzipSync(readFileSync(join(outcome.runDir, RunFiles.raw)))
      .toString()
      .trim()
      .split('\n');
    expect(raw.some((line) => line.includes('"type":"Point"'))).toBe(true);

    const scrapes = readFileSync(join(outcome.runDir, RunFiles.serverMetrics), 'utf8').trim().split('\n');
    expect(scrapes.length).toBeGreaterThanOrEqual(2);
    expect(Object.keys(ServerMetricsSample.parse(JSON.parse(scrapes[0]!)).values).length).toBeGreaterThan(0);
    expect(statSync(join(outcome.runDir, RunFiles.report)).size).toBeGreaterThan(0);
  });
});

describe('interrupting a run', () => {
  it('stops k6 gracefully and still writes the summary and meta', async () => {
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 4000);
    const outcome = await executeRun({
      shape: 'smoke',
      workload: 'concerts',
      scale: 1,
      duration: '60s',
      target: stack.state.api.url,
      allowRemote: false,
      segments: 1,
      reportsDir,
      signal: abort.signal,
    });
    expect(outcome.exitCode).toBe(ExitCode.interrupted);
    expect(RunMeta.parse(readJson(join(outcome.runDir, RunFiles.meta))).interrupted).toBe(true);
    expect(outcome.digest?.httpReqs).toBeGreaterThan(0);
  });
});

describe('split runs', () => {
  it('runs two execution segments with one raw stream each', async () => {
    const outcome = await executeRun({
      shape: 'smoke',
      workload: 'balance',
      scale: 1,
      duration: '3s',
      target: stack.state.api.url,
      allowRemote: false,
      segments: 2,
      reportsDir,
    });
    expect(outcome.exitCode).toBe(ExitCode.ok);
    expect(outcome.meta).toMatchObject({
      segments: 2,
      rawFiles: ['raw.0.json.gz', 'raw.1.json.gz'],
      summaryFiles: ['summary.0.json', 'summary.1.json'],
    });
    for (const file of outcome.meta.rawFiles) expect(statSync(join(outcome.runDir, file)).size).toBeGreaterThan(0);
    expect(outcome.digest?.httpReqs).toBeGreaterThan(0);
  });
});

describe("k6 and the stack's Prometheus", () => {
  it('runs the real k6 against the API for a few seconds and reads its summary', async () => {
    const k6 = await resolveK6();
    const dir = mkdtempSync(join(tmpdir(), 'loadctl-k6-'));
    try {
      const script = join(dir, 'health.js');
      const summary = join(dir, 'summary.json');
      writeFileSync(
        script,
        `import http from 'k6/http';
export const options = { vus: 2, duration: '3s', thresholds: { http_req_failed: ['rate<0.01'] } };
export default function () { http.get(__ENV.BASE_URL + '/health'); }
export function handleSummary(data) { return { [__ENV.SUMMARY_FILE]: JSON.stringify(data) }; }
`,
      );
      // as `loadctl run` does: k6 also remote-writes its metrics into the stack's Prometheus
      const remoteWrite = { prometheusRemoteWrite: `${stack.state.prometheus?.url}/api/v1/write` };
      const result = await execa(
        k6.path,
        ['run', '--quiet', '--no-usage-report', '--out', 'experimental-prometheus-rw', script],
        {
          env: { ...k6Environment(remoteWrite), BASE_URL: stack.state.api.url, SUMMARY_FILE: summary },
          reject: false,
          all: true,
        },
      );
      expect(result.exitCode, result.all).toBe(0);
      const data = JSON.parse(readFileSync(summary, 'utf8')) as {
        metrics: Record<string, { values: Record<string, number> }>;
      };
      expect(data.metrics.http_reqs?.values.count).toBeGreaterThan(10);
      expect(data.metrics.http_req_failed?.values.rate).toBe(0);
      const prometheus = new PrometheusClient(stack.state.prometheus?.url as string);
      const k6Requests = await prometheus.query('sum(k6_http_reqs_total)');
      expect(k6Requests[0]?.samples[0]?.[1]).toBe(data.metrics.http_reqs?.values.count);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The browser workload (k6/browser in Chromium) against the real stack: its report counts Chromium's page
// requests as traffic and shows the five Web Vitals with ratings, with the figures k6's own summary of the
// same run shows — and the console digest agrees with the report.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadReportModel } from '../report/index.ts';
import { ReportModel } from '../report/model.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import { RunFiles } from '../shared/run-dir.ts';
import { startTestStack, type TestStack } from '../stack/test-stack.ts';
import { executeRun } from './run.ts';

let stack: TestStack;
let reportsDir: string;

beforeAll(async () => {
  stack = await startTestStack();
  reportsDir = mkdtempSync(join(tmpdir(), 'loadctl-browser-runs-'));
});
afterAll(async () => {
  await stack?.stop();
  if (reportsDir) rmSync(reportsDir, { recursive: true, force: true });
});

interface Summary {
  metrics: Record<string, { values: Record<string, number> } | undefined>;
}

describe('loadctl run smoke --workload browser', () => {
  it('reports page requests and the five Web Vitals with k6’s own figures', async () => {
    const outcome = await executeRun({
      shape: 'smoke',
      workload: 'browser',
      scale: 1,
      duration: '6s',
      target: stack.state.api.url,
      allowRemote: false,
      segments: 1,
      reportsDir,
    });
    const log = readFileSync(join(outcome.runDir, RunFiles.k6Log), 'utf8');
    expect(outcome.exitCode, log.slice(-2000)).toBe(ExitCode.ok);
    const summary = JSON.parse(readFileSync(join(outcome.runDir, RunFiles.summary), 'utf8')) as Summary;
    const model = ReportModel.parse(JSON.parse(readFileSync(join(outcome.runDir, RunFiles.reportJson), 'utf8')));
    const m = (name: string): Record<string, number> => summary.metrics[name]?.values ?? {};

    // page requests: k6 counts them in the browser_http_req_failed rate (a trend has no count)
    const pageRequests = (m('browser_http_req_failed').passes ?? 0) + (m('browser_http_req_failed').fails ?? 0);
    expect(pageRequests).toBeGreaterThan(0);
    expect(model.overview.requests).toBe(pageRequests);
    expect(model.overview.failed).toBe(m('browser_http_req_failed').passes);
    expect(model.overview.latency?.p95).toBe(m('browser_http_req_duration')['p(95)']);
    expect(model.overview.latency?.med).toBeCloseTo(m('browser_http_req_duration').med ?? Number.NaN, 9);
    expect(model.endpoints.some((e) => e.name.endsWith('/app.js'))).toBe(true);
    expect(model.endpoints.reduce((sum, e) => sum + (e.requests ?? 0), 0)).toBe(pageRequests);

    // the console digest of the same run says the same
    expect(outcome.digest?.httpReqs).toBe(model.overview.requests);
    expect(outcome.digest?.p95Ms).toBeCloseTo(model.overview.latency?.p95 ?? Number.NaN, 9);

    // every vital over all pages: p75 and p95 exactly as k6's summary has them, each rated
    expect(model.webVitals?.allPages.map((v) => v.vital)).toEqual(['lcp', 'fcp', 'cls', 'inp', 'ttfb']);
    for (const vital of model.webVitals?.allPages ?? []) {
      const theirs = m(`browser_web_vital_${vital.vital}`);
      expect(vital.p75, `${vital.vital} p75`).toBe(theirs['p(75)']);
      expect(vital.p95, `${vital.vital} p95`).toBe(theirs['p(95)']);
      expect(['good', 'needs improvement', 'poor']).toContain(vital.rating);
    }
    expect(model.webVitals?.pages.map((p) => p.page)).toEqual([`${stack.state.api.url}/`]);

    const report = readFileSync(join(outcome.runDir, RunFiles.report), 'utf8');
    expect(report).toContain('## Web Vitals');
    expect(report).toMatch(/\| LCP \| \d+ \| [^|]+ \| (🟢 good|🟠 needs improvement|🔴 poor) \|/);
    expect(model.notes.find((n) => n.id === 'web-vitals')?.text).toMatch(
      /^Worst Web Vital: (LCP|FCP|CLS|INP|TTFB) on http/,
    );
    // the summary alone (no raw stream) reads to the same requests and all-pages vitals
    const fromSummary = await loadReportModel(join(outcome.runDir, RunFiles.summary));
    expect(fromSummary.overview.requests).toBe(pageRequests);
    expect(fromSummary.webVitals?.allPages.map(({ vital, p75, p95 }) => ({ vital, p75, p95 }))).toEqual(
      model.webVitals?.allPages.map(({ vital, p75, p95 }) => ({ vital, p75, p95 })),
    );

    const labels = (/x-axis \[(.+)\]/.exec(report)?.[1] ?? '').split(', ');
    expect(labels.length).toBeGreaterThan(1);
    expect(new Set(labels).size).toBe(labels.length);
  }, 90_000);
});

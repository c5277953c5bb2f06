import { describe, expect, it } from 'vitest';
import { renderJunit, renderPrComment, renderSummary } from './render.ts';
import { decideOutcome, type MetricVerdict } from './verdicts.ts';

const verdicts: MetricVerdict[] = [
  {
    endpoint: 'GET /concerts',
    metric: 'p95',
    baseline: 2.1,
    current: 12.4,
    status: 'regressed',
    explanation: '12.4 ms vs baseline 2.10 ms (490.5 % / 10.3 ms slower): beyond both 15 % and 2 ms.',
  },
  {
    endpoint: 'GET /concerts',
    metric: 'errorRate',
    baseline: 0,
    current: 0,
    status: 'pass',
    explanation: '0.00 % vs baseline 0.00 % (+0.00 pp); allowed +0.5 pp.',
  },
  {
    endpoint: 'POST /reservations <&"x">',
    metric: 'p99',
    baseline: undefined,
    current: 5,
    status: 'not-gated',
    explanation: 'not gated: the baseline has no p99 for it.',
  },
];
const outcome = decideOutcome(verdicts, [{ metric: 'http_req_failed', expression: 'rate<0.01', ok: true }], {
  current: 'reports/run-1',
  baseline: 'smoke-concerts',
  runs: 3,
});

describe('JUnit', () => {
  const xml = renderJunit(outcome);
  it('has one test case per endpoint × metric and per threshold', () => {
    expect(xml.match(/<testcase /g)).toHaveLength(4);
    expect(xml).toContain('classname="loadctl.gate.GET /concerts" name="p95"');
  });
  it('fails the regressed case with the numbers, skips the ungated one, escapes names', () => {
    expect(xml).toMatch(
      /<failure message="GET \/concerts p95 regressed: 12\.4 ms vs baseline 2\.10 ms[^"]*" type="regression"/,
    );
    expect(xml).toMatch(/<skipped\/>/);
    expect(xml).toContain('POST /reservations &lt;&amp;&quot;x&quot;');
    expect(xml).toMatch(/<testsuites[^>]*tests="4"[^>]*failures="1"/);
  });
});

describe('markdown', () => {
  it('summary leads with the verdict and shows every row with its numbers', () => {
    const summary = renderSummary(outcome);
    expect(summary.split('\n')[2]).toMatch(
      /^❌ \*\*Load gate failed\*\*: 1 metric\(s\) regressed .* \(median of 3 runs\) vs baseline smoke-concerts/,
    );
    expect(summary).toContain('| GET /concerts | p95 | 2.1 ms | 12.4 ms | ❌ regressed |');
    expect(summary).toContain('| GET /concerts | error rate | 0.00 % | 0.00 % | ✅ ok |');
  });
  it('PR comment lists only what failed', () => {
    const comment = renderPrComment(outcome);
    expect(comment).toContain('| GET /concerts | p95 | 2.1 ms | 12.4 ms |');
    expect(comment).not.toContain('error rate');
  });
  it('says passed when nothing failed', () => {
    const passed = decideOutcome([verdicts[1]!], [], { current: 'a', baseline: 'b', runs: 1 });
    expect(renderPrComment(passed)).toMatch(/^✅ \*\*Load gate passed\*\*/);
  });
});

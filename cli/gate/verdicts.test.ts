import { describe, expect, it } from 'vitest';
import { ExitCode } from '../shared/exit-codes.ts';
import { GateConfig, parseGateConfig, rulesFor } from './tolerances.ts';
import { decideOutcome, judge, type MetricSample } from './verdicts.ts';

const config = GateConfig.parse({});
const rules = rulesFor(config, 'GET /concerts');
const verdict = (sample: Omit<MetricSample, 'endpoint'>) =>
  judge({ endpoint: 'GET /concerts', ...sample }, rules, config.minRequests, config.skip);

describe('the gate rule: worse by more than the relative tolerance AND the absolute minimum effect', () => {
  it('passes a large relative change that is below the absolute minimum (sub-millisecond noise)', () => {
    const result = verdict({ metric: 'p95', baseline: 0.8, current: 1.6, requests: 1000 }); // +100 % but +0.8 ms
    expect(result.status).toBe('pass');
  });

  it('passes a large absolute change that is within the relative tolerance (slow endpoints)', () => {
    expect(verdict({ metric: 'p95', baseline: 400, current: 450, requests: 1000 }).status).toBe('pass'); // +12.5 %
  });

  it('fails p95 worse by > 15 % and > 2 ms, naming both numbers', () => {
    const result = verdict({ metric: 'p95', baseline: 10, current: 14, requests: 1000 });
    expect(result.status).toBe('regressed');
    expect(result.explanation).toMatch(/14 ms vs baseline 10 ms \(40\.0 % \/ 4 ms slower\)/);
  });

  it('applies p99 defaults of 25 % and 5 ms', () => {
    expect(verdict({ metric: 'p99', baseline: 20, current: 24, requests: 1000 }).status).toBe('pass');
    expect(verdict({ metric: 'p99', baseline: 20, current: 26, requests: 1000 }).status).toBe('regressed');
  });

  it('judges error rate on percentage points', () => {
    expect(verdict({ metric: 'errorRate', baseline: 0.001, current: 0.005, requests: 1000 }).status).toBe('pass'); // +0.4 pp
    const result = verdict({ metric: 'errorRate', baseline: 0, current: 0.2, requests: 1000 });
    expect(result.status).toBe('regressed');
    expect(result.explanation).toContain('+20.00 pp');
  });

  it('judges throughput downwards', () => {
    expect(verdict({ metric: 'throughput', baseline: 100, current: 80, requests: 1000 }).status).toBe('regressed');
    expect(verdict({ metric: 'throughput', baseline: 100, current: 130, requests: 1000 }).status).toBe('improved');
    expect(verdict({ metric: 'throughput', baseline: 20, current: 16, requests: 1000 }).status).toBe('pass'); // −20 % but only −4 req/s
  });

  it('does not gate endpoints with too few requests, or values one side lacks', () => {
    expect(verdict({ metric: 'p95', baseline: 1, current: 100, requests: 10 }).status).toBe('not-gated');
    expect(verdict({ metric: 'p99', baseline: undefined, current: 100, requests: 1000 }).status).toBe('not-gated');
  });

  it('marks a clear improvement', () => {
    expect(verdict({ metric: 'p95', baseline: 50, current: 20, requests: 1000 }).status).toBe('improved');
  });
});

describe('gate config', () => {
  it('lets an endpoint override a default and keeps the rest', () => {
    const parsed = parseGateConfig(
      'defaults:\n  p95: { relativePct: 20, absolute: 3 }\nendpoints:\n  POST /reservations:\n    p99: { relativePct: 50, absolute: 20 }\n',
      'x.yaml',
    );
    expect(rulesFor(parsed, 'POST /reservations').p99).toEqual({ relativePct: 50, absolute: 20 });
    expect(rulesFor(parsed, 'POST /reservations').p95).toEqual({ relativePct: 20, absolute: 3 });
    expect(rulesFor(parsed, 'GET /concerts').p99).toEqual({ relativePct: 25, absolute: 5 });
  });

  it('names the file and the field on bad input', () => {
    expect(() => parseGateConfig('defaults:\n  p95: { relativePct: -1, absolute: 2 }\n', 'gate.yaml')).toThrow(
      /gate\.yaml: defaults\.p95\.relativePct/,
    );
    expect(() => parseGateConfig('defaults:\n  p59: {}\n', 'gate.yaml')).toThrow(/gate\.yaml: defaults/);
    expect(() => parseGateConfig('a: [', 'gate.yaml')).toThrow(/gate\.yaml is not valid YAML/);
  });
});

describe('outcome', () => {
  const regressed = verdict({ metric: 'p95', baseline: 10, current: 30, requests: 1000 });
  const fine = verdict({ metric: 'p95', baseline: 10, current: 10, requests: 1000 });
  const labels = { current: 'run', baseline: 'base', runs: 1 };

  it('exits 0 when nothing regressed and every threshold held', () => {
    expect(
      decideOutcome([fine], [{ metric: 'http_req_failed', expression: 'rate<0.01', ok: true }], labels).exitCode,
    ).toBe(ExitCode.ok);
  });
  it('exits with the regression code on a regression', () => {
    expect(decideOutcome([fine, regressed], [], labels)).toMatchObject({
      status: 'regressed',
      exitCode: ExitCode.regression,
    });
  });
  it('puts a failed k6 threshold first', () => {
    expect(
      decideOutcome([regressed], [{ metric: 'http_req_duration', expression: 'p(95)<5', ok: false }], labels),
    ).toMatchObject({
      status: 'thresholds-failed',
      exitCode: ExitCode.thresholdsFailed,
    });
  });
});

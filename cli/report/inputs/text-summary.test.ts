// Golden tests on the seed's pasted k6 text summaries (old layout) and a real k6 v2.2 text summary (new layout).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildModel } from '../build.ts';
import { parseTextSummary } from './text-summary.ts';

const fixture = (name: string) => new URL(`../fixtures/${name}`, import.meta.url).pathname;
const modelOf = (name: string) =>
  buildModel({ files: [name], summary: parseTextSummary(readFileSync(fixture(name), 'utf8'), name) });

// SPEC §4: the seed's p95 (ms) and rps per API. Error rates are exact, from k6's counts (36 of 184,272 is
// 0.0195 %): k6 printed them truncated to 0.01 %, which is what this table held before.
const seed: [file: string, p95: number, rps: number, requests: number, errorRate: number][] = [
  ['seed/balance.txt', 16.92, 2002.678321, 189754, 0],
  ['seed/recharge.txt', 23.47, 1917.416667, 184272, 36 / 184272],
  ['seed/concerts.txt', 1.32, 3110.90625, 298647, 0],
  ['seed/schedules.txt', 1.18, 3141.489583, 301583, 0],
  ['seed/seats.txt', 1.56, 3082.020833, 295874, 0],
  ['seed/payment.txt', 41.65, 1783.625, 171228, 86 / 171228],
  ['seed/queue-token.txt', 4.87, 2211.541667, 212246, 0],
  ['seed/reservation.txt', 63.78, 1664.583333, 159800, 208 / 159800],
];

describe('seed text summaries (old k6 layout)', () => {
  it.each(seed)('%s parses to the seed’s numbers', (file, p95, rps, requests, errorRate) => {
    const { overview } = modelOf(file);
    expect(overview.latency?.p95).toBeCloseTo(p95, 6);
    expect(overview.rps).toBeCloseTo(rps, 6);
    expect(overview.requests).toBe(requests);
    expect(overview.errorRate).toBeCloseTo(errorRate, 12);
    expect(overview.vusMax).toBe(3500);
  });

  it('reads µs, ms and s, failures and data sizes of the balance run, and explains its dropped iterations', () => {
    const model = modelOf('seed/balance.txt');
    expect(model.overview.latency).toMatchObject({ avg: 3.76, min: 0.328, med: 1.18, p90: 7.83, max: 201.43 });
    expect(model.overview.droppedIterations).toBe(155063);
    expect(model.overview.dataReceivedBytes).toBe(124e6);
    expect(model.overview.iterationDuration?.max).toBeCloseTo(1190, 6);
    const dropped = model.notes.find((n) => n.id === 'dropped-iterations');
    expect(dropped?.value).toBe(155063);
    expect(dropped?.text).toContain('VUs exhausted');
    expect(model.checks).toEqual([{ name: 'getBalance status is 200', passes: 189754, fails: 0 }]);
  });

  it('reads the journey: 298.76 ms p95, 143 iterations/s, six checks, 0.05 % failed', () => {
    const model = modelOf('seed/journey.txt');
    expect(model.overview.latency?.p95).toBeCloseTo(298.76, 6);
    expect(model.overview.iterationRate).toBeCloseTo(142.996598, 6);
    expect(model.overview.iterationDuration?.max).toBeCloseTo(12340, 6);
    expect(model.overview.failed).toBe(42);
    expect(model.checks.map((c) => c.name)).toHaveLength(6);
    expect(model.overview.checks).toEqual({ passes: 83940, fails: 42 });
    expect(model.notes.find((n) => n.id === 'tail-spread')?.value).toBeCloseTo(298.76 / 23.45, 6);
  });
});

describe('lines the report does not know', () => {
  // k6 prints a custom Trend without units unless the script marked it as time (k6 v2.2 has no old-layout
  // mode to make this with, so the seed's old-layout summary gets the line k6 < 1 printed for such a trend)
  const oldLayout = readFileSync(fixture('seed/recharge.txt'), 'utf8');
  const withCustom = oldLayout.replace(
    /(\n\s*http_reqs\.+)/,
    '\n     custom_waiting_time............: avg=12.5    min=1     med=10     max=50.25    p(90)=30     p(95)=40.5$1',
  );

  it('keeps a custom Trend printed without units (old layout) as a custom metric, not a failure', () => {
    const model = buildModel({ files: ['t'], summary: parseTextSummary(withCustom, 't') });
    expect(model.customMetrics).toContainEqual({
      name: 'custom_waiting_time',
      type: 'trend',
      contains: 'default',
      values: { avg: 12.5, min: 1, med: 10, max: 50.25, p90: 30, p95: 40.5 },
    });
    expect(model.overview.requests).toBe(184272);
  });

  it('lists a line whose values no k6 layout matches in a note and reads the rest', () => {
    const model = buildModel({
      files: ['t'],
      summary: parseTextSummary(withCustom.replace('avg=12.5', 'avg=twelve'), 't'),
    });
    expect(model.notes.find((n) => n.id === 'input')?.text).toMatch(/custom_waiting_time .* left out/);
    expect(model.overview.latency?.p95).toBeCloseTo(23.47, 6);
  });
});

describe('k6 v2.2 text summary (new layout)', () => {
  it('reads thresholds, sub-metrics, checks and p(99) like the legacy export of the same run', () => {
    const text = parseTextSummary(readFileSync(fixture('k6/text-summary-stdout.txt'), 'utf8'), 'text');
    const legacy = JSON.parse(readFileSync(fixture('k6/summary-export.json'), 'utf8')) as {
      metrics: Record<string, Record<string, number>>;
    };
    const model = buildModel({ files: ['text'], summary: text });
    expect(model.overview.requests).toBe(legacy.metrics.http_reqs?.count);
    expect(model.overview.failed).toBe(legacy.metrics.http_req_failed?.passes);
    expect(model.overview.droppedIterations).toBe(legacy.metrics.dropped_iterations?.count);
    expect(model.overview.latency?.p99).toBeCloseTo(legacy.metrics.http_req_duration?.['p(99)'] ?? 0, 1);
    expect(model.endpoints.map((e) => e.name)).toEqual(['GET /concerts', 'GET /slow']);
    expect(model.thresholds).toContainEqual({
      metric: 'http_req_duration{name:GET /slow}',
      expression: 'p(95)<100',
      ok: false,
      observed: 'p(95)=175.69ms',
      judgedBy: 'k6',
    });
    expect(model.overview.passed).toBe(false);
    expect(model.checks.find((c) => c.name === 'reservation answered 200 or 409')).toMatchObject({
      passes: 215,
      fails: 5,
    });
  });
});

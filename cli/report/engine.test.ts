// Golden tests on real k6 v2.2 output (cli/report/fixtures/k6, made by fixtures/k6-source/make-fixtures.sh):
// every input format reads to the same run, split streams merge exactly, bad input fails with one line.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Aggregate } from './aggregate.ts';
import { detectInput } from './inputs/detect.ts';
import { aggregateRawFile, aggregateRawFiles } from './inputs/raw-stream.ts';
import { compareReports, loadReportModel, renderComparisonMarkdown, writeReport } from './index.ts';
import { DEFAULT_TOLERANCES, judgeChange, judgeErrorRateChange } from './compare.ts';
import { renderMarkdown } from './render/markdown.ts';

const fixture = (name: string) => new URL(`fixtures/${name}`, import.meta.url).pathname;
const legacy = JSON.parse(readFileSync(fixture('k6/summary-export.json'), 'utf8')) as {
  metrics: Record<string, Record<string, number>>;
};
const temp = () => mkdtempSync(path.join(tmpdir(), 'loadctl-report-'));

describe('raw stream of a real k6 run', () => {
  it('counts exactly what k6’s own summary of the same run counts, and its percentiles', async () => {
    const model = await loadReportModel(fixture('k6/raw.json.gz'));
    const m = legacy.metrics;
    expect(model.overview.requests).toBe(m.http_reqs?.count);
    expect(model.overview.failed).toBe(m.http_req_failed?.passes);
    expect(model.overview.iterations).toBe(m.iterations?.count);
    expect(model.overview.droppedIterations).toBe(m.dropped_iterations?.count);
    expect(model.overview.dataSentBytes).toBe(m.data_sent?.count);
    expect(model.overview.checks).toEqual({ passes: m.checks?.passes, fails: m.checks?.fails });
    expect(model.overview.latency?.avg).toBeCloseTo(m.http_req_duration?.avg ?? 0, 6);
    expect(model.overview.latency?.max).toBe(m.http_req_duration?.max);
    // up to EXACT_SAMPLES the samples are kept and interpolated as k6 does: k6's figures to the last bit
    for (const [ours, theirs] of [
      ['p95', 'p(95)'],
      ['p90', 'p(90)'],
      ['med', 'med'],
    ] as const) {
      expect(model.overview.latency?.[ours]).toBe(m.http_req_duration?.[theirs]);
    }
    const slow = model.endpoints.find((e) => e.name === 'GET /slow');
    expect(slow?.latency?.max).toBe(m['http_req_duration{name:GET /slow}']?.max);
    const reservations = model.endpoints.find((e) => e.name === 'POST /reservations');
    expect(reservations?.statuses.find((s) => s.status === '409')?.expected).toBe(
      reservations?.statuses.find((s) => s.status === '409')?.count,
    );
    expect(model.notes.map((n) => n.id)).toEqual(
      expect.arrayContaining(['dropped-iterations', 'errors-by-status', 'expected-outcomes', 'slowest-endpoints']),
    );
  });

  it('reads the same numbers from gzip and plain NDJSON, and with worker threads', async () => {
    const dir = temp();
    const plain = path.join(dir, 'raw.json');
    writeFileSync(plain, gunzipSync(readFileSync(fixture('k6/raw.json.gz'))));
    const [gz, flat, parallel] = [
      await aggregateRawFile(fixture('k6/raw.json.gz')),
      await aggregateRawFile(plain),
      await aggregateRawFile(plain, { parallelFromBytes: 1, workers: 2 }),
    ];
    // sums of floats added in another order differ in the last bits: compare to 12 significant digits
    const rounded = (x: unknown): unknown =>
      JSON.parse(JSON.stringify(x, (_, v: unknown) => (typeof v === 'number' ? Number(v.toPrecision(12)) : v)));
    for (const other of [flat, parallel]) {
      expect(rounded(other.overview())).toEqual(rounded(gz.overview()));
      expect(rounded(other.endpointStats())).toEqual(rounded(gz.endpointStats()));
      expect(rounded(other.timeline())).toEqual(rounded(gz.timeline()));
    }
  });

  it('merges the two execution segments of a split run into one report', async () => {
    const merged = await aggregateRawFiles([fixture('k6/split.0.json.gz'), fixture('k6/split.1.json.gz')]);
    const [a, b] = [
      await aggregateRawFile(fixture('k6/split.0.json.gz')),
      await aggregateRawFile(fixture('k6/split.1.json.gz')),
    ];
    expect(merged.overview().requests).toBe((a.overview().requests ?? 0) + (b.overview().requests ?? 0));
    expect(merged.overview().droppedIterations).toBe(
      (a.overview().droppedIterations ?? 0) + (b.overview().droppedIterations ?? 0),
    );
    expect(merged.overview().latency?.max).toBe(
      Math.max(a.overview().latency?.max ?? 0, b.overview().latency?.max ?? 0),
    );
  });

  it('renders the golden markdown', async () => {
    const model = await loadReportModel(fixture('k6/raw.json.gz'), { title: 'Fixture run' });
    model.source.files = ['raw.json.gz'];
    await expect(
      renderMarkdown(model, { chartFiles: [{ title: 'Latency', path: 'charts/latency.svg' }] }),
    ).toMatchFileSnapshot('fixtures/golden/raw-report.md');
  });
});

describe('k6 summary JSON in its three shapes', () => {
  it('legacy --summary-export: true means the threshold FAILED', async () => {
    const model = await loadReportModel(fixture('k6/summary-export.json'));
    expect(model.source.format).toBe('summary-legacy');
    expect(model.thresholds).toContainEqual({
      metric: 'http_req_duration{name:GET /slow}',
      expression: 'p(95)<100',
      ok: false,
      observed: 'p(95)=175.69 ms',
      judgedBy: 'k6',
    });
    expect(model.thresholds).toContainEqual({
      metric: 'http_req_failed',
      expression: 'rate<0.10',
      ok: true,
      observed: 'rate=1.21 %',
      judgedBy: 'k6',
    });
    expect(model.overview).toMatchObject({ requests: 410, failed: 5, droppedIterations: 66, passed: false });
    expect(model.endpoints.map((e) => e.name)).toEqual(['GET /concerts', 'GET /slow']);
  });

  it('handleSummary data: {ok} verdicts, run duration from state', async () => {
    const model = await loadReportModel(fixture('k6/handle-summary.json'));
    const raw = JSON.parse(readFileSync(fixture('k6/handle-summary.json'), 'utf8')) as {
      state: { testRunDurationMs: number };
      metrics: Record<string, { values: Record<string, number> }>;
    };
    expect(model.source.format).toBe('summary-handle');
    expect(model.overview.durationS).toBeCloseTo(raw.state.testRunDurationMs / 1000, 9);
    expect(model.overview.requests).toBe(raw.metrics.http_reqs?.values.count);
    expect(model.thresholds.find((t) => t.metric === 'http_req_duration{name:GET /slow}')?.ok).toBe(false);
    expect(model.checks).toHaveLength(3);
  });

  it('new machine-readable summary: p90 keys, matches/total rates, no thresholds', async () => {
    const model = await loadReportModel(fixture('k6/machine-summary-export.json'));
    const raw = JSON.parse(readFileSync(fixture('k6/machine-summary-export.json'), 'utf8')) as {
      results: { metrics: { name: string; values: Record<string, number> }[] };
    };
    const metric = (name: string) => raw.results.metrics.find((m) => m.name === name)?.values;
    expect(model.source.format).toBe('summary-machine');
    expect(model.overview.latency?.p95).toBe(metric('http_req_duration')?.p95);
    expect(model.overview.failed).toBe(metric('http_req_failed')?.matches);
    expect(model.overview.rps).toBeCloseTo((metric('http_reqs')?.count ?? 0) / (model.overview.durationS ?? 1), 9);
    expect(model.thresholds).toEqual([]);
    expect(model.overview.checks?.passes).toBeGreaterThan(0);
  });
});

describe('merging split streams equals one stream (property)', () => {
  it('for any assignment of samples to N parts: counts exact, percentiles equal', () => {
    const sample = fc.record({
      metric: fc.constantFrom(
        'http_req_duration',
        'iterations',
        'dropped_iterations',
        'checks',
        'vus',
        'browser_http_req_duration',
        'browser_web_vital_lcp',
        'ws_connecting',
        'ws_msgs_sent',
        'grpc_req_duration',
      ),
      timeMs: fc.integer({ min: 1_700_000_000_000, max: 1_700_000_000_000 + 900_000 }),
      value: fc.double({ min: 0.05, max: 5000, noNaN: true }),
      name: fc.constantFrom('GET /a', 'POST /b', 'GET /c'),
      scenario: fc.constantFrom('s1', 's2'),
      status: fc.constantFrom('200', '409', '500'),
      part: fc.nat(),
    });
    fc.assert(
      fc.property(
        fc.array(sample, { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 5 }),
        (samples, parts) => {
          const single = new Aggregate();
          const split = Array.from({ length: parts }, () => new Aggregate());
          for (const s of samples) {
            const value = /duration|lcp|connecting/.test(s.metric) ? s.value : Math.round(s.value) % 2;
            const tags = {
              name: s.name,
              scenario: s.scenario,
              status: s.status,
              expected_response: String(s.status !== '500'),
              check: s.name,
            };
            single.add(s.metric, s.timeMs, value, tags);
            split[s.part % parts]?.add(s.metric, s.timeMs, value, tags);
          }
          const merged = new Aggregate();
          for (const part of split) merged.merge(Aggregate.fromSnapshot(part.toSnapshot()));
          const [a, b] = [single.overview(), merged.overview()];
          expect(b.requests).toBe(a.requests);
          expect(b.failed).toBe(a.failed);
          expect(b.iterations).toBe(a.iterations);
          expect(b.droppedIterations).toBe(a.droppedIterations);
          expect(b.statuses).toEqual(a.statuses);
          expect(merged.checkResults()).toEqual(single.checkResults());
          expect(b.latency?.p95).toBe(a.latency?.p95);
          expect(b.latency?.p99).toBe(a.latency?.p99);
          expect(b.latency?.max).toBe(a.latency?.max);
          expect(b.latency?.avg ?? 0).toBeCloseTo(a.latency?.avg ?? 0, 6);
          const strip = (rows: ReturnType<Aggregate['endpointStats']>) =>
            rows.map((r) => ({ ...r, latency: { ...r.latency, avg: 0 } }));
          expect(strip(merged.endpointStats())).toEqual(strip(single.endpointStats()));
          expect(merged.timeline().map((t) => [t.requests, t.failed, t.p95, t.iterations, t.dropped])).toEqual(
            single.timeline().map((t) => [t.requests, t.failed, t.p95, t.iterations, t.dropped]),
          );
          // sums of floats added in another order differ in the last bits
          const rounded = (x: unknown): unknown =>
            JSON.parse(JSON.stringify(x, (_, v: unknown) => (typeof v === 'number' ? Number(v.toPrecision(9)) : v)));
          expect(rounded(merged.protocolSections())).toEqual(rounded(single.protocolSections()));
          expect(merged.timeline().map((t) => [t.wsSent, t.wsConnectP95, t.grpcRequests, t.grpcP95])).toEqual(
            single.timeline().map((t) => [t.wsSent, t.wsConnectP95, t.grpcRequests, t.grpcP95]),
          );
        },
      ),
      { numRuns: 150 },
    );
  }, 60_000); // 150 generated runs: several seconds on a busy 2-core machine
});

describe('bad input: one line naming file, line or field, and what was expected; nothing written', () => {
  const cases: [string, (dir: string) => string, RegExp][] = [
    ['empty file', (dir) => write(dir, 'empty.json', ''), /empty\.json: file is empty/],
    [
      'raw stream without one sample',
      (dir) => write(dir, 'raw.json', `${firstLines(1)}\n{"metric":"http_reqs","type":"Point","data":{oops\n`),
      /raw\.json: no k6 samples/,
    ],
    // k6 writes root_group, options and state before the metrics: at byte 500 no metric is complete yet
    [
      'summary JSON cut before its first metric',
      (dir) => write(dir, 'summary.json', handleSummaryText().slice(0, 500)),
      /summary\.json \(byte 500\): not valid JSON/,
    ],
    [
      'JSON that breaks off, not k6',
      (dir) => write(dir, 'data.json', '{"name":"x","items":[1,2,'),
      /data\.json \(byte 25\): not valid JSON/,
    ],
    [
      'wrong-format JSON',
      (dir) => write(dir, 'package.json', '{"name":"x","version":"1"}'),
      /package\.json \(top level\): JSON but not a k6 summary/,
    ],
    [
      'bad metric in handleSummary',
      (dir) =>
        write(
          dir,
          'hs.json',
          '{"metrics":{"http_reqs":{"type":"counter","values":{}},"x":{"type":"nope","values":{}}}}',
        ),
      /hs\.json \(field metrics\["x"\]\)/,
    ],
    ['text that is not k6', (dir) => write(dir, 'notes.txt', 'hello\nworld\n'), /notes\.txt \(line 1\): not k6 output/],
  ];
  it.each(cases)('%s', async (_, make, message) => {
    const dir = temp();
    const file = make(dir);
    const before = readdirSync(dir);
    await expect(writeReport(file)).rejects.toThrow(message);
    expect(readdirSync(dir)).toEqual(before);
  });
});

describe('damaged raw streams degrade to a report with a note (they used to fail whole)', () => {
  const cases: [string, (dir: string) => string, RegExp][] = [
    [
      'garbled raw line',
      (dir) => write(dir, 'raw.json', `${firstLines(80)}\n{"metric":"http_reqs","type":"Point","data":{oops\n`),
      /1 line was not k6 output and left out \(first, line 81: not valid JSON/,
    ],
    [
      'truncated gzip',
      (dir) => write(dir, 'raw.json.gz', readFileSync(fixture('k6/raw.json.gz')).subarray(0, 20_000)),
      /The raw stream ends early \(the gzip stream is truncated/,
    ],
    [
      'raw line of the wrong type',
      (dir) => write(dir, 'raw.json', `${firstLines(80)}\n{"type":"Sample","data":{}}\n`),
      /line 81: unknown "type"/,
    ],
  ];
  it.each(cases)('%s', async (_, make, note) => {
    const model = await loadReportModel(make(temp()));
    expect(
      model.notes
        .filter((n) => n.id === 'input')
        .map((n) => n.text)
        .join(' '),
    ).toMatch(note);
  });
});

describe('damaged summary JSON degrades to the complete metrics and a note naming the byte', () => {
  const metricsOf = async (file: string) => {
    const input = await detectInput(file);
    if (input.format !== 'summary') throw new Error(`${file} read as ${input.format}`);
    return input.summary;
  };

  it('truncated summary JSON', async () => {
    const text = handleSummaryText();
    const original = await metricsOf(fixture('k6/handle-summary.json'));
    const file = write(temp(), 'summary.json', text.slice(0, 3000));
    const recovered = await metricsOf(file);
    // the metrics k6 wrote before byte 3000, each with k6's own values; the one cut at 3000 is left out whole
    const names = [...original.metrics.keys()];
    expect([...recovered.metrics.keys()]).toEqual(names.slice(0, recovered.metrics.size));
    expect(recovered.metrics.size).toBeGreaterThan(5);
    for (const [name, metric] of recovered.metrics) expect(metric).toEqual(original.metrics.get(name));
    expect(recovered.checks).toEqual(original.checks);
    const cutInside = names[recovered.metrics.size];
    const model = await loadReportModel(file);
    const note = model.notes
      .filter((n) => n.id === 'input')
      .map((n) => n.text)
      .join(' ');
    const where = 'the JSON breaks off at byte 3000 (truncated or spliced)';
    expect(note).toContain(`summary.json: ${where} inside metric “${cutInside}”`);
    expect(note).toContain('that metric and every later one are missing');
    expect(renderMarkdown(model)).toContain('byte 3000');
  });

  it('two summaries spliced: the first one up to the splice', async () => {
    const handle = handleSummaryText();
    const legacyText = readFileSync(fixture('k6/summary-export.json'), 'utf8');
    const at = handle.indexOf('"http_req_waiting"');
    const file = write(temp(), 'summary.json', handle.slice(0, at) + legacyText.slice(legacyText.length / 2));
    const original = await metricsOf(fixture('k6/handle-summary.json'));
    const recovered = await metricsOf(file);
    expect(recovered.metrics.size).toBeGreaterThan(0);
    for (const [name, metric] of recovered.metrics) expect(metric).toEqual(original.metrics.get(name));
    expect(recovered.notes?.join(' ')).toMatch(/the JSON breaks off at byte \d+ \(truncated or spliced\)/);
  });

  it('a complete summary followed by other bytes: all of it, and a note that the rest is left out', async () => {
    const text = handleSummaryText();
    const file = write(temp(), 'summary.json', `${text.trimEnd()}\n{"metrics":{"x":`);
    const original = await metricsOf(fixture('k6/handle-summary.json'));
    const recovered = await metricsOf(file);
    expect(recovered.metrics).toEqual(original.metrics);
    const end = Buffer.byteLength(text.trimEnd()) + 1;
    expect(recovered.notes).toEqual([`the JSON ends at byte ${end} and other bytes follow it (spliced?): left out`]);
  });
});

describe('compare', () => {
  it('marks latency growth and error-rate growth beyond tolerance as regressions', async () => {
    const baseline = await loadReportModel(fixture('k6/raw.json.gz'));
    const current = structuredClone(baseline);
    const slow = current.endpoints.find((e) => e.name === 'GET /slow');
    if (slow?.latency) slow.latency.p95 *= 1.5;
    current.overview.errorRate = (current.overview.errorRate ?? 0) + 0.02;
    const comparison = compareReports(current, baseline, {
      latencyPct: 10,
      latencyMinMs: 2,
      errorRatePts: 0.5,
      throughputPct: 10,
      throughputMinRps: 5,
    });
    expect(comparison.regressions.map((r) => `${r.subject} ${r.metric}`)).toEqual([
      'all requests error_rate',
      'GET /slow p95',
    ]);
    expect(comparison.regressions.find((r) => r.metric === 'p95')?.deltaPct).toBeCloseTo(50, 6);
    expect(renderComparisonMarkdown(comparison)).toContain('❌ **2 regressions beyond tolerance.**');
    expect(compareReports(baseline, baseline).regressions).toEqual([]);
    // the same change under a minimum effect larger than it: not a regression (the gate's rule, shared)
    const p95Growth = (slow?.latency?.p95 ?? 0) / 3;
    const lenient = compareReports(current, baseline, { ...DEFAULT_TOLERANCES, latencyMinMs: p95Growth + 1 });
    expect(lenient.regressions.map((r) => `${r.subject} ${r.metric}`)).toEqual(['all requests error_rate']);
  });

  it('judges latency up, throughput down and error rate in points, each needing both bounds', () => {
    const rule = { relativePct: 10, absolute: 2 };
    expect(judgeChange(0.4, 0.6, rule, true).verdict).toBe('pass'); // +50 % but 0.2 ms
    expect(judgeChange(40, 43, rule, true).verdict).toBe('pass'); // +3 ms but 7.5 %
    expect(judgeChange(40, 45, rule, true)).toEqual({ verdict: 'regressed', worseBy: 5, worsePct: 12.5 });
    expect(judgeChange(40, 35, rule, true).verdict).toBe('improved');
    expect(judgeChange(100, 80, rule, false).verdict).toBe('regressed'); // throughput fell 20 %
    expect(judgeChange(0, 5, rule, true).verdict).toBe('regressed');
    expect(judgeErrorRateChange(0.01, 0.02, 0.5)).toEqual({ verdict: 'regressed', deltaPp: 1 });
    expect(judgeErrorRateChange(0.01, 0.012, 0.5).verdict).toBe('pass');
  });
});

function write(dir: string, name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

function handleSummaryText(): string {
  return readFileSync(fixture('k6/handle-summary.json'), 'utf8');
}

function firstLines(count: number): string {
  return gunzipSync(readFileSync(fixture('k6/raw.json.gz')))
    .toString('utf8')
    .split('\n')
    .slice(0, count)
    .join('\n');
}

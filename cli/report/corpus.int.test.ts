// The corpus: real k6 runs of a script with three scenarios (one drops iterations), a group, custom Trend
// (with and without isTime), Counter, Rate and Gauge metrics, checks, and sub-metric thresholds that pass and
// fail, against a node:http server this test starts on loopback. Each run is captured in every format k6
// writes; the expected value is always k6's own summary of the same run, never a snapshot of our output.
//
// The bound between a raw stream and k6's summary of the same run: up to 2,048 samples a trend keeps them
// all and its percentiles are k6's (closest ranks, interpolated, in k6's order of operations) to the last bit. Above that they come
// from an HDR histogram of whole microseconds (3 significant digits) at the nearest rank: within 1 µs + 0.1 %
// of a sample at most one rank from the two k6 interpolates between. Averages, min, max and every count are
// exact either way. CSV values carry six decimals (k6 writes them so), hence 1e-5 ms there.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveK6 } from '../toolchain/tools.ts';
import { EXACT_SAMPLES } from './histogram.ts';
import { loadReportModel } from './index.ts';
import type { CustomMetric, LatencyStats, ReportModel } from './model.ts';
import { renderMarkdown } from './render/markdown.ts';
import { formatMs, formatPercent } from './units.ts';

const SCRIPT = `
import http from 'k6/http';
import { check, group, sleep } from 'k6';
import { Counter, Gauge, Rate, Trend } from 'k6/metrics';

const BASE = __ENV.BASE_URL;
const waiting = new Trend('custom_waiting_time');
const think = new Trend('custom_think_time', true);
const bookings = new Counter('custom_bookings');
const bookedOk = new Rate('custom_booked_ok');
const depth = new Gauge('custom_queue_depth');

export const options = {
  scenarios: {
    browse: { executor: 'constant-arrival-rate', rate: 40, timeUnit: '1s', duration: '3s', preAllocatedVUs: 1, maxVUs: 2, exec: 'browse' },
    book: { executor: 'constant-vus', vus: 2, duration: '3s', exec: 'book' },
    hammer: { executor: 'constant-vus', vus: 2, duration: '3s', exec: 'hammer' },
  },
  thresholds: {
    'http_req_duration{name:fast}': ['p(95)<250'],
    'http_req_duration{name:slow}': ['p(95)<20'],
    'http_req_duration{name:book}': ['max<60000'],
    http_req_failed: ['rate<0.5'],
    checks: ['rate>0.5'],
    custom_waiting_time: ['p(95)<100000'],
    custom_bookings: ['count>1'],
    custom_booked_ok: ['rate>0.99'],
    iteration_duration: ['avg<5000'],
  },
  summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],
};

export function browse() {
  const slow = http.get(BASE + '/slow', { tags: { name: 'slow' } });
  check(slow, { 'slow is 200': (r) => r.status === 200 });
}

export function book() {
  group('booking', () => {
    const r = http.post(BASE + '/book', '{}', { tags: { name: 'book' } });
    check(r, { 'booked or taken': (res) => res.status === 200 || res.status === 409 });
    bookings.add(1);
    bookedOk.add(r.status === 200);
    waiting.add(r.timings.waiting * 1000 + 7);
    depth.add(r.status);
  });
  const started = Date.now();
  sleep(0.02);
  think.add(Date.now() - started);
}

export function hammer() {
  http.get(BASE + '/fast', { tags: { name: 'fast' } });
}
`;

const HANDLE_SUMMARY = `\nexport function handleSummary(data) { return { [__ENV.SUMMARY_FILE]: JSON.stringify(data) }; }\n`;

interface LegacyExport {
  metrics: Record<string, Record<string, number | Record<string, boolean>>>;
}

let dir: string;
let server: Server;
let base: string;
let bookCounter = 0;
const files = (name: string) => path.join(dir, name);
const stdout: Record<string, string> = {};

async function k6Run(name: string, script: string, args: string[]): Promise<void> {
  const k6 = await resolveK6();
  writeFileSync(files(`${name}.js`), script);
  const result = await execa(k6.path, ['run', '--no-color', '--no-usage-report', ...args, files(`${name}.js`)], {
    cwd: dir,
    env: { BASE_URL: base, SUMMARY_FILE: files(`${name}.handle.json`), K6_NO_USAGE_REPORT: 'true' },
    reject: false,
    timeout: 90_000,
  });
  // 99: thresholds crossed — the slow sub-metric fails on purpose
  expect(result.exitCode, `${result.stdout}\n${result.stderr}`.slice(-2000)).toBe(99);
  stdout[name] = result.stdout;
  writeFileSync(files(`${name}.txt`), result.stdout);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'loadctl-corpus-'));
  server = createServer((request, response) => {
    const reply = (status: number) => response.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    if (request.url === '/fast') return reply(200);
    if (request.url === '/slow') return void setTimeout(() => reply(200), 60);
    bookCounter += 1;
    // 409 an expected business outcome, 500 a failure
    return void setTimeout(() => reply(bookCounter % 3 === 0 ? 409 : bookCounter % 11 === 0 ? 500 : 200), 4);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const json = [
    '--out',
    'json=raw.json',
    '--out',
    'json=raw.json.gz',
    '--out',
    'csv=raw.csv',
    '--out',
    'csv=raw.csv.gz',
  ];
  // one after another: on two cores parallel runs would starve each other and the server
  await k6Run('compact', SCRIPT, [...json, '--summary-export', 'legacy.json']);
  await k6Run('full', SCRIPT, ['--summary-mode=full', '--summary-export', 'full.legacy.json']);
  await k6Run('handle', SCRIPT + HANDLE_SUMMARY, ['--summary-export', 'handle.legacy.json']);
  await k6Run('machine', SCRIPT + HANDLE_SUMMARY, [
    '--new-machine-readable-summary',
    '--summary-export',
    'machine.json',
  ]);
}, 240_000);

afterAll(() => {
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const legacyOf = (name: string) => JSON.parse(readFileSync(files(name), 'utf8')) as LegacyExport;
const values = (exported: LegacyExport, metric: string) => exported.metrics[metric] as Record<string, number>;
const TREND_KEYS = [
  ['avg', 'avg'],
  ['min', 'min'],
  ['med', 'med'],
  ['p90', 'p(90)'],
  ['p95', 'p(95)'],
  ['p99', 'p(99)'],
  ['max', 'max'],
] as const;

/** k6's figure as k6 printed it, with our unit spacing: `p(95)=16.92ms` → `16.92 ms`. */
function printed(text: string, line: RegExp, stat: string): string {
  const found = text.split('\n').find((l) => line.test(l)) ?? '';
  const value = new RegExp(`${stat.replace(/[()]/g, '\\$&')}=(\\S+)`).exec(found)?.[1] ?? `(no ${stat} in “${found}”)`;
  return value.replace(/^([\d.]+)(\D+)$/, '$1 $2');
}

/** How a trend is compared: the summary's own figure (exact), a raw stream's (float), a CSV's (six decimals). */
type Precision = 'exact' | 'float' | 'csv';

/** Every count the summary has, exactly, and every trend statistic as k6 figured it (within the bound). */
function expectSameAsExport(model: ReportModel, exported: LegacyExport, precision: Precision): void {
  expect(model.overview.requests).toBe(values(exported, 'http_reqs').count);
  expect(model.overview.failed).toBe(values(exported, 'http_req_failed').passes);
  expect(model.overview.iterations).toBe(values(exported, 'iterations').count);
  expect(model.overview.droppedIterations).toBe(values(exported, 'dropped_iterations').count);
  expect(model.overview.checks).toEqual({
    passes: values(exported, 'checks').passes,
    fails: values(exported, 'checks').fails,
  });
  expect(model.overview.errorRate).toBeCloseTo(values(exported, 'http_req_failed').value ?? Number.NaN, 12);
  for (const endpoint of ['fast', 'slow', 'book']) {
    const row = model.endpoints.find((e) => e.name === endpoint);
    expectTrend(
      row?.latency,
      values(exported, `http_req_duration{name:${endpoint}}`),
      precision,
      (row?.requests ?? 0) > EXACT_SAMPLES,
    );
  }
}

function expectTrend(
  ours: LatencyStats | undefined,
  theirs: Record<string, number> | undefined,
  precision: Precision,
  histogram: boolean,
): void {
  expect(theirs, 'k6 has this trend').toBeDefined();
  for (const [key, k6Key] of TREND_KEYS) {
    const k6Value = theirs?.[k6Key] ?? Number.NaN;
    const ourValue = ours?.[key] ?? Number.NaN;
    // percentiles of more than EXACT_SAMPLES: the rank bound, checked on the samples themselves below
    if (precision !== 'exact' && histogram && !['avg', 'min', 'max'].includes(key)) continue;
    if (precision === 'csv') expect(ourValue, key).toBeCloseTo(k6Value, 5);
    else expect(ourValue, key).toBe(k6Value);
  }
}

describe('summaries: every figure k6 printed, with k6’s value', () => {
  it('--summary-export (legacy): counts, trends and every threshold verdict, with full sub-metric names', async () => {
    const model = await loadReportModel(files('legacy.json'));
    expectSameAsExport(model, legacyOf('legacy.json'), 'exact');
    const slow = model.thresholds.find((t) => t.metric === 'http_req_duration{name:slow}');
    expect(slow).toMatchObject({ ok: false, judgedBy: 'k6' });
    expect(slow?.observed).toBe(
      `p(95)=${formatMs(values(legacyOf('legacy.json'), 'http_req_duration{name:slow}')['p(95)'])}`,
    );
    expect(model.thresholds.find((t) => t.metric === 'http_req_duration{name:fast}')?.ok).toBe(true);
    expect(model.overview.passed).toBe(false);
  });

  it('compact text summary: the custom Trend without units is kept, and figures read as k6 printed them', async () => {
    const model = await loadReportModel(files('compact.txt'));
    const exported = legacyOf('legacy.json');
    expect(model.overview.requests).toBe(values(exported, 'http_reqs').count);
    expect(model.overview.droppedIterations).toBe(values(exported, 'dropped_iterations').count);
    const text = stdout.compact ?? '';
    expect(formatMs(model.overview.latency?.p95)).toBe(printed(text, /^\s*http_req_duration\.+:/, 'p(95)'));
    expect(formatMs(model.endpoints.find((e) => e.name === 'slow')?.latency?.p99)).toBe(
      printed(text, /\{ name:slow \}/, 'p(99)'),
    );
    const waiting = model.customMetrics?.find((m) => m.name === 'custom_waiting_time');
    expect(waiting?.type).toBe('trend');
    expect(waiting?.values.avg).toBeCloseTo(Number(values(exported, 'custom_waiting_time').avg), 1);
    expect(model.customMetrics?.find((m) => m.name === 'custom_think_time')?.contains).toBe('time');
    expect(model.customMetrics?.find((m) => m.name === 'custom_bookings')?.values.count).toBe(
      values(exported, 'custom_bookings').count,
    );
    expect(model.thresholds.map((t) => t.metric)).toEqual(
      expect.arrayContaining(['http_req_duration{name:slow}', 'http_req_duration{name:fast}', 'custom_bookings']),
    );
    expect(model.thresholds.find((t) => t.metric === 'http_req_duration{name:slow}')?.observed).toMatch(/^p\(95\)=/);
    expect(model.notes.filter((n) => n.id === 'input')).toEqual([]);
  });

  it('full text summary (per-scenario and group blocks) reads the same totals as its export', async () => {
    const model = await loadReportModel(files('full.txt'));
    const exported = legacyOf('full.legacy.json');
    expect(model.overview.requests).toBe(values(exported, 'http_reqs').count);
    expect(model.overview.failed).toBe(values(exported, 'http_req_failed').passes);
    expect(formatMs(model.overview.latency?.med)).toBe(printed(stdout.full ?? '', /^\s*http_req_duration\.+:/, 'med'));
    expect(model.customMetrics?.find((m) => m.name === 'custom_waiting_time')).toBeDefined();
  });

  it('handleSummary data (legacy shape) and its export agree figure for figure', async () => {
    const model = await loadReportModel(files('handle.handle.json'));
    expectSameAsExport(model, legacyOf('handle.legacy.json'), 'exact');
    const custom = (name: string): CustomMetric | undefined => model.customMetrics?.find((m) => m.name === name);
    expect(custom('custom_booked_ok')?.values.rate).toBe(
      values(legacyOf('handle.legacy.json'), 'custom_booked_ok').value,
    );
    expect(custom('custom_queue_depth')?.values.value).toBe(
      values(legacyOf('handle.legacy.json'), 'custom_queue_depth').value,
    );
  });

  it('machine-readable summary and handleSummary data of that run', async () => {
    const fromExport = await loadReportModel(files('machine.json'));
    const fromHandle = await loadReportModel(files('machine.handle.json'));
    for (const model of [fromExport, fromHandle]) {
      expect(model.overview.requests).toBe(fromHandle.overview.requests);
      expect(model.overview.latency?.p95).toBe(fromHandle.overview.latency?.p95);
      expect(model.customMetrics?.find((m) => m.name === 'custom_bookings')?.values.count).toBeGreaterThan(0);
    }
  });
});

describe('raw streams of the same run as the compact summary', () => {
  it('--out json (plain and .gz): counts exact, trends k6’s within the stated bound, thresholds re-evaluated', async () => {
    const exported = legacyOf('legacy.json');
    for (const file of ['raw.json', 'raw.json.gz']) {
      const model = await loadReportModel(files(file));
      expectSameAsExport(model, exported, 'float');
      const all = model.overview.latency;
      expect(all?.avg).toBeCloseTo(values(exported, 'http_req_duration').avg ?? Number.NaN, 9);
      expect(all?.max).toBe(values(exported, 'http_req_duration').max);
      // the verdicts k6 wrote (true = failed in the legacy export) for the thresholds the stream carries
      for (const threshold of model.thresholds) {
        expect(threshold.judgedBy).toBe('loadctl');
        const k6Verdict = (exported.metrics[threshold.metric]?.thresholds as Record<string, boolean> | undefined)?.[
          threshold.expression
        ];
        expect(threshold.ok, `${threshold.metric} ${threshold.expression}`).toBe(k6Verdict === false);
      }
      expect(model.thresholds.map((t) => t.metric)).toEqual(
        expect.arrayContaining([
          'checks',
          'custom_bookings',
          'custom_booked_ok',
          'custom_waiting_time',
          'http_req_failed',
          'iteration_duration',
        ]),
      );
      expect(model.notes.map((n) => n.text).join(' ')).toContain('http_req_duration{name:slow}');
      expect(renderMarkdown(model)).toContain('Re-evaluated by loadctl on the aggregated raw stream');
      const custom = model.customMetrics?.find((m) => m.name === 'custom_bookings');
      expect(custom?.values.count).toBe(values(exported, 'custom_bookings').count);
      expect(model.customMetrics?.find((m) => m.name === 'custom_waiting_time')?.values.p95).toBeCloseTo(
        Number(values(exported, 'custom_waiting_time')['p(95)']),
        9,
      );
    }
  });

  it.each([
    ['all requests', 'http_req_duration', undefined],
    ['the fast endpoint', 'http_req_duration{name:fast}', 'fast'],
  ])(
    'above 2,048 samples (HDR), %s: every percentile within 1 µs + 0.1 % of a sample one rank from k6’s',
    async (_, metric, name) => {
      const samples = readFileSync(files('raw.json'), 'utf8')
        .split('\n')
        .filter((line) => line.includes('"metric":"http_req_duration"') && (!name || line.includes(`"name":"${name}"`)))
        .map((line) => (JSON.parse(line) as { data: { value: number } }).data.value)
        .sort((a, b) => a - b);
      expect(samples.length, 'the hammer scenario makes enough samples for the histogram path').toBeGreaterThan(
        EXACT_SAMPLES,
      );
      const model = await loadReportModel(files('raw.json'));
      const exported = values(legacyOf('legacy.json'), metric);
      const latency = name ? model.endpoints.find((e) => e.name === name)?.latency : model.overview.latency;
      for (const [key, k6Key, p] of [
        ['med', 'med', 50],
        ['p90', 'p(90)', 90],
        ['p95', 'p(95)', 95],
        ['p99', 'p(99)', 99],
      ] as const) {
        const rank = ((samples.length - 1) * p) / 100;
        const low = (samples[Math.max(0, Math.floor(rank) - 1)] ?? 0) * 0.999 - 0.001;
        const high = (samples[Math.min(samples.length - 1, Math.ceil(rank) + 1)] ?? 0) * 1.001 + 0.001;
        const ours = latency?.[key] ?? Number.NaN;
        expect(ours, `${key}: ${ours} within [${low}, ${high}] around k6's ${exported[k6Key]}`).toBeGreaterThanOrEqual(
          low,
        );
        expect(ours).toBeLessThanOrEqual(high);
        expect(exported[k6Key]).toBeGreaterThanOrEqual(low);
        expect(exported[k6Key]).toBeLessThanOrEqual(high);
      }
    },
  );

  it('--out csv (plain and .gz) reads the same run as --out json', async () => {
    const fromJson = await loadReportModel(files('raw.json'));
    for (const file of ['raw.csv', 'raw.csv.gz']) {
      const model = await loadReportModel(files(file));
      expectSameAsExport(model, legacyOf('legacy.json'), 'csv');
      expect(model.checks).toEqual(fromJson.checks);
      expect(model.statuses).toEqual(fromJson.statuses);
      // k6 writes CSV values with six decimals (nanoseconds of a millisecond)
      expect(model.overview.latency?.max).toBeCloseTo(fromJson.overview.latency?.max ?? Number.NaN, 5);
    }
  });

  it('a truncated and a spliced stream degrade to a report with notes; garbage exits 2 with one line', async () => {
    const text = readFileSync(files('raw.json'), 'utf8');
    writeFileSync(files('cut.json'), text.slice(0, Math.floor(text.length / 2)));
    writeFileSync(files('spliced.json'), text.replace('\n', '\nthis is not k6\n'));
    writeFileSync(files('cut.csv.gz'), readFileSync(files('raw.csv.gz')).subarray(0, 4000));
    for (const file of ['cut.json', 'spliced.json', 'cut.csv.gz']) {
      const model = await loadReportModel(files(file));
      expect(model.overview.requests ?? 0, file).toBeGreaterThan(0);
      if (file !== 'cut.json')
        expect(
          model.notes.some((n) => n.id === 'input'),
          file,
        ).toBe(true);
    }
    writeFileSync(files('garbage.bin'), Buffer.from('\u0000\u0001 not k6 at all \n'.repeat(10)));
    const cli = await execa(path.join(import.meta.dirname, '../../bin/loadctl'), ['report', files('garbage.bin')], {
      reject: false,
    });
    expect(cli.exitCode).toBe(2);
    expect(cli.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('summary JSON of every shape cut or spliced: a report of the complete metrics and a note naming the byte', async () => {
    const bin = path.join(import.meta.dirname, '../../bin/loadctl');
    for (const name of ['legacy.json', 'handle.handle.json', 'machine.json', 'machine.handle.json']) {
      const text = readFileSync(files(name), 'utf8');
      const damaged = {
        [`cut-${name}`]: text.slice(0, Math.floor(text.length * 0.8)),
        [`spliced-${name}`]: `${text.slice(0, Math.floor(text.length * 0.8))}\u0000 not k6 ${text.slice(Math.floor(text.length * 0.4))}`,
      };
      for (const [file, content] of Object.entries(damaged)) {
        writeFileSync(files(file), content);
        const cli = await execa(bin, ['report', files(file), '--format', 'json'], { reject: false });
        expect(cli.exitCode, `${file}: ${cli.stderr}`).toBe(0);
        const model = JSON.parse(cli.stdout) as ReportModel;
        expect(model.notes.find((n) => n.id === 'input')?.text, file).toMatch(
          /the JSON breaks off at byte \d+ \(truncated or spliced\)/,
        );
      }
    }
  });

  it('standard input: `loadctl report -` reads a piped text summary and a piped gzip CSV', async () => {
    const bin = path.join(import.meta.dirname, '../../bin/loadctl');
    for (const file of ['compact.txt', 'raw.csv.gz']) {
      const cli = await execa(bin, ['report', '-', '--format', 'json'], { inputFile: files(file), reject: false });
      expect(cli.exitCode, cli.stderr).toBe(0);
      expect((JSON.parse(cli.stdout) as ReportModel).overview.requests).toBe(
        values(legacyOf('legacy.json'), 'http_reqs').count,
      );
    }
  });
});

describe('dropped iterations, per scenario', () => {
  it('explains the browse scenario’s drops from its own rate, VUs and iteration time', async () => {
    const model = await loadReportModel(files('raw.json'));
    const note = model.notes.find((n) => n.id === 'dropped-iterations');
    expect(note?.value).toBe(values(legacyOf('legacy.json'), 'dropped_iterations').count);
    expect(note?.text).toContain("'browse'");
    expect(note?.text).not.toContain("'hammer'");
    const text = await loadReportModel(files('compact.txt'));
    expect(text.notes.find((n) => n.id === 'dropped-iterations')?.text).toContain('no per-scenario');
    expect(formatPercent(model.overview.errorRate)).toBe(
      formatPercent((model.overview.failed ?? 0) / (model.overview.requests ?? 1)),
    );
  });
});

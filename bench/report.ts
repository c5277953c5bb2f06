// Benchmark: our raw-stream aggregation vs `jq -c 'select(.type=="Point")'` on the same ≥ 1 GB k6 NDJSON file.
// Prints throughput of both, the ratio and our peak RSS (bar: ≥ 10× jq, RSS < 300 MB). Then the same samples
// as k6 --out csv against --out json, one thread each: the CSV reader's time per sample (bar: within 2×).
//   npm run bench:report                       generate /tmp/loadctl-bench-raw.ndjson (1.1 GB) and measure
//   npm run bench:report -- --file raw.json    measure an existing plain NDJSON raw stream
//   npm run bench:report -- --size-gb 2        generate a bigger file (RSS must stay flat)
import { execa } from 'execa';
import { closeSync, existsSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';

const here = fileURLToPath(new URL('.', import.meta.url));
const { values } = parseArgs({
  options: {
    file: { type: 'string' },
    'size-gb': { type: 'string', default: '1.1' },
    child: { type: 'string' },
    workers: { type: 'string' },
  },
});

if (values.child) {
  // Child mode: aggregate and report peak RSS of this process (worker threads included).
  const { aggregateRawFile } = await import('../cli/report/inputs/raw-stream.ts');
  const started = performance.now();
  const aggregate = await aggregateRawFile(values.child, values.workers ? { workers: Number(values.workers) } : {});
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    JSON.stringify({
      seconds,
      requests: aggregate.overview().requests,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
    }),
  );
  process.exit(0);
}

const template = gunzipSync(readFileSync(new URL('../cli/report/fixtures/k6/raw.json.gz', import.meta.url))).toString(
  'utf8',
);

/** Repeats the real k6 fixture's lines, shifting each copy to its own minute so the timeline is realistic. */
function generate(file: string, bytes: number): number {
  const fd = openSync(file, 'w');
  let written = 0;
  let copy = 0;
  for (; written < bytes; copy += 1) {
    const hh = String(Math.floor(copy / 60) % 24).padStart(2, '0');
    const mm = String(copy % 60).padStart(2, '0');
    const day = String(1 + Math.floor(copy / 1440)).padStart(2, '0');
    const block = template.replaceAll('2026-11-25T11:29:', `2026-11-${day}T${hh}:${mm}:`);
    written += writeSync(fd, block);
  }
  closeSync(fd);
  return copy;
}

// k6's CSV columns (v2.2), in k6's order
const CSV_TAGS = [
  'check',
  'error',
  'error_code',
  'expected_response',
  'group',
  'method',
  'name',
  'proto',
  'scenario',
  'service',
  'status',
  'subproto',
  'tls_version',
  'url',
];

/** The same samples as `copies` copies of the JSON fixture, written as k6 --out csv writes them. */
function generateCsv(file: string, copies: number): void {
  const quote = (value: string) => (/[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
  const points = template
    .split('\n')
    .filter((line) => line.includes('"type":"Point"'))
    .map(
      (line) =>
        JSON.parse(line) as { metric: string; data: { time: string; value: number; tags?: Record<string, string> } },
    );
  const fd = openSync(file, 'w');
  writeSync(fd, `metric_name,timestamp,metric_value,${CSV_TAGS.join(',')},extra_tags,metadata\n`);
  for (let copy = 0; copy < copies; copy += 1) {
    const lines = points.map((p) => {
      const seconds = Math.floor(Date.parse(p.data.time) / 1000) + copy * 60;
      return `${p.metric},${seconds},${p.data.value.toFixed(6)},${CSV_TAGS.map((tag) => quote(p.data.tags?.[tag] ?? '')).join(',')},,\n`;
    });
    writeSync(fd, lines.join(''));
  }
  closeSync(fd);
}

type ChildResult = { seconds: number; requests: number; maxRssMb: number };
async function measure(input: string, workers?: number): Promise<ChildResult> {
  const args = [
    '--import',
    'tsx',
    `${here}report.ts`,
    '--child',
    input,
    ...(workers ? ['--workers', String(workers)] : []),
  ];
  return JSON.parse((await execa('node', args, { cwd: `${here}..` })).stdout) as ChildResult;
}

const file = values.file ?? '/tmp/loadctl-bench-raw.ndjson';
if (!values.file) {
  const target = Number(values['size-gb']) * 1e9;
  if (!existsSync(file) || statSync(file).size < target) {
    process.stdout.write(`generating ${file} (${(target / 1e9).toFixed(1)} GB)…\n`);
    generate(file, target);
  }
}
const sizeMb = statSync(file).size / 1e6;
process.stdout.write(`input: ${file}, ${sizeMb.toFixed(0)} MB\n`);

const ours = await measure(file);
process.stdout.write(
  `loadctl: ${ours.seconds.toFixed(2)} s, ${(sizeMb / ours.seconds).toFixed(0)} MB/s, ${ours.requests} requests, peak RSS ${ours.maxRssMb.toFixed(0)} MB\n`,
);

const jqStarted = performance.now();
await execa('bash', ['-c', `jq -c 'select(.type=="Point")' "$1" > /dev/null`, 'jq', file]);
const jqSeconds = (performance.now() - jqStarted) / 1000;
process.stdout.write(`jq:      ${jqSeconds.toFixed(2)} s, ${(sizeMb / jqSeconds).toFixed(0)} MB/s\n`);

const ratio = jqSeconds / ours.seconds;
const pass = ratio >= 10 && ours.maxRssMb < 300;
process.stdout.write(
  `ratio: ${ratio.toFixed(1)}× jq · RSS ${ours.maxRssMb.toFixed(0)} MB · ${pass ? 'PASS' : 'FAIL'} (bar: ≥ 10× jq, RSS < 300 MB)\n`,
);

// CSV against JSON: the same samples, one thread each (the JSON reader's worker threads set aside)
const copies = 400;
const [jsonFile, csvFile] = ['/tmp/loadctl-bench-same.ndjson', '/tmp/loadctl-bench-same.csv'];
generate(jsonFile, copies * Buffer.byteLength(template) - 1);
generateCsv(csvFile, copies);
const samples = copies * template.split('\n').filter((line) => line.includes('"type":"Point"')).length;
const [json1, csv1] = [await measure(jsonFile, 1), await measure(csvFile, 1)];
if (csv1.requests !== json1.requests) throw new Error(`CSV read ${csv1.requests} requests, JSON ${json1.requests}`);
const perSample = (r: ChildResult) => (r.seconds * 1e9) / samples;
const csvRatio = csv1.seconds / json1.seconds;
const csvPass = csvRatio <= 2;
process.stdout.write(
  `same ${samples} samples, one thread: json ${perSample(json1).toFixed(0)} ns/sample (${json1.seconds.toFixed(2)} s), csv ${perSample(csv1).toFixed(0)} ns/sample (${csv1.seconds.toFixed(2)} s, peak RSS ${csv1.maxRssMb.toFixed(0)} MB)\n`,
);
process.stdout.write(
  `csv/json: ${csvRatio.toFixed(2)}× · ${csvPass ? 'PASS' : 'FAIL'} (bar: CSV within 2× of JSON per sample)\n`,
);
process.exitCode = pass && csvPass ? 0 : 1;

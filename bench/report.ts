// Benchmark: our raw-stream aggregation vs `jq -c 'select(.type=="Point")'` on the same ≥ 1 GB k6 NDJSON file.
// Prints throughput of both, the ratio and our peak RSS (bar: ≥ 10× jq, RSS < 300 MB).
//   npm run bench:report                       generate /tmp/loadctl-bench-raw.ndjson (1.1 GB) and measure
//   npm run bench:report -- --file raw.json    measure an existing plain NDJSON raw stream
//   npm run bench:report -- --size-gb 2        generate a bigger file (RSS must stay flat)
import { execa } from 'execa';
import { closeSync, existsSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';

const here = fileURLToPath(new URL('.', import.meta.url));
const { values } = parseArgs({ options: { file: { type: 'string' }, 'size-gb': { type: 'string', default: '1.1' }, child: { type: 'string' } } });

if (values.child) {
  // Child mode: aggregate and report peak RSS of this process (worker threads included).
  const { aggregateRawFile } = await import('../cli/report/inputs/raw-stream.ts');
  const started = performance.now();
  const aggregate = await aggregateRawFile(values.child);
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(JSON.stringify({ seconds, requests: aggregate.overview().requests, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
  process.exit(0);
}

/** Repeats the real k6 fixture's lines, shifting each copy to its own minute so the timeline is realistic. */
function generate(file: string, bytes: number): void {
  const template = gunzipSync(readFileSync(new URL('../cli/report/fixtures/k6/raw.json.gz', import.meta.url))).toString('utf8');
  const fd = openSync(file, 'w');
  let written = 0;
  for (let copy = 0; written < bytes; copy += 1) {
    const hh = String(Math.floor(copy / 60) % 24).padStart(2, '0');
    const mm = String(copy % 60).padStart(2, '0');
    const day = String(1 + Math.floor(copy / 1440)).padStart(2, '0');
    const block = template.replaceAll('2026-11-25T11:29:', `2026-11-${day}T${hh}:${mm}:`);
    written += writeSync(fd, block);
  }
  closeSync(fd);
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

const ours = JSON.parse((await execa('node', ['--import', 'tsx', `${here}report.ts`, '--child', file], { cwd: `${here}..` })).stdout) as { seconds: number; requests: number; maxRssMb: number };
process.stdout.write(`loadctl: ${ours.seconds.toFixed(2)} s, ${(sizeMb / ours.seconds).toFixed(0)} MB/s, ${ours.requests} requests, peak RSS ${ours.maxRssMb.toFixed(0)} MB\n`);

const jqStarted = performance.now();
await execa('bash', ['-c', `jq -c 'select(.type=="Point")' "$1" > /dev/null`, 'jq', file]);
const jqSeconds = (performance.now() - jqStarted) / 1000;
process.stdout.write(`jq:      ${jqSeconds.toFixed(2)} s, ${(sizeMb / jqSeconds).toFixed(0)} MB/s\n`);

const ratio = jqSeconds / ours.seconds;
const pass = ratio >= 10 && ours.maxRssMb < 300;
process.stdout.write(`ratio: ${ratio.toFixed(1)}× jq · RSS ${ours.maxRssMb.toFixed(0)} MB · ${pass ? 'PASS' : 'FAIL'} (bar: ≥ 10× jq, RSS < 300 MB)\n`);
process.exitCode = pass ? 0 : 1;

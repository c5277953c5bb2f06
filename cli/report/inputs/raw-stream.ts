// Reads k6 raw streams (`--out json`, gzip or plain) in constant memory. A large plain file is split at line
// boundaries over worker threads (one per core, at most two chunks each way is what a laptop has); their
// aggregates merge exactly. Gzip cannot be split, so it streams through one thread.
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { createGunzip, gunzipSync } from 'node:zlib';
import { Aggregate, type AggregateSnapshot } from '../aggregate.ts';
import { ReportInputError } from './input-error.ts';
import { aggregateCsvFile, CSV_HEADER_START } from './raw-csv.ts';
import { scanFinalLine, scanLines } from './raw-scanner.ts';
import type { ReportReader } from './reader.ts';

export interface RawReadOptions {
  /** plain files at least this large are read by worker threads; default 64 MB */
  parallelFromBytes?: number;
  workers?: number;
}

const GZIP_MAGIC = [0x1f, 0x8b];

export async function isGzipFile(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
  } finally {
    await handle.close();
  }
}

/**
 * The first 4 KB of a file as text, decompressed when it is gzip (as much as the first block gives): enough
 * to tell k6's raw formats apart by their first line. Empty when the gzip is damaged from its start.
 */
export async function headText(file: string, gzip: boolean): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(gzip ? 64 * 1024 : 4096);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (!gzip) return buffer.toString('utf8', 0, bytesRead);
    try {
      return gunzipSync(buffer.subarray(0, bytesRead), { finishFlush: 2 /* Z_SYNC_FLUSH: a partial stream is fine */ }).toString('utf8', 0, 4096);
    } catch {
      return '';
    }
  } finally {
    await handle.close();
  }
}

/** A raw stream starts with a Point/Metric line (gzip or not); it is aggregated later, with the other streams. */
export const rawStreamReader: ReportReader = {
  format: 'raw-stream',
  sniff: (sample) => /^\{"(type|metric)":"(Point|Metric|[^"]+","type":"Point)/.test(sample.firstLine),
  read: () => ({ format: 'raw-stream' }),
};

/** Aggregates one raw stream file. Throws ReportInputError naming the file and line on bad input. */
export async function aggregateRawFile(file: string, options: RawReadOptions = {}): Promise<Aggregate> {
  const gzip = await isGzipFile(file);
  const size = (await stat(file)).size;
  if (size === 0) throw new ReportInputError(file, undefined, 'file is empty; expected k6 --out json NDJSON');
  if ((await headText(file, gzip)).trimStart().startsWith(CSV_HEADER_START)) return nonEmpty(file, await aggregateCsvFile(file, gzip));
  const workers = options.workers ?? Math.min(2, availableParallelism());
  if (!gzip && workers > 1 && size >= (options.parallelFromBytes ?? 64 * 1024 * 1024)) {
    try {
      return await aggregateInWorkers(file, size, workers);
    } catch (error) {
      // A worker only knows its byte range; read sequentially once to name the exact line.
      if (error instanceof WorkerInputError) return aggregateRange(file, { gzip: false });
      throw error;
    }
  }
  return nonEmpty(file, await aggregateRange(file, { gzip }));
}

function nonEmpty(file: string, aggregate: Aggregate): Aggregate {
  if (!Number.isFinite(aggregate.firstMs)) throw new ReportInputError(file, undefined, 'no k6 samples found; expected k6 --out json NDJSON or --out csv');
  return aggregate;
}

/** Merges several raw streams (split or distributed runs) into one aggregate. */
export async function aggregateRawFiles(files: string[], options: RawReadOptions = {}): Promise<Aggregate> {
  const total = new Aggregate();
  for (const file of files) total.merge(await aggregateRawFile(file, options));
  return total;
}

interface Range {
  gzip: boolean;
  /** lines whose first byte lies in [start, end) */
  start?: number;
  end?: number;
}

/** Reads the lines of one byte range (or the whole file) into a new aggregate. */
export async function aggregateRange(file: string, range: Range): Promise<Aggregate> {
  const aggregate = new Aggregate();
  // a damaged line is skipped and counted: the report says so instead of being lost
  const fail = (line: number, problem: string): void => aggregate.skipLine(range.start ? `line ${line} after byte ${range.start}` : `line ${line}`, problem);
  const readFrom = range.start ? range.start - 1 : 0;
  const raw = createReadStream(file, { start: readFrom, highWaterMark: 1 << 20 });
  const source = range.gzip ? raw.pipe(createGunzip()) : raw;
  let carry: Buffer = Buffer.alloc(0);
  let lineNumber = 1;
  let position = readFrom;
  let skipping = readFrom > 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      let buf = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      let bufStart = position - carry.length;
      position += chunk.length;
      if (skipping) {
        // the previous range owns the line that straddles our start
        const newline = buf.indexOf(10);
        if (newline < 0) {
          carry = Buffer.alloc(0);
          continue;
        }
        skipping = false;
        bufStart += newline + 1;
        buf = buf.subarray(newline + 1);
      }
      const limit = range.end === undefined ? buf.length : Math.min(buf.length, range.end - bufStart);
      // stop after the last line that starts before `end`: scan up to the first newline at or after it
      const scanEnd = limit < buf.length ? Math.min(buf.length, buf.indexOf(10, Math.max(limit - 1, 0)) + 1 || buf.length) : buf.length;
      const { consumedTo, lines } = scanLines(buf, 0, scanEnd, aggregate, lineNumber, fail);
      lineNumber += lines;
      if (range.end !== undefined && bufStart + consumedTo >= range.end) {
        raw.destroy();
        return aggregate;
      }
      carry = Buffer.from(buf.subarray(consumedTo));
    }
  } catch (error) {
    if (error instanceof ReportInputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'Z_BUF_ERROR' && code !== 'Z_DATA_ERROR') throw error;
    aggregate.truncated = `the gzip stream is truncated or corrupt after line ${lineNumber}`;
    return aggregate;
  }
  scanFinalLine(carry, aggregate, lineNumber, fail);
  return aggregate;
}

class WorkerInputError extends Error {}

async function aggregateInWorkers(file: string, size: number, workers: number): Promise<Aggregate> {
  const step = Math.ceil(size / workers);
  const ranges = Array.from({ length: workers }, (_, i) => ({ start: i * step, end: Math.min(size, (i + 1) * step) }));
  const snapshots = await Promise.all(ranges.map((range) => runWorker(file, range)));
  const total = new Aggregate();
  for (const snapshot of snapshots) total.merge(Aggregate.fromSnapshot(snapshot));
  return total;
}

// Worker threads do not inherit a loader registered with --import, so each one registers tsx itself before
// importing the TypeScript worker module; the paths are resolved from this file, not the working directory.
const tsxApi = new URL('../../../node_modules/tsx/dist/esm/api/index.mjs', import.meta.url).href;
const workerModule = new URL('./raw-worker.ts', import.meta.url).href;
const workerBootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(workerModule)}); });`;

function runWorker(file: string, range: { start: number; end: number }): Promise<AggregateSnapshot> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerBootstrap, { eval: true, workerData: { file, ...range }, execArgv: [] });
    worker.once('message', (message: { snapshot?: AggregateSnapshot; error?: string }) => {
      if (message.snapshot) resolve(message.snapshot);
      else reject(new WorkerInputError(message.error));
    });
    worker.once('error', reject);
  });
}

// Reads k6 raw streams (`--out json`, gzip or plain) in constant memory. A large plain file is split at line
// boundaries over threads (the main one and workers: one per core, at most two, which is what a laptop has);
// their aggregates merge exactly. Gzip cannot be split, so it streams through one thread.
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
      return gunzipSync(buffer.subarray(0, bytesRead), {
        finishFlush: 2 /* Z_SYNC_FLUSH: a partial stream is fine */,
      }).toString('utf8', 0, 4096);
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
  if ((await headText(file, gzip)).trimStart().startsWith(CSV_HEADER_START))
    return nonEmpty(file, await aggregateCsvFile(file, gzip));
  const workers = options.workers ?? Math.min(2, availableParallelism());
  if (!gzip && workers > 1 && size >= (options.parallelFromBytes ?? 64 * 1024 * 1024)) {
    try {
      return await aggregateInParallel(file, size, workers);
    } catch (error) {
      // A worker only knows its byte range; read sequentially once to name the exact line.
      if (error instanceof WorkerInputError) return aggregateRange(file, { gzip: false });
      throw error;
    }
  }
  return nonEmpty(file, await aggregateRange(file, { gzip }));
}

function nonEmpty(file: string, aggregate: Aggregate): Aggregate {
  if (!Number.isFinite(aggregate.firstMs))
    throw new ReportInputError(file, undefined, 'no k6 samples found; expected k6 --out json NDJSON or --out csv');
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

/**
 * The bytes read but not yet scanned, in one buffer reused for the whole file: the unfinished last line moves
 * to its front before the next read. Fresh 1 MB chunks (a read stream's, plus a concat with the carried line)
 * are garbage outside the JS heap that V8 collects only under external-memory pressure, which cost each
 * reading thread some 60 MB of RSS; a reused buffer makes none.
 */
class LineWindow {
  buffer = Buffer.allocUnsafe(1 << 20);
  /** bytes held, from buffer[0] */
  held = 0;
  /** file (or decompressed stream) offset of buffer[0] */
  offset: number;

  constructor(offset: number) {
    this.offset = offset;
  }

  /** Free space after the held bytes; the buffer doubles only when one line fills it whole. */
  reserve(bytes: number): void {
    if (this.buffer.length - this.held >= bytes) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.held + bytes));
    this.buffer.copy(bigger, 0, 0, this.held);
    this.buffer = bigger;
  }

  append(chunk: Buffer): void {
    this.reserve(chunk.length);
    chunk.copy(this.buffer, this.held);
    this.held += chunk.length;
  }

  /** Drops the first `bytes` bytes (scanned lines). */
  consume(bytes: number): void {
    this.buffer.copyWithin(0, bytes, this.held);
    this.held -= bytes;
    this.offset += bytes;
  }

  /** Position just after the first newline at or after `from` among the held bytes, or -1. */
  lineEndAfter(from: number): number {
    const newline = this.buffer.indexOf(10, from);
    return newline >= 0 && newline < this.held ? newline + 1 : -1;
  }
}

/** Fills the window from a plain file from `position` on, resolving once per read; ends at end of file. */
async function* readPlain(file: string, position: number, window: LineWindow): AsyncGenerator<void> {
  const handle = await open(file, 'r');
  try {
    for (;;) {
      window.reserve(1 << 16);
      const { bytesRead } = await handle.read(window.buffer, window.held, window.buffer.length - window.held, position);
      if (bytesRead === 0) return;
      position += bytesRead;
      window.held += bytesRead;
      yield;
    }
  } finally {
    await handle.close();
  }
}

/** Fills the window with a gzip file's decompressed bytes, resolving once per chunk. */
async function* readGzip(file: string, window: LineWindow): AsyncGenerator<void> {
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of raw.pipe(createGunzip()) as AsyncIterable<Buffer>) {
      window.append(chunk);
      yield;
    }
  } finally {
    raw.destroy();
  }
}

/** Reads the lines of one byte range (or the whole file) into a new aggregate. */
export async function aggregateRange(file: string, range: Range): Promise<Aggregate> {
  const aggregate = new Aggregate();
  // a damaged line is skipped and counted: the report says so instead of being lost
  const fail = (line: number, problem: string): void =>
    aggregate.skipLine(range.start ? `line ${line} after byte ${range.start}` : `line ${line}`, problem);
  const readFrom = range.start ? range.start - 1 : 0;
  const window = new LineWindow(readFrom);
  let lineNumber = 1;
  let skipping = readFrom > 0;
  try {
    for await (const _ of range.gzip ? readGzip(file, window) : readPlain(file, readFrom, window)) {
      if (skipping) {
        // the previous range owns the line that straddles our start
        const ourFirst = window.lineEndAfter(0);
        if (ourFirst < 0) {
          window.consume(window.held);
          continue;
        }
        skipping = false;
        window.consume(ourFirst);
      }
      const held = window.held;
      const limit = range.end === undefined ? held : Math.min(held, range.end - window.offset);
      // stop after the last line that starts before `end`: scan up to the first newline at or after it
      const lineAfterLimit = limit < held ? window.lineEndAfter(Math.max(limit - 1, 0)) : -1;
      const scanEnd = lineAfterLimit < 0 ? held : lineAfterLimit;
      const { consumedTo, lines } = scanLines(window.buffer, 0, scanEnd, aggregate, lineNumber, fail);
      lineNumber += lines;
      if (range.end !== undefined && window.offset + consumedTo >= range.end) return aggregate;
      window.consume(consumedTo);
    }
  } catch (error) {
    if (error instanceof ReportInputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'Z_BUF_ERROR' && code !== 'Z_DATA_ERROR') throw error;
    aggregate.truncated = `the gzip stream is truncated or corrupt after line ${lineNumber}`;
    return aggregate;
  }
  scanFinalLine(window.buffer.subarray(0, window.held), aggregate, lineNumber, fail);
  return aggregate;
}

class WorkerInputError extends Error {}

/**
 * One byte range per thread. The main thread reads the first range itself rather than wait: each worker
 * thread costs its own V8 heap and tsx loader, some 60 MB of RSS.
 */
async function aggregateInParallel(file: string, size: number, threads: number): Promise<Aggregate> {
  const step = Math.ceil(size / threads);
  const ranges = Array.from({ length: threads }, (_, i) => ({ start: i * step, end: Math.min(size, (i + 1) * step) }));
  const [first, ...others] = ranges;
  const [total, ...snapshots] = await Promise.all([
    aggregateRange(file, { gzip: false, ...first }),
    ...others.map((range) => runWorker(file, range)),
  ]);
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

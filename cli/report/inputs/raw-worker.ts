// Worker thread: aggregates the lines of one byte range of a plain raw stream and posts back a snapshot.
import { parentPort, workerData } from 'node:worker_threads';
import { aggregateRange } from './raw-stream.ts';

const { file, start, end } = workerData as { file: string; start: number; end: number };
try {
  const aggregate = await aggregateRange(file, { gzip: false, start, end });
  parentPort?.postMessage({ snapshot: aggregate.toSnapshot() });
} catch (error) {
  parentPort?.postMessage({ error: error instanceof Error ? error.message : String(error) });
}

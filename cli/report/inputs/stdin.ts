// `loadctl report -`: k6 output piped in (`k6 run … | loadctl report -`, `zcat raw.json.gz | loadctl report -`).
// The bytes go to a temporary file first, so the table of readers sniffs and reads them like any other file.
import { createWriteStream } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export const STDIN_INPUT = '-';

/** Copies a stream (standard input) to a new temporary file and returns its path. */
export async function saveStdin(input: Readable = process.stdin): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'loadctl-stdin-'));
  const file = path.join(dir, 'stdin');
  await pipeline(input, createWriteStream(file));
  return file;
}

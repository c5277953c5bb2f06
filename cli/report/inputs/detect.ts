// Picks the reader for a file by its content, not its name: the first reader in the table whose sniff
// accepts the file reads it. Order matters: a raw stream is recognised by its first bytes before anything
// reads the whole file, and loadctl's own report.json before the k6 summary shapes.
import { readFile, stat } from 'node:fs/promises';
import { ReportInputError } from './input-error.ts';
import { rawCsvReader } from './raw-csv.ts';
import { headText, isGzipFile, rawStreamReader } from './raw-stream.ts';
import type { DetectedInput, InputSample, ReportReader } from './reader.ts';
import { reportJsonReader } from './report-json.ts';
import { handleSummaryReader } from './summary-handle.ts';
import { legacySummaryReader } from './summary-legacy.ts';
import { machineSummaryReader } from './summary-machine.ts';
import { type JsonDamage, jsonErrorByte, recoverJson } from './summary-recovery.ts';
import { textSummaryReader } from './text-summary.ts';

/** Every input format, one line each: a new format is its reader file (with a fixture) and a line here. */
const READERS: readonly ReportReader[] = [
  rawStreamReader,
  rawCsvReader,
  reportJsonReader,
  machineSummaryReader,
  handleSummaryReader,
  legacySummaryReader,
  textSummaryReader,
];

/** Summaries are small; anything bigger than this that is not NDJSON is not a k6 summary. */
const MAX_SUMMARY_BYTES = 64 * 1024 * 1024;

async function sampleOf(file: string): Promise<InputSample> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    throw new ReportInputError(file, undefined, 'no such file; expected a run directory or a k6 output file');
  }
  if (size === 0)
    throw new ReportInputError(
      file,
      undefined,
      'file is empty; expected k6 output (raw stream, summary JSON or text summary)',
    );
  const gzip = await isGzipFile(file);
  const start = (await headText(file, gzip)).trimStart();
  let text: Promise<string> | undefined;
  let parsed: Promise<{ value: unknown; damage?: JsonDamage }> | undefined;
  const readText = async (): Promise<string> => {
    if (size > MAX_SUMMARY_BYTES)
      throw new ReportInputError(
        file,
        'line 1',
        'too large for a k6 summary and not a k6 raw stream (expected {"type":"Point"|"Metric",…} lines)',
      );
    return readFile(file, 'utf8');
  };
  // A damaged document yields its complete part: the summary readers note the damage, report.json refuses it.
  const parseJson = async (): Promise<{ value: unknown; damage?: JsonDamage }> => {
    const content = await sample.text();
    try {
      return { value: JSON.parse(content) };
    } catch {
      const recovered = recoverJson(content);
      if (recovered) return recovered;
      throw notJson(file, jsonErrorByte(content));
    }
  };
  const json = () => {
    parsed ??= parseJson();
    return parsed;
  };
  const sample: InputSample = {
    file,
    gzip,
    firstLine: start.split('\n', 1)[0] ?? '',
    startsWithBrace: start.startsWith('{'),
    text: () => (text ??= readText()),
    json: async () => (await json()).value,
    jsonDamage: async () => (await json()).damage,
  };
  return sample;
}

export async function detectInput(file: string): Promise<DetectedInput> {
  const sample = await sampleOf(file);
  for (const reader of READERS) if (await reader.sniff(sample)) return reader.read(sample);
  if (sample.startsWithBrace) {
    const damage = await sample.jsonDamage();
    if (damage) throw notJson(file, damage.byte);
    throw new ReportInputError(
      file,
      'top level',
      'JSON but not a k6 summary; expected "metrics" (--summary-export, handleSummary) or "results" (machine-readable summary)',
    );
  }
  throw new ReportInputError(
    file,
    'line 1',
    `not k6 output; expected a raw stream (--out json or --out csv${sample.gzip ? ', gzip-compressed' : ''}), a summary JSON or a k6 text summary`,
  );
}

function notJson(file: string, byte: number): ReportInputError {
  return new ReportInputError(
    file,
    `byte ${byte}`,
    'not valid JSON (truncated or garbled); expected a k6 summary JSON',
  );
}

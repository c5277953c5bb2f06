// Picks the parser for a file by its content, not its name: gzip or NDJSON Point/Metric lines are a raw
// stream; JSON is one of k6's three summary shapes (or our own report.json); anything else must read as a
// k6 text summary.
import { open, readFile, stat } from 'node:fs/promises';
import { REPORT_SCHEMA_ID, ReportModel, type InputFormat } from '../model.ts';
import { ReportInputError } from './input-error.ts';
import { isGzipFile } from './raw-stream.ts';
import { looksLikeHandleSummary, parseHandleSummary } from './summary-handle.ts';
import { looksLikeLegacySummary, parseLegacySummary } from './summary-legacy.ts';
import { looksLikeMachineSummary, parseMachineSummary } from './summary-machine.ts';
import { isRecord, type NormalizedSummary } from './summary.ts';
import { looksLikeTextSummary, parseTextSummary } from './text-summary.ts';

/** Summaries are small; anything bigger than this that is not NDJSON is not a k6 summary. */
const MAX_SUMMARY_BYTES = 64 * 1024 * 1024;

export type DetectedInput = { format: 'raw-stream' } | { format: 'summary'; summary: NormalizedSummary } | { format: 'report-json'; model: ReportModel };

async function head(file: string, bytes: number): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.toString('utf8', 0, bytesRead);
  } finally {
    await handle.close();
  }
}

export async function detectInput(file: string): Promise<DetectedInput> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    throw new ReportInputError(file, undefined, 'no such file; expected a run directory or a k6 output file');
  }
  if (size === 0) throw new ReportInputError(file, undefined, 'file is empty; expected k6 output (raw stream, summary JSON or text summary)');
  if (await isGzipFile(file)) return { format: 'raw-stream' };
  const start = (await head(file, 4096)).trimStart();
  const firstLine = start.split('\n', 1)[0] ?? '';
  if (/^\{"(type|metric)":"(Point|Metric|[^"]+","type":"Point)/.test(firstLine)) return { format: 'raw-stream' };
  if (size > MAX_SUMMARY_BYTES) throw new ReportInputError(file, 'line 1', 'too large for a k6 summary and not a k6 raw stream (expected {"type":"Point"|"Metric",…} lines)');
  const text = await readFile(file, 'utf8');
  if (start.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new ReportInputError(file, jsonErrorPosition(error), 'not valid JSON (truncated or garbled); expected a k6 summary JSON');
    }
    return detectJson(json, file);
  }
  if (looksLikeTextSummary(text)) return { format: 'summary', summary: parseTextSummary(text, file) };
  throw new ReportInputError(file, 'line 1', 'not k6 output; expected a raw stream (--out json), a summary JSON or a k6 text summary');
}

function detectJson(json: unknown, file: string): DetectedInput {
  if (isRecord(json) && json.schema === REPORT_SCHEMA_ID) return { format: 'report-json', model: parseReportJson(json, file) };
  if (looksLikeMachineSummary(json)) return { format: 'summary', summary: parseMachineSummary(json, file) };
  if (looksLikeHandleSummary(json)) return { format: 'summary', summary: parseHandleSummary(json, file) };
  if (looksLikeLegacySummary(json)) return { format: 'summary', summary: parseLegacySummary(json, file) };
  throw new ReportInputError(file, 'top level', 'JSON but not a k6 summary; expected "metrics" (--summary-export, handleSummary) or "results" (machine-readable summary)');
}

/** A report.json written earlier (a baseline, say): trusted only after every field checks out. */
function parseReportJson(json: unknown, file: string): ReportModel {
  const parsed = ReportModel.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.length ? `field ${issue.path.join('.')}` : 'top level';
  throw new ReportInputError(file, field, `damaged loadctl report: ${issue?.message ?? 'invalid'}`);
}

function jsonErrorPosition(error: unknown): string | undefined {
  const match = error instanceof Error ? /position (\d+)/.exec(error.message) : null;
  return match ? `byte ${match[1]}` : undefined;
}

export type { InputFormat };

// k6's `--out csv` (plain or .gz): one sample per line under the header
//   metric_name,timestamp,metric_value,check,error,error_code,expected_response,group,method,name,proto,…,extra_tags,metadata
// The timestamp is in whole seconds by default (k6's timeFormat=unix; milli-, micro- and nanoseconds and
// RFC 3339 are read too). CSV carries no Metric lines, so no thresholds and no metric types. Read in one
// streaming pass into the same Aggregate as the JSON stream.
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { Aggregate, type SampleTags } from '../aggregate.ts';
import { BUILTIN_PREFIXES, READ_BUILTIN_METRICS } from '../custom-metrics.ts';
import type { ReportReader } from './reader.ts';

export const CSV_HEADER_START = 'metric_name,timestamp,metric_value';

/** The k6 metrics the aggregate reads; other built-in ones are skipped after reading their name. */
const SKIPPED_BUILTIN = (name: string) =>
  BUILTIN_PREFIXES.some((prefix) => name.startsWith(prefix)) && !READ_BUILTIN.has(name);
const READ_BUILTIN = new Set<string>(READ_BUILTIN_METRICS);
const TAG_COLUMNS = ['name', 'url', 'scenario', 'status', 'expected_response', 'check'] as const;

export const rawCsvReader: ReportReader = {
  format: 'raw-csv',
  sniff: (sample) => sample.firstLine.startsWith(CSV_HEADER_START),
  // aggregated later with the other raw streams (aggregateRawFile tells CSV from JSON by the same header)
  read: () => ({ format: 'raw-stream' }),
};

/** `1796005926` (s), 13 digits ms, 16 µs, 19 ns, or an RFC 3339 time → epoch ms. */
function timestampMs(text: string): number {
  if (!/^\d+$/.test(text)) return Date.parse(text);
  const value = Number(text);
  return text.length <= 11 ? value * 1000 : text.length <= 13 ? value : text.length <= 16 ? value / 1000 : value / 1e6;
}

/** encoding/csv quoting: a field with a comma or quote is quoted, quotes doubled. */
function splitQuoted(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields;
}

/** Aggregates one k6 CSV file; damaged lines are counted in the aggregate, as for the JSON stream. */
export async function aggregateCsvFile(file: string, gzip: boolean): Promise<Aggregate> {
  const aggregate = new Aggregate();
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  const source = gzip ? raw.pipe(createGunzip()) : raw;
  const decoder = new StringDecoder('utf8');
  let columns: Map<string, number> | undefined;
  let tagIndexes: [keyof SampleTags, number][] = [];
  let valueAt = 2;
  let timeAt = 1;
  let lineNumber = 0;
  let carry = '';
  const readLine = (line: string): void => {
    lineNumber += 1;
    if (line === '') return;
    if (!columns) {
      const header = line.split(',');
      columns = new Map(header.map((name, index) => [name, index]));
      tagIndexes = TAG_COLUMNS.flatMap((tag) =>
        columns?.has(tag) ? [[tag, columns.get(tag) ?? 0] as [keyof SampleTags, number]] : [],
      );
      timeAt = columns.get('timestamp') ?? 1;
      valueAt = columns.get('metric_value') ?? 2;
      return;
    }
    const comma = line.indexOf(',');
    const metric = comma > 0 ? line.slice(0, comma) : '';
    if (SKIPPED_BUILTIN(metric)) return;
    const fields = line.includes('"') ? splitQuoted(line) : line.split(',');
    const timeMs = timestampMs(fields[timeAt] ?? '');
    const value = Number(fields[valueAt]);
    if (
      metric === '' ||
      fields.length !== columns.size ||
      !Number.isFinite(timeMs) ||
      fields[valueAt] === '' ||
      !Number.isFinite(value)
    ) {
      aggregate.skipLine(`line ${lineNumber}`, `expected ${columns.size} CSV fields with a time and a number`);
      return;
    }
    const tags: SampleTags = {};
    for (const [tag, index] of tagIndexes) {
      const tagValue = fields[index];
      if (tagValue) tags[tag] = tagValue;
    }
    aggregate.add(metric, timeMs, value, tags);
  };
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      const lines = (carry + decoder.write(chunk)).split('\n');
      carry = lines.pop() ?? '';
      for (const line of lines) readLine(line.endsWith('\r') ? line.slice(0, -1) : line);
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'Z_BUF_ERROR' && code !== 'Z_DATA_ERROR') throw error;
    aggregate.truncated = `the gzip stream is truncated or corrupt after line ${lineNumber}`;
    return aggregate;
  }
  readLine(carry + decoder.end());
  return aggregate;
}

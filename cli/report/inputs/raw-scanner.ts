// Turns lines of k6's `--out json` NDJSON into Aggregate calls. k6 writes every sample with one fixed layout:
//   {"metric":"NAME","type":"Point","data":{"time":"RFC3339","value":NUM,"tags":{"k":"v",...}}}
// JSON.parse on each of millions of lines is the bottleneck (and the garbage it makes), so the fast path
// reads that layout straight from the bytes, skips metrics the report does not use after reading their name,
// and falls back to JSON.parse for anything unusual (escapes, exponents, reordered keys, Metric lines).
import type { Aggregate, SampleTags } from '../aggregate.ts';
import { BUILTIN_PREFIXES, READ_BUILTIN_METRICS } from '../custom-metrics.ts';
import { asMetricType } from './summary.ts';
import { PROTOCOL_METRICS } from '../protocols/aggregate.ts';
import { BROWSER_REQUEST_METRIC } from '../protocols/browser.ts';

const USED_METRICS = [
  ...READ_BUILTIN_METRICS,
  ...[BROWSER_REQUEST_METRIC, 'browser_data_received', 'browser_data_sent'],
  ...PROTOCOL_METRICS,
];
const USED_TAGS = ['name', 'scenario', 'status', 'expected_response', 'check', 'url', 'group'] as const;
const URL_TAG = USED_TAGS.indexOf('url');
/** k6 also names HTTP samples by their url, so their (often long, per-id) url tag is not worth a string. */
const HTTP_METRIC = USED_METRICS.indexOf('http_req_duration');
// Names compared as bytes: slicing a string per line for a Map lookup costs more than the rest of the line.
const USED_METRIC_BYTES = USED_METRICS.map((name) => Buffer.from(name));
const USED_TAG_BYTES = USED_TAGS.map((name) => Buffer.from(name));

const BUILTIN_PREFIX_BYTES = BUILTIN_PREFIXES.map((prefix) => Buffer.from(prefix));
const POINT_PREFIX = Buffer.from('{"metric":"');
const POINT_MIDDLE = Buffer.from('","type":"Point","data":{"time":"');
const VALUE_KEY = Buffer.from('","value":');
const TAGS_KEY = Buffer.from(',"tags":{');

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export class LineError extends Error {}

function matchesAt(buf: Buffer, at: number, expected: Buffer): boolean {
  if (at + expected.length > buf.length) return false;
  for (let i = 0; i < expected.length; i += 1) if (buf[at + i] !== expected[i]) return false;
  return true;
}

/** Index into `names` of the bytes buf[start, end), or -1. */
function whichName(buf: Buffer, start: number, end: number, names: Buffer[]): number {
  const length = end - start;
  for (let i = 0; i < names.length; i += 1) {
    const name = names[i];
    if (name && name.length === length && name[0] === buf[start] && matchesAt(buf, start, name)) return i;
  }
  return -1;
}

/** The metric name at `start` is one of k6's own (compared as bytes: no string per skipped line). */
function isBuiltinName(buf: Buffer, start: number): boolean {
  for (const prefix of BUILTIN_PREFIX_BYTES) if (buf[start] === prefix[0] && matchesAt(buf, start, prefix)) return true;
  return false;
}

/** Position of the closing quote of a JSON string starting at `from`, or -1 if it has escapes (slow path). */
function stringEnd(buf: Buffer, from: number, end: number): number {
  for (let at = from; at < end; at += 1) {
    const c = buf[at];
    if (c === QUOTE) return at;
    if (c === BACKSLASH) return -1;
  }
  return -1;
}

const dayCache = new Map<number, number>();

function digits(buf: Buffer, at: number, count: number): number {
  let value = 0;
  for (let i = 0; i < count; i += 1) {
    const d = (buf[at + i] ?? 0) - 48;
    if (d < 0 || d > 9) return Number.NaN;
    value = value * 10 + d;
  }
  return value;
}

/** RFC 3339 time (k6 writes nanoseconds and a Z or ±hh:mm offset) between start and end → epoch ms. */
function parseTime(buf: Buffer, start: number, end: number): number {
  if (end - start < 20 || buf[start + 10] !== 0x54) return Number.NaN;
  const dayKey = digits(buf, start, 4) * 10000 + digits(buf, start + 5, 2) * 100 + digits(buf, start + 8, 2);
  let dayMs = dayCache.get(dayKey);
  if (dayMs === undefined) {
    dayMs = Date.UTC(Math.floor(dayKey / 10000), (Math.floor(dayKey / 100) % 100) - 1, dayKey % 100);
    dayCache.set(dayKey, dayMs);
  }
  let ms =
    dayMs + (digits(buf, start + 11, 2) * 3600 + digits(buf, start + 14, 2) * 60 + digits(buf, start + 17, 2)) * 1000;
  let at = start + 19;
  if (buf[at] === 0x2e) {
    at += 1;
    let scale = 100;
    while (at < end && (buf[at] ?? 0) >= 48 && (buf[at] ?? 0) <= 57) {
      ms += ((buf[at] ?? 48) - 48) * scale;
      scale /= 10;
      at += 1;
    }
  }
  if (buf[at] === 0x5a) return at + 1 === end ? ms : Number.NaN;
  if (end - at !== 6) return Number.NaN;
  const sign = buf[at] === 0x2b ? 1 : buf[at] === 0x2d ? -1 : 0;
  const offsetMin = digits(buf, at + 1, 2) * 60 + digits(buf, at + 4, 2);
  return sign === 0 ? Number.NaN : ms - sign * offsetMin * 60_000;
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/** A JSON number without exponent, exact like Number(): an integer mantissa of ≤ 15 digits over a power of ten. */
function parseNumber(buf: Buffer, start: number, end: number): number {
  let at = start;
  const negative = buf[at] === 0x2d;
  if (negative) at += 1;
  let mantissa = 0;
  let mantissaDigits = 0;
  let fractionDigits = 0;
  let inFraction = false;
  for (; at < end; at += 1) {
    const c = buf[at] ?? 0;
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      mantissaDigits += 1;
      if (inFraction) fractionDigits += 1;
    } else if (c === 0x2e && !inFraction) inFraction = true;
    else return Number.NaN;
  }
  if (mantissaDigits === 0 || mantissaDigits > 15) return Number.NaN;
  const value = mantissa / (POW10[fractionDigits] ?? Number.NaN);
  return negative ? -value : value;
}

/**
 * Reads one line into the aggregate. Returns false when the fast path does not apply (the caller then uses
 * parseLineSlow). Throws nothing: a line it cannot read is left to the slow path to diagnose.
 */
function tryFastLine(buf: Buffer, start: number, end: number, aggregate: Aggregate): boolean {
  if (!matchesAt(buf, start, POINT_PREFIX)) return false;
  const nameStart = start + POINT_PREFIX.length;
  const nameEnd = stringEnd(buf, nameStart, end);
  if (nameEnd < 0 || !matchesAt(buf, nameEnd, POINT_MIDDLE)) return false;
  const metricIndex = whichName(buf, nameStart, nameEnd, USED_METRIC_BYTES);
  // A Point of a k6 metric the report does not use needs no more reading; its layout was checked this far.
  // A script's own metric takes the general path, which keeps it.
  if (metricIndex < 0) return buf[end - 1] === 0x7d && isBuiltinName(buf, nameStart);
  const metric = USED_METRICS[metricIndex] ?? '';
  const timeStart = nameEnd + POINT_MIDDLE.length;
  const timeEnd = stringEnd(buf, timeStart, end);
  if (timeEnd < 0) return false;
  const timeMs = parseTime(buf, timeStart, timeEnd);
  if (Number.isNaN(timeMs) || !matchesAt(buf, timeEnd, VALUE_KEY)) return false;
  const valueStart = timeEnd + VALUE_KEY.length;
  let valueEnd = valueStart;
  while (valueEnd < end && buf[valueEnd] !== 0x2c && buf[valueEnd] !== 0x7d) valueEnd += 1;
  const value = parseNumber(buf, valueStart, valueEnd);
  if (Number.isNaN(value) || !matchesAt(buf, valueEnd, TAGS_KEY)) return false;
  const tags: SampleTags = {};
  let at = valueEnd + TAGS_KEY.length;
  if (buf[at] !== 0x7d) {
    for (;;) {
      if (buf[at] !== QUOTE) return false;
      const keyEnd = stringEnd(buf, at + 1, end);
      if (keyEnd < 0 || buf[keyEnd + 1] !== 0x3a || buf[keyEnd + 2] !== QUOTE) return false;
      const valueFrom = keyEnd + 3;
      const valueTo = stringEnd(buf, valueFrom, end);
      if (valueTo < 0) return false;
      const tagIndex = whichName(buf, at + 1, keyEnd, USED_TAG_BYTES);
      const tag = tagIndex === URL_TAG && metricIndex === HTTP_METRIC ? undefined : USED_TAGS[tagIndex];
      if (tag) tags[tag] = buf.toString('utf8', valueFrom, valueTo);
      at = valueTo + 1;
      if (buf[at] === 0x2c) at += 1;
      else if (buf[at] === 0x7d) break;
      else return false;
    }
  }
  // closing: tags } data } line }
  if (at + 3 !== end || buf[at + 1] !== 0x7d || buf[at + 2] !== 0x7d) return false;
  aggregate.add(metric, timeMs, value, tags);
  return true;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The general path: any valid k6 JSON line. Throws LineError describing what was expected. */
function parseLineSlow(text: string, aggregate: Aggregate): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new LineError('not valid JSON (truncated or garbled); expected one k6 JSON object per line');
  }
  if (!isRecord(parsed) || typeof parsed.type !== 'string')
    throw new LineError('expected a k6 object with "type" "Point" or "Metric"');
  if (parsed.type === 'Metric') {
    const data = parsed.data;
    if (!isRecord(data) || typeof data.name !== 'string') return;
    if (Array.isArray(data.thresholds))
      aggregate.declareThresholds(
        data.name,
        data.thresholds.filter((t): t is string => typeof t === 'string'),
      );
    for (const sub of Array.isArray(data.submetrics) ? data.submetrics : []) {
      // k6's own sub-metric, not made for a threshold
      if (isRecord(sub) && typeof sub.name === 'string' && !sub.name.endsWith('{expected_response:true}'))
        aggregate.declaredSubmetrics.add(sub.name);
    }
    const type = asMetricType(data.type);
    if (type)
      aggregate.custom.declare(data.name, {
        type,
        contains: typeof data.contains === 'string' ? data.contains : 'default',
      });
    return;
  }
  if (parsed.type !== 'Point')
    throw new LineError(`unknown "type" ${JSON.stringify(parsed.type)}; expected "Point" or "Metric"`);
  const data = parsed.data;
  if (typeof parsed.metric !== 'string' || !isRecord(data)) throw new LineError('a Point needs "metric" and "data"');
  const timeMs = typeof data.time === 'string' ? Date.parse(data.time) : Number.NaN;
  if (Number.isNaN(timeMs)) throw new LineError('field data.time: expected an RFC 3339 time');
  if (typeof data.value !== 'number') throw new LineError('field data.value: expected a number');
  const tags: SampleTags = {};
  if (isRecord(data.tags)) {
    for (const key of USED_TAGS) {
      const tag = data.tags[key];
      if (typeof tag === 'string') tags[key] = tag;
    }
  }
  aggregate.add(parsed.metric, timeMs, data.value, tags);
}

/**
 * Feeds every complete line of `buf[start, end)` to the aggregate; returns where the unfinished last line
 * starts. `lineNumber` is the number of the first line, for error messages.
 */
export function scanLines(
  buf: Buffer,
  start: number,
  end: number,
  aggregate: Aggregate,
  lineNumber: number,
  onError: (line: number, problem: string) => void,
): { consumedTo: number; lines: number } {
  let at = start;
  let lines = 0;
  for (;;) {
    const newline = buf.indexOf(10, at);
    if (newline < 0 || newline >= end) break;
    let lineEnd = newline;
    if (lineEnd > at && buf[lineEnd - 1] === 0x0d) lineEnd -= 1;
    if (lineEnd > at && !tryFastLine(buf, at, lineEnd, aggregate)) {
      try {
        parseLineSlow(buf.toString('utf8', at, lineEnd), aggregate);
      } catch (error) {
        if (!(error instanceof LineError)) throw error;
        onError(lineNumber + lines, error.message);
      }
    }
    lines += 1;
    at = newline + 1;
  }
  return { consumedTo: at, lines };
}

/** The last line of a file need not end in a newline. */
export function scanFinalLine(
  buf: Buffer,
  aggregate: Aggregate,
  lineNumber: number,
  onError: (line: number, problem: string) => void,
): void {
  const text = buf.toString('utf8', 0, buf.length).trim();
  if (text === '') return;
  if (tryFastLine(buf, 0, buf.length, aggregate)) return;
  try {
    parseLineSlow(text, aggregate);
  } catch (error) {
    if (!(error instanceof LineError)) throw error;
    onError(lineNumber, error.message);
  }
}

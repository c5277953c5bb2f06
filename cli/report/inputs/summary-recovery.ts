// A summary JSON that is cut short (a full disk, a killed k6) or spliced with other bytes keeps what it
// holds complete. JSON.parse itself finds where the text stops being JSON (the longest prefix that could begin
// a document); one pass over that prefix finds the last complete value and the containers still open there,
// and closing them gives a document made of complete values only. The record
// that was being written at the cut (a metric, a check) is then left out whole rather than half read.
// Hand-written, not jsonrepair (or untruncate-json): those make the text valid by completing what was cut —
// a number cut from 12.345 to 12.3 stays 12.3, a cut name is closed — so the report would print figures k6
// never wrote, and they cannot say which record was cut.
import { isRecord } from './summary.ts';

/** Where a summary JSON breaks off, and the record that was cut there (left out). */
export interface JsonDamage {
  /** byte offset where the text stops being JSON */
  byte: number;
  /** the document itself is complete and other bytes follow it */
  trailing: boolean;
  cut?: { kind: 'metric' | 'check'; name?: string };
}

/** The lists of records in every k6 summary shape: an open member of one of them is a cut record. */
const RECORD_LISTS: Record<string, 'metric' | 'check'> = { metrics: 'metric', checks: 'check' };

type Key = string | number;
interface OpenContainer {
  close: '}' | ']';
  /** its key (or index) in the container around it */
  key: Key | undefined;
  /** the key of the member being read, or the index of the element */
  member: Key | undefined;
}

/** The last point of `text[0, end)` after a complete value, with the closers and keys of what is open there. */
function lastCompleteValue(text: string, end: number): { cut: number; closers: string; path: Key[] } | undefined {
  const stack: OpenContainer[] = [];
  let last: { cut: number; closers: string; path: Key[] } | undefined;
  const mark = (cut: number) => {
    const closers = stack
      .map((open) => open.close)
      .reverse()
      .join('');
    last = { cut, closers, path: stack.slice(1).map((open) => open.key ?? '') };
  };
  let lastString = '""';
  for (let at = 0; at < end; at += 1) {
    const c = text[at];
    if (c === '"') {
      const from = at;
      for (at += 1; at < end && text[at] !== '"'; at += 1) if (text[at] === '\\') at += 1;
      lastString = text.slice(from, at + 1);
      continue;
    }
    const top = stack[stack.length - 1];
    if (c === ':' && top) top.member = JSON.parse(lastString) as string;
    else if (c === '{' || c === '[') {
      stack.push({ close: c === '{' ? '}' : ']', key: top?.member, member: c === '[' ? 0 : undefined });
      mark(at + 1);
    } else if (c === '}' || c === ']') {
      stack.pop();
      mark(at + 1);
    } else if (c === ',' && top) {
      mark(at);
      if (typeof top.member === 'number') top.member += 1;
    }
  }
  return last;
}

/** Removes the record open at the cut (under `metrics` or `checks`) from the recovered document; names it. */
function dropCutRecord(document: unknown, path: Key[]): JsonDamage['cut'] {
  let container = document;
  for (const [index, key] of path.entries()) {
    const next = path[index + 1];
    const kind = typeof key === 'string' ? RECORD_LISTS[key] : undefined;
    const list: unknown = Array.isArray(container)
      ? container[Number(key)]
      : isRecord(container)
        ? container[key]
        : undefined;
    if (kind && next !== undefined && (isRecord(list) || Array.isArray(list))) {
      let record: unknown;
      if (Array.isArray(list)) [record] = list.splice(Number(next), 1);
      else {
        record = list[next];
        delete list[next];
      }
      // a map of records is keyed by name; a list's record names itself, if the cut left its name
      if (isRecord(list)) return { kind, name: String(next) };
      return { kind, name: isRecord(record) && typeof record.name === 'string' ? record.name : undefined };
    }
    container = list;
  }
  return undefined;
}

/**
 * How many leading characters of `text` could begin a JSON document. JSON.parse of such a prefix fails only
 * for running out of text: its error is at the prefix's end or is "Unexpected end". A prefix of such a prefix
 * is one too, so the longest is found by bisection.
 */
function validPrefixLength(text: string): number {
  const runsOut = (length: number): boolean => {
    try {
      JSON.parse(text.slice(0, length));
      return true;
    } catch (error) {
      const message = error instanceof Error ? error.message : '';
      return message.startsWith('Unexpected end of JSON input') || message.endsWith(`at position ${length}`);
    }
  };
  let [valid, invalid] = [0, text.length + 1];
  while (invalid - valid > 1) {
    const middle = Math.floor((valid + invalid) / 2);
    if (runsOut(middle)) valid = middle;
    else invalid = middle;
  }
  return valid;
}

/** Where a text stops being JSON, as a byte offset. */
export function jsonErrorByte(text: string): number {
  return Buffer.byteLength(text.slice(0, validPrefixLength(text)));
}

/** The complete part of a text that is not valid JSON, or undefined when it has none. */
export function recoverJson(text: string): { value: unknown; damage: JsonDamage } | undefined {
  const end = validPrefixLength(text);
  const complete = lastCompleteValue(text, end);
  if (!complete) return undefined;
  const value: unknown = JSON.parse(text.slice(0, complete.cut) + complete.closers);
  const byte = Buffer.byteLength(text.slice(0, end));
  return { value, damage: { byte, trailing: complete.closers === '', cut: dropCutRecord(value, complete.path) } };
}

/** The report's note on a recovered summary (the file name is put before it). */
export function damageNote(damage: JsonDamage): string {
  if (damage.trailing) return `the JSON ends at byte ${damage.byte} and other bytes follow it (spliced?): left out`;
  const where = `the JSON breaks off at byte ${damage.byte} (truncated or spliced)`;
  const { cut } = damage;
  if (!cut) return `${where}: what is complete before that byte is read; any later metric or check is missing`;
  const named = cut.name === undefined ? `a ${cut.kind}` : `${cut.kind} “${cut.name}”`;
  const lost = `that ${cut.kind} and every later one are missing`;
  return `${where} inside ${named}: what is complete before that byte is read; ${lost}`;
}

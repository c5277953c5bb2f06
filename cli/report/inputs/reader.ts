// What a report reader is: one per input format, tried in the order of the table in detect.ts. A reader
// sniffs a sample of the file (cheap: its first line, gzip magic, the parsed JSON once) and then reads it.
import type { InputFormat, ReportModel } from '../model.ts';
import type { NormalizedSummary } from './summary.ts';

export type DetectedInput =
  | { format: 'raw-stream' }
  | { format: 'summary'; summary: NormalizedSummary }
  | { format: 'report-json'; model: ReportModel };

/** One input file as the readers see it; text and JSON are read once, on first use, by whichever reader asks. */
export interface InputSample {
  file: string;
  gzip: boolean;
  /** the first line of the first 4 KB, leading whitespace dropped */
  firstLine: string;
  /** the content starts with `{` (after whitespace): a JSON document, or a damaged one */
  startsWithBrace: boolean;
  /** the whole file; throws ReportInputError when it is too large to be a summary */
  text(): Promise<string>;
  /** the parsed content of a file that starts with `{`; throws ReportInputError when it is not valid JSON */
  json(): Promise<unknown>;
}

export interface ReportReader {
  format: InputFormat;
  sniff(sample: InputSample): boolean | Promise<boolean>;
  read(sample: InputSample): DetectedInput | Promise<DetectedInput>;
}

/** A reader of one of k6's JSON summary shapes. */
export function jsonSummaryReader(
  format: InputFormat,
  looksLike: (json: unknown) => boolean,
  parse: (json: unknown, file: string) => NormalizedSummary,
): ReportReader {
  return {
    format,
    sniff: async (sample) => sample.startsWithBrace && looksLike(await sample.json()),
    read: async (sample) => ({ format: 'summary', summary: parse(await sample.json(), sample.file) }),
  };
}

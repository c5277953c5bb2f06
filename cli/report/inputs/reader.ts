// What a report reader is: one per input format, tried in the order of the table in detect.ts. A reader
// sniffs a sample of the file (cheap: its first line, gzip magic, the parsed JSON once) and then reads it.
import type { InputFormat, ReportModel } from '../model.ts';
import { ReportInputError } from './input-error.ts';
import type { NormalizedSummary } from './summary.ts';
import { damageNote, type JsonDamage } from './summary-recovery.ts';

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
  /**
   * The parsed content of a file that starts with `{`: of a damaged one, its complete part (see jsonDamage);
   * throws ReportInputError when not even a part is JSON.
   */
  json(): Promise<unknown>;
  /** where the JSON breaks off and what was left out, when it does */
  jsonDamage(): Promise<JsonDamage | undefined>;
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
    read: async (sample) => {
      const summary = parse(await sample.json(), sample.file);
      const damage = await sample.jsonDamage();
      if (!damage) return { format: 'summary', summary };
      // a summary cut before its first complete metric holds nothing to report
      if (summary.metrics.size === 0) {
        const problem = 'not valid JSON (truncated or garbled), no metric complete before that byte';
        throw new ReportInputError(sample.file, `byte ${damage.byte}`, `${problem}; expected a k6 summary JSON`);
      }
      return { format: 'summary', summary: { ...summary, notes: [...(summary.notes ?? []), damageNote(damage)] } };
    },
  };
}

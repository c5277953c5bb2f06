// A report.json written earlier (a baseline, say): trusted only after every field checks out.
import { REPORT_SCHEMA_ID, ReportModel } from '../model.ts';
import { ReportInputError } from './input-error.ts';
import type { ReportReader } from './reader.ts';
import { isRecord } from './summary.ts';

function parseReportJson(json: unknown, file: string): ReportModel {
  const parsed = ReportModel.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.length ? `field ${issue.path.join('.')}` : 'top level';
  throw new ReportInputError(file, field, `damaged loadctl report: ${issue?.message ?? 'invalid'}`);
}

export const reportJsonReader: ReportReader = {
  format: 'report-json',
  sniff: async (sample) => {
    if (!sample.startsWithBrace) return false;
    const json = await sample.json();
    return isRecord(json) && json.schema === REPORT_SCHEMA_ID;
  },
  read: async (sample) => {
    // loadctl can write it again; a half-read one would pass for whole
    const damage = await sample.jsonDamage();
    if (damage)
      throw new ReportInputError(sample.file, `byte ${damage.byte}`, 'damaged loadctl report: not valid JSON');
    return { format: 'report-json', model: parseReportJson(await sample.json(), sample.file) };
  },
};

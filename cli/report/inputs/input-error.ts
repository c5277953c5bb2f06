import { UserError } from '../../shared/errors.ts';
import { ExitCode } from '../../shared/exit-codes.ts';

/** Bad report input: one line naming the file, where in it (line or field), and what was expected. */
export class ReportInputError extends UserError {
  constructor(file: string, where: string | undefined, problem: string) {
    super(
      `${file}${where ? ` (${where})` : ''}: ${problem}`,
      'pass a k6 raw stream (--out json), a k6 summary JSON, a k6 text summary or a run directory',
      ExitCode.badInput,
    );
    this.name = 'ReportInputError';
  }
}

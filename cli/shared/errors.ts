import { ExitCode, type ExitCodeValue } from './exit-codes.ts';

/**
 * An error the user can act on: printed as one sentence plus the fix, never with a stack trace.
 * Throw it from anywhere in the CLI; main.ts turns it into output and an exit code.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly fix?: string,
    readonly exitCode: ExitCodeValue = ExitCode.badInput,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

export function notBuiltYet(command: string, issue: number): never {
  throw new UserError(`'loadctl ${command}' is not built yet (issue #${issue}).`, undefined, ExitCode.badInput);
}

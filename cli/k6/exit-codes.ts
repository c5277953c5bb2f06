// k6's exit codes (SPEC §8) → loadctl's. Documented in `loadctl run --help`.
import { ExitCode, type ExitCodeValue } from '../shared/exit-codes.ts';

export const K6_EXIT = {
  ok: 0,
  thresholdsFailed: 99,
  invalidConfig: 104,
  externalAbort: 105,
  scriptException: 107,
  scriptAbort: 108,
  markedAsFailed: 110,
} as const;

const K6_MEANING: Record<number, string> = {
  [K6_EXIT.thresholdsFailed]: 'thresholds failed',
  [K6_EXIT.invalidConfig]: 'invalid k6 configuration',
  [K6_EXIT.externalAbort]: 'aborted from outside (signal or REST API)',
  [K6_EXIT.scriptException]: 'the script threw an exception',
  [K6_EXIT.scriptAbort]: 'the script called test.abort()',
  [K6_EXIT.markedAsFailed]: 'the test was marked as failed',
};

export function describeK6Exit(code: number): string {
  return code === 0 ? 'passed' : (K6_MEANING[code] ?? `k6 exited with code ${code}`);
}

/** 0 → ok; 99 → thresholdsFailed; a run the user interrupted → interrupted; anything else → environment. */
export function loadctlExitCode(k6Codes: readonly number[], interrupted: boolean): ExitCodeValue {
  if (interrupted) return ExitCode.interrupted;
  if (k6Codes.every((code) => code === K6_EXIT.ok)) return ExitCode.ok;
  if (k6Codes.every((code) => code === K6_EXIT.ok || code === K6_EXIT.thresholdsFailed))
    return ExitCode.thresholdsFailed;
  return ExitCode.environment;
}

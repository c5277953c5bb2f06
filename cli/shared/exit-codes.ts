/** Every exit code loadctl uses. Documented in the README; scripts and CI depend on them. */
export const ExitCode = {
  ok: 0,
  /** k6 thresholds failed (run, gate) */
  thresholdsFailed: 1,
  /** bad input: unknown flag, unreadable or malformed file, command not built yet */
  badInput: 2,
  /** the environment failed: k6 missing, stack not starting, k6 crashed */
  environment: 3,
  /** a metric regressed beyond tolerance against the baseline (compare --fail-on-regression, gate) */
  regression: 4,
  /** a data invariant was violated (verify) or a runbook claim did not hold (drill) */
  violation: 5,
  /** interrupted by the user (Ctrl-C) */
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

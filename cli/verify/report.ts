// The shape of a verify result, shared by the pure checks, the shell that runs them and the printers.
export type CheckStatus = 'ok' | 'violated';

export interface CheckResult {
  id: string;
  title: string;
  /** rows (or tokens) the check looked at */
  checked: number;
  /** rows (or tokens) that break the invariant */
  violations: number;
  /** a few offending rows, human-readable, so a violation can be chased without rerunning SQL */
  examples: string[];
  /** one line of context, e.g. the totals of the money equation */
  detail?: string;
  status: CheckStatus;
}

export interface InvariantReport {
  ok: boolean;
  /** ISO time the snapshot was taken */
  at: string;
  /** how long past its expiry a hold (or a queue admission) may linger before it counts as a violation */
  holdGraceSeconds: number;
  checks: CheckResult[];
  totals: { checks: number; violated: number; violations: number };
}

export function checkResult(
  id: string,
  title: string,
  checked: number,
  violations: number,
  examples: string[],
  detail?: string,
): CheckResult {
  return {
    id,
    title,
    checked,
    violations,
    examples,
    ...(detail === undefined ? {} : { detail }),
    status: violations > 0 ? 'violated' : 'ok',
  };
}

export function invariantReport(checks: CheckResult[], at: Date, holdGraceSeconds: number): InvariantReport {
  const violated = checks.filter((check) => check.status === 'violated');
  return {
    ok: violated.length === 0,
    at: at.toISOString(),
    holdGraceSeconds,
    checks,
    totals: {
      checks: checks.length,
      violated: violated.length,
      violations: violated.reduce((sum, check) => sum + check.violations, 0),
    },
  };
}

// The drill's record (journal.json): what was planned, what happened when, and a verdict per runbook
// claim — the experiment/journal split of Chaos Toolkit. Verdicts and the markdown section are pure.
import type { RunEvent } from '../shared/run-dir.ts';
import type { StepGroup } from '../runbooks/schema.ts';
import type { WorkloadName } from '../../scenarios/lib/catalogue.ts';
import type { ShapeName } from '../../scenarios/lib/shapes.ts';

export interface PlannedStep {
  number: number;
  group: StepGroup;
  title: string;
  run?: string;
  /** what the drill does with it: run it, wait for a person, or leave it out (long term, or no command) */
  handling: 'automated' | 'person' | 'skipped';
}

export interface DrillPlan {
  runbookId: string;
  runbookTitle: string;
  fault: { name: string; mode: string; params: Record<string, string> };
  shape: ShapeName;
  workload: WorkloadName;
  scale: number;
  injectAtS: number;
  faultDurationS: number;
  detectTimeoutS: number;
  restoreWithinS: number;
  loadDurationS: number;
  manual: boolean;
  guard?: string;
  /** each signal's PromQL, its longest range and its alert's `for:` */
  signals: Array<{ id: string; check: string; windowS: number; forS: number }>;
  claims: Array<{ id: string; during: string; check: string; description: string }>;
  slo: { check: string; windowS: number; restoreWithinS: number };
  steps: PlannedStep[];
}

export interface StepRecord {
  number: number;
  title: string;
  command?: string;
  by: 'drill' | 'person';
  startedAt: string;
  endedAt: string;
  exitCode?: number;
  output?: string;
}

export interface Happened {
  startedAt: string;
  endedAt: string;
  events: RunEvent[];
  injectedAt?: string;
  faultSummary?: string;
  /** firingBeforeInjection: its alert was already pending before the fault, so it proves nothing */
  signals: Array<{ id: string; firedAt?: string; value?: number; firingBeforeInjection?: boolean }>;
  steps: StepRecord[];
  /** the fault's target was already healthy when the drill came to recover it: the runbook's own steps fixed it */
  fixedByRunbook?: boolean;
  recoveredAt?: string;
  recoverSummary?: string;
  sloRestoredAt?: string;
  sloLastValue?: number;
  claims: Array<{ id: string; value: number; holds: boolean; from?: string; to?: string }>;
  guardTrippedAt?: string;
  invariants?: { ok: boolean; violated: string[]; error?: string };
  k6ExitCode?: number;
  aborted?: string;
}

export interface Verdict {
  claim: string;
  ok: boolean;
  detail: string;
}

export interface Figures {
  timeToDetectS?: number;
  timeToMitigateS?: number;
  timeToRecoverS?: number;
}

export interface Journal {
  version: 1;
  planned: DrillPlan;
  happened: Happened;
  figures: Figures;
  verdicts: Verdict[];
  ok: boolean;
}

const seconds = (from: string | undefined, to: string | undefined): number | undefined =>
  from && to ? Math.round((Date.parse(to) - Date.parse(from)) / 100) / 10 : undefined;

export function figuresOf(happened: Happened): Figures {
  const fired = happened.signals
    .map((signal) => signal.firedAt)
    .filter((at): at is string => at !== undefined)
    .sort();
  const automated = happened.steps.filter((step) => step.number > 0);
  const firstFixEnd = automated[0]?.endedAt;
  return {
    timeToDetectS: seconds(happened.injectedAt, fired[0]),
    timeToMitigateS: seconds(happened.injectedAt, firstFixEnd),
    timeToRecoverS: seconds(happened.injectedAt, happened.sloRestoredAt),
  };
}

export function verdictsOf(plan: DrillPlan, happened: Happened): Verdict[] {
  const verdicts: Verdict[] = [];
  if (happened.aborted) verdicts.push({ claim: 'drill completed', ok: false, detail: happened.aborted });
  if (plan.guard) {
    verdicts.push({
      claim: 'guard held',
      ok: !happened.guardTrippedAt,
      detail: happened.guardTrippedAt
        ? `guard "${plan.guard}" tripped at ${happened.guardTrippedAt}; fault recovered early`
        : `"${plan.guard}" never tripped`,
    });
  }
  for (const signal of plan.signals) {
    const seen = happened.signals.find((entry) => entry.id === signal.id);
    const after = seconds(happened.injectedAt, seen?.firedAt);
    verdicts.push({
      claim: `signal ${signal.id} detects the fault`,
      ok: after !== undefined,
      detail:
        after !== undefined
          ? `fired ${after} s after injection (${signal.check})`
          : seen?.firingBeforeInjection
            ? `was already firing before the injection, so it does not tell this fault apart (${signal.check})`
            : `never fired within ${plan.detectTimeoutS} s (${signal.check}, last value ${formatValue(seen?.value)})`,
    });
  }
  for (const claim of plan.claims) {
    const seen = happened.claims.find((entry) => entry.id === claim.id);
    verdicts.push({
      claim: claim.description,
      ok: seen?.holds === true,
      detail: seen
        ? `${claim.check}: ${formatValue(seen.value)} during the ${claim.during}`
        : `not evaluated (the ${claim.during} phase did not happen)`,
    });
  }
  const failedSteps = happened.steps.filter((step) => step.by === 'drill' && step.exitCode !== 0);
  verdicts.push({
    claim: "the runbook's automated steps run cleanly",
    ok: failedSteps.length === 0 && happened.steps.length > 0,
    detail: failedSteps.length
      ? failedSteps
          .map((step) => `step ${step.number} exited ${step.exitCode}: ${(step.output ?? '').split('\n').at(-1)}`)
          .join('; ')
      : `${happened.steps.length} step(s) carried out`,
  });
  const toRestore = seconds(happened.recoveredAt, happened.sloRestoredAt);
  verdicts.push({
    claim: `the SLO holds again within ${plan.slo.restoreWithinS} s`,
    ok: toRestore !== undefined && toRestore <= plan.slo.restoreWithinS + plan.slo.windowS,
    detail:
      toRestore !== undefined
        ? `${plan.slo.check} held ${toRestore} s after recovery`
        : `${plan.slo.check} did not hold (last value ${formatValue(happened.sloLastValue)})`,
  });
  verdicts.push({
    claim: 'no data lost or duplicated (loadctl verify)',
    ok: happened.invariants?.ok === true,
    detail: happened.invariants
      ? happened.invariants.ok
        ? 'every invariant holds'
        : `violated: ${happened.invariants.violated.join(', ') || happened.invariants.error}`
      : 'not checked',
  });
  return verdicts;
}

export function formatValue(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return 'no data';
  if (Math.abs(value) >= 1e6) return `${(value / 1e6).toFixed(1)}M`;
  return Number.isInteger(value) ? String(value) : value.toPrecision(3);
}

/** The drill section appended to report.md: figures, verdicts and the timeline. */
export function drillMarkdown(journal: Journal): string {
  const { planned, happened, figures, verdicts } = journal;
  const start = Date.parse(happened.startedAt);
  const at = (iso: string): string => `+${((Date.parse(iso) - start) / 1000).toFixed(1)} s`;
  const lines = [
    `## Drill: ${planned.runbookTitle} (\`${planned.runbookId}\`)`,
    '',
    `**Verdict: ${journal.ok ? 'PASSED' : 'FAILED'}** — fault \`${planned.fault.name}\` (${planned.fault.mode}) injected at +${planned.injectAtS} s for ${planned.faultDurationS} s under \`${planned.shape}\` × ${planned.scale} (${planned.workload})${planned.manual ? ', steps done by a person' : ''}.`,
    '',
    '| figure | value |',
    '|---|---|',
    `| time to detect (first signal) | ${figures.timeToDetectS ?? '—'} s |`,
    `| time to mitigate (first step done) | ${figures.timeToMitigateS ?? '—'} s |`,
    `| time to recover (SLO holds again, from injection) | ${figures.timeToRecoverS ?? '—'} s |`,
    `| fixed by the runbook's own steps | ${happened.fixedByRunbook === undefined ? '—' : happened.fixedByRunbook ? 'yes' : 'no (the drill recovered the fault)'} |`,
    '',
    '### Verdicts',
    '',
    '| | claim | evidence |',
    '|---|---|---|',
    ...verdicts.map(
      (verdict) => `| ${verdict.ok ? '✅' : '❌'} | ${verdict.claim} | ${verdict.detail.replace(/\|/g, '\\|')} |`,
    ),
    '',
    '### Timeline',
    '',
    '| at | what | detail |',
    '|---|---|---|',
    ...happened.events.map(
      (event) =>
        `| ${at(event.at)} | ${event.kind}: ${event.name} | ${(event.detail ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`,
    ),
    '',
    `Machine-readable record: \`journal.json\` beside this report.`,
  ];
  return lines.join('\n');
}

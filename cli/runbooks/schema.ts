// The machine-readable half of a runbook: the YAML front matter of runbooks/<id>.md.
// Humans read the prose below the front matter; `loadctl runbook` and `loadctl drill` read this.
import { z } from 'zod';
import { parseDurationMs } from '../../scenarios/lib/durations.ts';
import { checkPromql } from './promql.ts';

const Duration = z
  .string()
  .refine((text) => parseDurationMs(text) !== undefined, 'a duration like 500ms, 10s or 2m')
  .describe('a duration: 500ms, 10s, 2m');

/** One PromQL comparison (`rate(x_total[5s]) > 1`): the series it returns are the ones that fire or hold. */
export const PromqlComparison = z.string().superRefine((text, ctx) => {
  try {
    checkPromql(text, { comparison: true });
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
});

export const Signal = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  /** the check in PromQL, as an alert rule would have it; its range selectors are the window it looks at */
  expr: PromqlComparison,
  /** how long `expr` must hold before the alert fires (the alert rule's `for:`) */
  for: Duration.default('0s'),
  /** the fault modes that show this signal (default: every mode); a drill of another mode does not wait for it */
  modes: z.array(z.string()).min(1).optional(),
  description: z.string().optional(),
});
export type Signal = z.infer<typeof Signal>;

/** The signals a drill of this fault mode must see fire. */
export function signalsOfMode(signals: readonly Signal[], mode: string): Signal[] {
  return signals.filter((signal) => !signal.modes || signal.modes.includes(mode));
}

/** Something the runbook promises holds over a whole phase of the incident, checked by drills. */
export const Claim = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  /** fault: injection → recovery; mitigation: first automated step → last step done */
  during: z.enum(['fault', 'mitigation']),
  /** in PromQL; evaluated once at the phase's end with every range stretched over the whole phase */
  expr: PromqlComparison,
  description: z.string(),
});
export type Claim = z.infer<typeof Claim>;

export const Slo = z.object({
  /** in PromQL; the SLO holds while this returns a value; its longest range is the window it needs */
  expr: PromqlComparison,
  /** how long after the mitigation the SLO must hold again; a drill fails the claim otherwise */
  restoreWithin: Duration.default('60s'),
  description: z.string().optional(),
});
export type Slo = z.infer<typeof Slo>;

export const Step = z.object({
  title: z.string().min(1),
  /** a `loadctl …` command that carries the step out */
  run: z
    .string()
    .regex(/^loadctl\s+\S/, 'a command starting with "loadctl "')
    .optional(),
  /** true when a drill may run this step without a person (it must then have `run`) */
  automatable: z.boolean(),
  detail: z.string().optional(),
});
export type Step = z.infer<typeof Step>;

export const RunbookFrontMatter = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/),
    title: z.string().min(1),
    severity: z.enum(['sev1', 'sev2', 'sev3']),
    /** the fault a drill injects; params are its knobs (`loadctl fault inject <name> --<param> <value>`) sized so a short drill shows the effect */
    fault: z.object({
      name: z.string(),
      mode: z.string().optional(),
      params: z.record(z.string(), z.union([z.string(), z.number()]).transform(String)).default({}),
    }),
    signals: z.array(Signal).min(1),
    claims: z.array(Claim).default([]),
    slo: Slo,
    steps: z.object({
      immediate: z.array(Step).min(1),
      short_term: z.array(Step).default([]),
      long_term: z.array(Step).default([]),
    }),
  })
  .superRefine((runbook, ctx) => {
    const all = [...runbook.steps.immediate, ...runbook.steps.short_term, ...runbook.steps.long_term];
    all.forEach((step, index) => {
      if (step.automatable && !step.run) {
        ctx.addIssue({
          code: 'custom',
          path: ['steps'],
          message: `step ${index + 1} "${step.title}" is automatable but has no run command`,
        });
      }
    });
    const ids = runbook.signals.map((signal) => signal.id);
    const duplicate = ids.find((id, index) => ids.indexOf(id) !== index);
    if (duplicate) ctx.addIssue({ code: 'custom', path: ['signals'], message: `signal id ${duplicate} appears twice` });
  });
export type RunbookFrontMatter = z.infer<typeof RunbookFrontMatter>;

export type StepGroup = 'immediate' | 'short_term' | 'long_term';
export const STEP_GROUPS: readonly StepGroup[] = ['immediate', 'short_term', 'long_term'];

/** Steps numbered 1..N across the groups in order, the numbering `runbook show` prints and `exec --step N` takes. */
export function numberedSteps(runbook: RunbookFrontMatter): Array<{ number: number; group: StepGroup; step: Step }> {
  let number = 0;
  return STEP_GROUPS.flatMap((group) => runbook.steps[group].map((step) => ({ number: ++number, group, step })));
}

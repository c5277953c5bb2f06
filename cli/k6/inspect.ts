// `k6 inspect --execution-requirements`: the options k6 will run a script with, after its own precedence rules
// (script options, -e values, shortcuts turned into scenarios). loadctl reads a user script's planned scenarios
// from it (phases, progress, dropped-iteration hints), `run --dry-run` prints it, and a script k6 cannot load
// fails here, in one line, before a run directory exists.
import { execa } from 'execa';
import { z } from 'zod';
import { UserError } from '../shared/errors.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import type { ScenarioSpec } from '../../scenarios/lib/shapes.ts';
import { NO_USAGE_REPORT, workloadArgs } from './args.ts';
import type { K6Entry } from './subject.ts';

export interface InspectedOptions {
  /** k6 inspect's JSON, as it printed it */
  text: string;
  /** the scenarios loadctl can plan phases for (ramping and constant VUs / arrival rates) */
  scenarios: Record<string, ScenarioSpec>;
}

// k6 prints every option, unset ones as null; a scenario's unset fields take k6's defaults.
const orDefault = <T extends z.ZodType>(schema: T, fallback: z.infer<T>) =>
  schema.nullish().transform((value) => value ?? fallback);
const Stage = z.object({ duration: z.string(), target: z.number() });
const PlannedScenario = z.discriminatedUnion('executor', [
  z.object({ executor: z.literal('ramping-vus'), startVUs: orDefault(z.number(), 1), stages: z.array(Stage) }),
  z.object({
    executor: z.literal('ramping-arrival-rate'),
    startRate: orDefault(z.number(), 0),
    timeUnit: orDefault(z.string(), '1s'),
    preAllocatedVUs: z.number(),
    maxVUs: orDefault(z.number(), 0),
    stages: z.array(Stage),
  }),
  z.object({ executor: z.literal('constant-vus'), vus: orDefault(z.number(), 1), duration: z.string() }),
  z.object({
    executor: z.literal('constant-arrival-rate'),
    rate: z.number(),
    timeUnit: orDefault(z.string(), '1s'),
    duration: z.string(),
    preAllocatedVUs: z.number(),
    maxVUs: orDefault(z.number(), 0),
  }),
]);
const Inspected = z.object({ scenarios: z.record(z.string(), z.unknown()).nullish() });

/** The planned scenarios in k6 inspect's output; executors without a timetable (iterations …) are left out. */
export function plannedScenarios(inspectJson: unknown): Record<string, ScenarioSpec> {
  const scenarios = Inspected.parse(inspectJson).scenarios ?? {};
  return Object.fromEntries(
    Object.entries(scenarios).flatMap(([name, scenario]) => {
      const parsed = PlannedScenario.safeParse(scenario);
      return parsed.success ? [[name, parsed.data satisfies ScenarioSpec]] : [];
    }),
  );
}

/** k6 inspect of an entry with its -e values (and the user's own -e arguments). */
export async function inspectEntry(
  k6Path: string,
  entry: K6Entry,
  userEnvArgs: readonly string[] = [],
): Promise<InspectedOptions> {
  const args = ['inspect', '--execution-requirements', ...workloadArgs(entry.env), ...userEnvArgs, entry.script];
  const result = await execa(k6Path, args, { cwd: entry.cwd, reject: false, all: true, env: NO_USAGE_REPORT });
  if (result.exitCode !== 0) {
    throw new UserError(
      `k6 cannot load ${entry.script}: ${k6ErrorLine(result.all ?? '')}`,
      'fix the script; `k6 inspect <script>` shows the same error',
      ExitCode.environment,
    );
  }
  return { text: result.stdout, scenarios: plannedScenarios(JSON.parse(result.stdout)) };
}

/** k6's own error message, on one line: the last `level=error msg="…"` (or the last line) of its output. */
export function k6ErrorLine(output: string): string {
  // msg is Go-quoted: a stack trace comes as \n\tat … escapes
  const messages = [...output.matchAll(/level=error msg="((?:[^"\\]|\\.)*)"/g)].map((match) =>
    (match[1] ?? '').replace(/\\[nt]/g, ' ').replace(/\\"/g, '"'),
  );
  const line = messages.at(-1) ?? output.trim().split('\n').at(-1) ?? 'no output';
  return line.replace(/\s+/g, ' ').trim();
}

// A capacity search's result: capacity.json beside capacity.md in reports/capacity-<time>-<workload>/. It is
// rewritten after every step, so Ctrl-C or a bound leaves a partial result; `--scale auto` reads the latest.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Limit } from './limit.ts';
import type { Bound, CostModel, NamedPrediction } from './model.ts';
import type { Slo, StepVerdict } from './slo.ts';
import type { Placement, StepMeasurement } from './step-types.ts';

export const CAPACITY_FILE = 'capacity.json';
export const CAPACITY_DIR_PREFIX = 'capacity-';

export interface SearchLimits {
  maxSteps: number;
  maxTimeSeconds: number;
  stepSeconds: number;
}

export interface CapacityResult {
  version: 1;
  /** the workload, or the script's name */
  workload: string;
  /** the user's k6 script, from the working directory, when one was searched instead of a workload */
  script?: string;
  target: string;
  sloText: string;
  slo: Slo;
  startedAt: string;
  endedAt?: string;
  /** 1, 5 and 15 minute load averages when the search started: other work on the machine skews the figures */
  loadAverage: number[];
  placement: Placement;
  bounds: SearchLimits;
  /** the unjudged warm-up step before the search */
  warmUp?: { rate: number; p95Ms?: number; runDir: string };
  steps: (StepMeasurement & { verdict: StepVerdict })[];
  sustainedRate?: number;
  limit: Limit;
  model: { costs: CostModel; bounds: Bound[]; utilisation?: number; predictions: NamedPrediction[] };
  stoppedBecause: string;
}

/** The fields `--scale auto` relies on; the rest is for people. */
const StoredResult = z.looseObject({
  version: z.literal(1),
  workload: z.string(),
  script: z.string().optional(),
  target: z.string(),
  sloText: z.string(),
  endedAt: z.string(),
  sustainedRate: z.number().optional(),
  placement: z.looseObject({ machineCores: z.number() }),
  stoppedBecause: z.string(),
});
export type StoredResult = z.infer<typeof StoredResult>;

/** Finished capacity results under a reports directory, newest first; unreadable ones are skipped. */
export function storedResults(reportsDir: string): (StoredResult & { dir: string })[] {
  if (!existsSync(reportsDir)) return [];
  return readdirSync(reportsDir)
    .filter((name) => name.startsWith(CAPACITY_DIR_PREFIX))
    .flatMap((name) => {
      try {
        const parsed = StoredResult.safeParse(JSON.parse(readFileSync(join(reportsDir, name, CAPACITY_FILE), 'utf8')));
        return parsed.success ? [{ ...parsed.data, dir: join(reportsDir, name) }] : [];
      } catch {
        return [];
      }
    })
    .sort((a, b) => b.endedAt.localeCompare(a.endedAt));
}

// The gate's tolerances: how much worse than the baseline a metric may get before the build fails.
// Read from the checked-in `loadctl.gate.yaml`, validated with zod; every field has a default, so an empty
// file (or none) gives the documented rule (cli/gate/README.md).
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { z } from 'zod';
import { UserError } from '../shared/errors.ts';

export const GATED_METRICS = ['p95', 'p99', 'errorRate', 'throughput'] as const;
export type GatedMetric = (typeof GATED_METRICS)[number];

/**
 * A latency or throughput rule (ChangeRule, judged by judgeChange in cli/report/compare.ts): the change must
 * exceed BOTH the relative and the absolute bound to count.
 */
const RelativeAndAbsolute = z
  .object({
    /** percent of the baseline value */
    relativePct: z.number().min(0).max(10_000),
    /** in the metric's unit: ms for latency, requests/s for throughput */
    absolute: z.number().min(0),
  })
  .strict();

/** Error rate: the increase in percentage points must exceed `absolutePp`. */
const ErrorRateRule = z.object({ absolutePp: z.number().min(0).max(100) }).strict();

const MetricRules = z
  .object({
    p95: RelativeAndAbsolute.optional(),
    p99: RelativeAndAbsolute.optional(),
    errorRate: ErrorRateRule.optional(),
    throughput: RelativeAndAbsolute.optional(),
  })
  .strict();

export const DEFAULT_RULES = {
  p95: { relativePct: 15, absolute: 2 },
  p99: { relativePct: 25, absolute: 5 },
  errorRate: { absolutePp: 0.5 },
  throughput: { relativePct: 10, absolute: 5 },
} as const satisfies Required<z.infer<typeof MetricRules>>;

export const GateConfig = z
  .object({
    version: z.literal(1).default(1),
    /** rules for every endpoint and for the whole run */
    defaults: MetricRules.default({}),
    /** per-endpoint overrides, keyed by the endpoint's name tag (as the report shows it) */
    endpoints: z.record(z.string(), MetricRules).default({}),
    /** endpoints with fewer requests than this (in either run) are shown but not gated: too few samples to judge */
    minRequests: z.number().int().min(0).default(50),
    /** metrics not gated at all, e.g. throughput for closed-model shapes where it follows latency */
    skip: z.array(z.enum(GATED_METRICS)).default([]),
    /** runs `gate --shape` makes when --repeat is not given; the gate then uses each metric's median */
    repeat: z.number().int().min(1).max(9).default(1),
  })
  .strict();
export type GateConfig = z.infer<typeof GateConfig>;

export type RelativeAndAbsoluteRule = z.infer<typeof RelativeAndAbsolute>;
export type ErrorRateRule = z.infer<typeof ErrorRateRule>;
export interface EffectiveRules {
  p95: RelativeAndAbsoluteRule;
  p99: RelativeAndAbsoluteRule;
  errorRate: ErrorRateRule;
  throughput: RelativeAndAbsoluteRule;
}

/** The rules in force for one endpoint: endpoint override ← file defaults ← built-in defaults. */
export function rulesFor(config: GateConfig, endpoint: string | undefined): EffectiveRules {
  const override = endpoint === undefined ? {} : (config.endpoints[endpoint] ?? {});
  return {
    p95: override.p95 ?? config.defaults.p95 ?? DEFAULT_RULES.p95,
    p99: override.p99 ?? config.defaults.p99 ?? DEFAULT_RULES.p99,
    errorRate: override.errorRate ?? config.defaults.errorRate ?? DEFAULT_RULES.errorRate,
    throughput: override.throughput ?? config.defaults.throughput ?? DEFAULT_RULES.throughput,
  };
}

export const DEFAULT_CONFIG_FILE = 'loadctl.gate.yaml';

/** Parses the YAML text of a gate config; errors name the file and the field. */
export function parseGateConfig(text: string, file: string): GateConfig {
  let raw: unknown;
  try {
    raw = parse(text) ?? {};
  } catch (error) {
    throw new UserError(
      `${file} is not valid YAML: ${(error as Error).message.split('\n')[0]}.`,
      'fix the YAML syntax at that line',
    );
  }
  const result = GateConfig.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'the top level';
    throw new UserError(
      `${file}: ${where}: ${issue?.message ?? 'invalid'}.`,
      'see cli/gate/README.md for the fields and their units',
    );
  }
  return result.data;
}

/** Reads the config file; a missing default file means the built-in rule, a missing explicit file is an error. */
export async function loadGateConfig(file: string | undefined): Promise<{ config: GateConfig; file?: string }> {
  const path = file ?? DEFAULT_CONFIG_FILE;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (file === undefined && (error as NodeJS.ErrnoException).code === 'ENOENT')
      return { config: GateConfig.parse({}) };
    throw new UserError(
      `cannot read the gate config ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`,
      'pass --config with an existing file',
    );
  }
  return { config: parseGateConfig(text, path), file: path };
}

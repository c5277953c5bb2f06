// The typed report model: everything a renderer or `compare` needs, built by pure functions from any input
// format. Times are in milliseconds, rates per second, ratios in 0..1. A field is absent when the input
// cannot tell it (a k6 summary has no per-endpoint request counts unless the script defined sub-metrics).
// Declared as zod schemas so a report.json read back from disk (report, compare, gate baselines) is
// validated field by field; the TypeScript types are inferred from them.
import { z } from 'zod';
import { RunEvent } from '../shared/run-dir.ts';

/** the name of the reader that read the input (cli/report/inputs/detect.ts lists them), e.g. 'raw-stream' */
export const InputFormat = z.string().min(1);
export type InputFormat = z.infer<typeof InputFormat>;

const count = z.number().nonnegative();
const passFail = z.object({ passes: count, fails: count });

export const LatencyStats = z.object({
  avg: z.number(),
  min: z.number(),
  med: z.number(),
  p90: z.number(),
  p95: z.number(),
  p99: z.number().optional(),
  max: z.number(),
});
export type LatencyStats = z.infer<typeof LatencyStats>;

export const StatusCount = z.object({
  status: z.string(),
  count,
  /** responses k6 counted as expected (`expected_response:true`): a 409 declared expected is a business outcome */
  expected: count,
});
export type StatusCount = z.infer<typeof StatusCount>;

const trafficFields = {
  requests: count.optional(),
  rps: z.number().optional(),
  /** requests k6 counted as failed (http_req_failed), which honours the script's responseCallback */
  failed: count.optional(),
  errorRate: z.number().optional(),
  latency: LatencyStats.optional(),
  statuses: z.array(StatusCount),
};
export const TrafficStats = z.object(trafficFields);
export type TrafficStats = z.infer<typeof TrafficStats>;

export const EndpointStats = z.object({ ...trafficFields, name: z.string(), checks: passFail.optional() });
export type EndpointStats = z.infer<typeof EndpointStats>;

export const ScenarioStats = z.object({
  ...trafficFields,
  name: z.string(),
  iterations: count.optional(),
  iterationRate: z.number().optional(),
  droppedIterations: count.optional(),
  iterationDuration: LatencyStats.optional(),
});
export type ScenarioStats = z.infer<typeof ScenarioStats>;

export const ThresholdResult = z.object({ metric: z.string(), expression: z.string(), ok: z.boolean() });
export type ThresholdResult = z.infer<typeof ThresholdResult>;

export const CheckResult = z.object({ name: z.string(), passes: count, fails: count });
export type CheckResult = z.infer<typeof CheckResult>;

export const Overview = z.object({
  ...trafficFields,
  /** false when any threshold failed or k6 said so; undefined when nothing was asserted */
  passed: z.boolean().optional(),
  durationS: z.number().optional(),
  iterations: count.optional(),
  iterationRate: z.number().optional(),
  droppedIterations: count.optional(),
  iterationDuration: LatencyStats.optional(),
  vusMax: count.optional(),
  dataReceivedBytes: count.optional(),
  dataSentBytes: count.optional(),
  checks: passFail.optional(),
});
export type Overview = z.infer<typeof Overview>;

/** One slice of the timeline; `startS` counts from the first sample. */
export const TimelineBucket = z.object({
  startS: z.number(),
  widthS: z.number(),
  requests: count,
  failed: count,
  /** non-2xx responses the script declared expected (e.g. 409 seat taken) */
  expectedNon2xx: count,
  med: z.number().optional(),
  p95: z.number().optional(),
  p99: z.number().optional(),
  iterations: count,
  dropped: count,
  vus: z.number().optional(),
});
export type TimelineBucket = z.infer<typeof TimelineBucket>;

export const ServerSignal = z.object({
  id: z.enum(['cache-hit-ratio', 'pool-waiting', 'event-loop-lag', 'rss']),
  title: z.string(),
  unit: z.string(),
  points: z.array(z.object({ tS: z.number(), value: z.number() })),
});
export type ServerSignal = z.infer<typeof ServerSignal>;

export const RunContext = z.object({
  runId: z.string().optional(),
  shape: z.string().optional(),
  workload: z.string().optional(),
  target: z.string().optional(),
  k6Version: z.string().optional(),
  k6ExitCode: z.number().optional(),
  startedAt: z.string().optional(),
  /** k6 processes (execution segments) whose raw streams were merged into this report */
  segments: z.number().optional(),
  /** why loadctl ended the load before its planned end, when it did so on purpose */
  stoppedEarly: z.string().optional(),
  phases: z.array(z.object({ name: z.string(), startS: z.number(), endS: z.number(), target: z.number().optional() })),
  /** events with their offset from the first sample */
  events: z.array(RunEvent.extend({ offsetS: z.number().optional() })),
});
export type RunContext = z.infer<typeof RunContext>;

export const NoteSeverity = z.enum(['critical', 'warning', 'info']);
export type NoteSeverity = z.infer<typeof NoteSeverity>;

export const Note = z.object({
  id: z.enum(['threshold-failed', 'dropped-iterations', 'throughput-plateau', 'tail-spread', 'error-burst', 'errors-by-status', 'expected-outcomes', 'slowest-endpoints', 'checks-failed', 'k6-exit']),
  severity: NoteSeverity,
  /** one sentence with the number that triggered the note */
  text: z.string(),
  /** the triggering number, for machines (gate, JSON consumers) */
  value: z.number(),
  subject: z.string().optional(),
});
export type Note = z.infer<typeof Note>;

export const REPORT_SCHEMA_ID = 'loadctl.report/v1';

export const ReportModel = z.object({
  schema: z.literal(REPORT_SCHEMA_ID),
  title: z.string(),
  source: z.object({ format: InputFormat, files: z.array(z.string()) }),
  context: RunContext,
  overview: Overview,
  endpoints: z.array(EndpointStats),
  scenarios: z.array(ScenarioStats),
  statuses: z.array(StatusCount),
  thresholds: z.array(ThresholdResult),
  checks: z.array(CheckResult),
  timeline: z.array(TimelineBucket),
  server: z.array(ServerSignal),
  notes: z.array(Note),
});
export type ReportModel = z.infer<typeof ReportModel>;

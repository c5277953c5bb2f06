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

export const ThresholdResult = z.object({
  /** the full metric name, sub-metrics included: `http_req_duration{name:GET /slow}` */
  metric: z.string(),
  expression: z.string(),
  ok: z.boolean(),
  /** the value the expression was judged on, as k6 printed it when it did (`p(95)=175.69ms`) */
  observed: z.string().optional(),
  /** 'k6' when the verdict is k6's own; 'loadctl' when re-evaluated on the aggregated raw stream */
  judgedBy: z.enum(['k6', 'loadctl']).optional(),
});
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
  /** WebSocket messages and gRPC calls in this slice, and their p95s (absent when the run had none) */
  wsSent: count.optional(),
  wsReceived: count.optional(),
  wsConnectP95: z.number().optional(),
  grpcRequests: count.optional(),
  grpcP95: z.number().optional(),
  /** requests made by setup() and teardown(), kept out of `requests` and the percentiles */
  setupRequests: count.optional(),
});
export type TimelineBucket = z.infer<typeof TimelineBucket>;

export const VitalName = z.enum(['lcp', 'fcp', 'cls', 'inp', 'ttfb']);
export type VitalName = z.infer<typeof VitalName>;
export const VitalRating = z.enum(['good', 'needs improvement', 'poor']);
export type VitalRating = z.infer<typeof VitalRating>;

/** One Web Vital of one page: k6's own percentiles of its samples (ms; CLS is unitless), rated. */
export const VitalStats = z.object({
  vital: VitalName,
  /** absent when read from a summary that does not list count in summaryTrendStats */
  samples: count.optional(),
  p75: z.number(),
  p95: z.number(),
  /** the rating of p75, the percentile Web Vitals are judged at */
  rating: VitalRating,
  p95Rating: VitalRating,
});
export type VitalStats = z.infer<typeof VitalStats>;

export const PageVitals = z.object({ page: z.string(), vitals: z.array(VitalStats) });
export type PageVitals = z.infer<typeof PageVitals>;

/** Per page (url tag) and over all pages, which is what k6's summary and thresholds see. */
export const WebVitals = z.object({ allPages: z.array(VitalStats), pages: z.array(PageVitals) });
export type WebVitals = z.infer<typeof WebVitals>;

/** WebSocket sessions of one `name` tag (k6 names them by URL unless the script tags them). */
export const WebSocketStats = z.object({
  name: z.string(),
  sessions: count,
  /** handshake statuses: 101 is an upgraded session */
  statuses: z.array(StatusCount),
  connecting: LatencyStats.optional(),
  sessionDuration: LatencyStats.optional(),
  messagesSent: count,
  messagesReceived: count,
  sentPerS: z.number().optional(),
  receivedPerS: z.number().optional(),
});
export type WebSocketStats = z.infer<typeof WebSocketStats>;

/** gRPC calls of one method (`name` tag, /package.Service/Method); statuses are gRPC codes by name. */
export const GrpcMethodStats = z.object({
  method: z.string(),
  requests: count,
  rps: z.number().optional(),
  /** calls that ended in a code other than OK */
  failed: count,
  statuses: z.array(StatusCount),
  latency: LatencyStats.optional(),
});
export type GrpcMethodStats = z.infer<typeof GrpcMethodStats>;

/** One endpoint's mean and max latency per time bucket (raw streams only). */
export const EndpointTimeline = z.object({
  name: z.string(),
  points: z.array(
    z.object({ startS: z.number(), widthS: z.number(), requests: count, avg: z.number(), max: z.number() }),
  ),
});
export type EndpointTimeline = z.infer<typeof EndpointTimeline>;

/** A latency histogram bin: requests that took fromMs..toMs. */
export const LatencyBin = z.object({ fromMs: z.number(), toMs: z.number(), count });
export type LatencyBin = z.infer<typeof LatencyBin>;

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
  /** CPU seconds k6 used over the run's wall seconds, and the cores it had (meta.json) */
  loadGenerator: z.object({ cpuSeconds: z.number(), wallSeconds: z.number(), cpus: z.number() }).optional(),
  phases: z.array(z.object({ name: z.string(), startS: z.number(), endS: z.number(), target: z.number().optional() })),
  /** events with their offset from the first sample */
  events: z.array(RunEvent.extend({ offsetS: z.number().optional() })),
});
export type RunContext = z.infer<typeof RunContext>;

/** A metric the script defined (or one the report has no section for), with the values k6's summary gives it. */
export const CustomMetric = z.object({
  name: z.string(),
  type: z.enum(['trend', 'counter', 'rate', 'gauge']),
  /** 'time' when the values are milliseconds, 'data' when bytes; absent when the input does not say */
  contains: z.string().optional(),
  /** k6's keys, canonical: avg, min, med, max, p90, p95, p99, count, rate, value; rates also nonZero, zero */
  values: z.record(z.string(), z.number()),
});
export type CustomMetric = z.infer<typeof CustomMetric>;

export const NoteSeverity = z.enum(['critical', 'warning', 'info']);
export type NoteSeverity = z.infer<typeof NoteSeverity>;

export const Note = z.object({
  id: z.enum([
    'threshold-failed',
    'dropped-iterations',
    'throughput-plateau',
    'tail-spread',
    'error-burst',
    'errors-by-status',
    'expected-outcomes',
    'slowest-endpoints',
    'checks-failed',
    'k6-exit',
    'web-vitals',
    'grpc-errors',
    'websocket-errors',
    'input',
    'method',
    'load-generator',
  ]),
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
  /** absent in report.json files written before they existed, and for summaries (which have no samples) */
  endpointTimeline: z.array(EndpointTimeline).optional(),
  latencyDistribution: z.array(LatencyBin).optional(),
  server: z.array(ServerSignal),
  /** absent when the run had no such traffic (and in reports written before they existed) */
  webVitals: WebVitals.optional(),
  websockets: z.array(WebSocketStats).optional(),
  /** totals over every name: the figures k6's summary of the run shows */
  websocketTotals: WebSocketStats.optional(),
  grpc: z.array(GrpcMethodStats).optional(),
  grpcTotals: GrpcMethodStats.optional(),
  /** the script's own metrics (and any the report has no section for); absent in older reports */
  customMetrics: z.array(CustomMetric).optional(),
  notes: z.array(Note),
});
export type ReportModel = z.infer<typeof ReportModel>;

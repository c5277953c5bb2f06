// The typed report model: everything a renderer or `compare` needs, built by pure functions from any input
// format. Times are in milliseconds, rates per second, ratios in 0..1. A field is absent when the input
// cannot tell it (a k6 summary has no per-endpoint request counts unless the script defined sub-metrics).
import type { RunEvent } from '../run/run-dir.ts';

export type InputFormat = 'raw-stream' | 'summary-legacy' | 'summary-handle' | 'summary-machine' | 'text-summary' | 'report-json';

export interface LatencyStats {
  avg: number;
  min: number;
  med: number;
  p90: number;
  p95: number;
  p99?: number;
  max: number;
}

export interface StatusCount {
  status: string;
  count: number;
  /** responses k6 counted as expected (`expected_response:true`): a 409 declared expected is a business outcome */
  expected: number;
}

export interface TrafficStats {
  requests?: number;
  rps?: number;
  /** requests k6 counted as failed (http_req_failed), which honours the script's responseCallback */
  failed?: number;
  errorRate?: number;
  latency?: LatencyStats;
  statuses: StatusCount[];
}

export interface EndpointStats extends TrafficStats {
  name: string;
  checks?: { passes: number; fails: number };
}

export interface ScenarioStats extends TrafficStats {
  name: string;
  iterations?: number;
  iterationRate?: number;
  droppedIterations?: number;
  iterationDuration?: LatencyStats;
}

export interface ThresholdResult {
  metric: string;
  expression: string;
  ok: boolean;
}

export interface CheckResult {
  name: string;
  passes: number;
  fails: number;
}

export interface Overview extends TrafficStats {
  /** false when any threshold failed or k6 said so; undefined when nothing was asserted */
  passed?: boolean;
  durationS?: number;
  iterations?: number;
  iterationRate?: number;
  droppedIterations?: number;
  iterationDuration?: LatencyStats;
  vusMax?: number;
  dataReceivedBytes?: number;
  dataSentBytes?: number;
  checks?: { passes: number; fails: number };
}

/** One slice of the timeline; `startS` counts from the first sample. */
export interface TimelineBucket {
  startS: number;
  widthS: number;
  requests: number;
  failed: number;
  /** non-2xx responses the script declared expected (e.g. 409 seat taken) */
  expectedNon2xx: number;
  med?: number;
  p95?: number;
  p99?: number;
  iterations: number;
  dropped: number;
  vus?: number;
}

export interface ServerSignal {
  id: 'cache-hit-ratio' | 'pool-waiting' | 'event-loop-lag' | 'rss';
  title: string;
  unit: string;
  points: { tS: number; value: number }[];
}

export interface RunContext {
  runId?: string;
  shape?: string;
  workload?: string;
  target?: string;
  k6Version?: string;
  k6ExitCode?: number;
  startedAt?: string;
  /** k6 processes (execution segments) whose raw streams were merged into this report */
  segments?: number;
  /** why loadctl ended the load before its planned end, when it did so on purpose */
  stoppedEarly?: string;
  phases: { name: string; startS: number; endS: number; target?: number }[];
  /** events with their offset from the first sample */
  events: (RunEvent & { offsetS?: number })[];
}

export type NoteSeverity = 'critical' | 'warning' | 'info';

export interface Note {
  id: 'threshold-failed' | 'dropped-iterations' | 'throughput-plateau' | 'tail-spread' | 'error-burst' | 'errors-by-status' | 'expected-outcomes' | 'slowest-endpoints' | 'checks-failed' | 'k6-exit';
  severity: NoteSeverity;
  /** one sentence with the number that triggered the note */
  text: string;
  /** the triggering number, for machines (gate, JSON consumers) */
  value: number;
  subject?: string;
}

export interface ReportModel {
  schema: 'loadctl.report/v1';
  title: string;
  source: { format: InputFormat; files: string[] };
  context: RunContext;
  overview: Overview;
  endpoints: EndpointStats[];
  scenarios: ScenarioStats[];
  statuses: StatusCount[];
  thresholds: ThresholdResult[];
  checks: CheckResult[];
  timeline: TimelineBucket[];
  server: ServerSignal[];
  notes: Note[];
}

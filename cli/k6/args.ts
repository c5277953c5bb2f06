// The k6 command lines loadctl builds (`loadctl run`'s processes, `loadctl k8s`'s archive and its runners'
// arguments) from one table of outputs and one list of -e values. Pure, so the exact invocation is unit-tested
// and recorded in k6.log.
import { k6BrowserEnv } from '../toolchain/browser.ts';

export interface Segment {
  /** 0-based */
  index: number;
  count: number;
}

/** The -e values a workload script reads (scenarios/lib/options.ts and api.ts), in the order they are passed. */
export interface WorkloadEnv {
  baseUrl?: string;
  shape?: string;
  scale?: number;
  /** replaces a steady shape's duration */
  duration?: string;
}
const ENV_NAMES: Record<keyof WorkloadEnv, string> = {
  baseUrl: 'BASE_URL',
  shape: 'SHAPE',
  scale: 'SCALE',
  duration: 'DURATION',
};

/** flags, -e values for the script, and settings k6's own outputs read from its process environment */
type OutputArgs = { flags?: string[]; env?: Record<string, string>; processEnv?: Record<string, string> };
/** How each output is asked for, given where it goes: a new k6 output is one line here. */
const K6_OUTPUTS = {
  /** every sample as NDJSON; a .gz name makes k6 compress it */
  rawFile: (file: string): OutputArgs => ({ flags: ['--out', `json=${file}`] }),
  /** k6's end-of-test summary data as JSON, written by the scripts' handleSummary (scenarios/lib/summary.ts) */
  summaryFile: (file: string): OutputArgs => ({ env: { SUMMARY_FILE: file } }),
  /** k6's end-of-test summary as k6 exports it itself, for scripts that are not ours (their handleSummary is theirs) */
  summaryExport: (file: string): OutputArgs => ({ flags: ['--summary-export', file] }),
  /** Prometheus' remote-write endpoint (…/api/v1/write): trends as p95/p99/avg gauges, pushed every second */
  prometheusRemoteWrite: (url: string): OutputArgs => ({
    flags: ['--out', 'experimental-prometheus-rw'],
    processEnv: {
      K6_PROMETHEUS_RW_SERVER_URL: url,
      K6_PROMETHEUS_RW_TREND_STATS: 'p(95),p(99),avg',
      K6_PROMETHEUS_RW_PUSH_INTERVAL: '1s',
    },
  }),
} satisfies Record<string, (target: string) => OutputArgs>;

/** Where k6 writes a run's results: one optional field per entry of K6_OUTPUTS. */
export type K6Results = { [K in keyof typeof K6_OUTPUTS]?: string };

function requestedOutputs(results: K6Results): OutputArgs[] {
  return (Object.keys(K6_OUTPUTS) as (keyof K6Results)[]).flatMap((key) => {
    const target = results[key];
    return target === undefined ? [] : [K6_OUTPUTS[key](target)];
  });
}

/** What every k6 invocation of a workload carries: the flags of its outputs, then its -e values. */
export function workloadArgs(env: WorkloadEnv, results: K6Results = {}): string[] {
  const outputs = requestedOutputs(results);
  const values = [
    ...(Object.keys(ENV_NAMES) as (keyof WorkloadEnv)[]).flatMap((key) => {
      const value = env[key];
      return value === undefined ? [] : [[ENV_NAMES[key], String(value)]];
    }),
    ...outputs.flatMap((output) => Object.entries(output.env ?? {})),
  ];
  const flags = outputs.flatMap((output) => output.flags ?? []);
  return [...flags, ...values.flatMap(([name, value]) => ['-e', `${name}=${value}`])];
}

export interface K6RunArgs extends WorkloadEnv, K6Results {
  script: string;
  /** host:port of k6's REST API, polled for live progress */
  apiAddress: string;
  segment?: Segment;
  /** the user's own `k6 run` arguments (after `--`), already checked against ours (./passthrough.ts) */
  passthrough?: readonly string[];
  /** Prometheus' remote-write endpoint, when k6 should also write its metrics there */
  prometheusRemoteWrite?: string;
}

/** `--execution-segment` and the shared `--execution-segment-sequence` of part `index` of `count` equal parts. */
export function executionSegment({ index, count }: Segment): { segment: string; sequence: string } {
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(index) || index < 0 || index >= count) {
    throw new Error(`segment ${index} of ${count} does not exist`);
  }
  const cut = (i: number): string => (i === 0 ? '0' : i === count ? '1' : `${i}/${count}`);
  const sequence = Array.from({ length: count + 1 }, (_, i) => cut(i)).join(',');
  return { segment: `${cut(index)}:${cut(index + 1)}`, sequence };
}

/** `k6 run` of a workload or a user's script on this machine, one process (or one execution segment of several). */
export function buildK6Args(run: K6RunArgs): string[] {
  const segment = run.segment && run.segment.count > 1 ? executionSegment(run.segment) : undefined;
  return [
    'run',
    '--no-color',
    // loadctl shows its own progress line; k6's would only fill k6.log
    '--quiet',
    '--address',
    run.apiAddress,
    ...workloadArgs(
      { baseUrl: run.baseUrl, shape: run.shape, scale: run.scale, duration: run.duration },
      {
        rawFile: run.rawFile,
        summaryFile: run.summaryFile,
        summaryExport: run.summaryExport,
        prometheusRemoteWrite: run.prometheusRemoteWrite,
      },
    ),
    ...(segment ? ['--execution-segment', segment.segment, '--execution-segment-sequence', segment.sequence] : []),
    ...(run.passthrough ?? []),
    run.script,
  ];
}

/** Our own progress line replaces k6's; its usage report would phone home. */
export const NO_USAGE_REPORT = { K6_NO_USAGE_REPORT: 'true' };

/**
 * The environment k6 runs with: the machine's Chromium for k6/browser (headless; no sandbox as root), and
 * the settings of the outputs in `results` that k6 reads from its environment only.
 */
export function k6Environment(results: K6Results = {}): Record<string, string> {
  const outputSettings = requestedOutputs(results).map((output) => output.processEnv ?? {});
  return Object.assign({ ...k6BrowserEnv(), ...NO_USAGE_REPORT }, ...outputSettings);
}

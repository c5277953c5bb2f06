// The k6 command line of a run: pure, so the exact invocation is unit-tested and recorded in k6.log.
import { k6BrowserEnv } from '../toolchain/browser.ts';

export interface Segment {
  /** 0-based */
  index: number;
  count: number;
}

export interface K6RunArgs {
  script: string;
  baseUrl: string;
  shape: string;
  scale: number;
  /** replaces a steady shape's duration */
  duration?: string;
  /** where handleSummary writes k6's summary data (JSON) */
  summaryFile: string;
  /** --out json=… ; a .gz name makes k6 compress it */
  rawFile: string;
  /** host:port of k6's REST API, polled for live progress */
  apiAddress: string;
  segment?: Segment;
  /** Prometheus' remote-write endpoint (…/api/v1/write): k6 also writes its metrics there */
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

export function buildK6Args(run: K6RunArgs): string[] {
  const env: [string, string][] = [
    ['BASE_URL', run.baseUrl],
    ['SHAPE', run.shape],
    ['SCALE', String(run.scale)],
    ['SUMMARY_FILE', run.summaryFile],
    ...(run.duration ? ([['DURATION', run.duration]] as [string, string][]) : []),
  ];
  const segment = run.segment && run.segment.count > 1 ? executionSegment(run.segment) : undefined;
  return [
    'run',
    '--no-color',
    // loadctl shows its own progress line; k6's would only fill k6.log
    '--quiet',
    '--address',
    run.apiAddress,
    '--out',
    `json=${run.rawFile}`,
    ...(run.prometheusRemoteWrite ? ['--out', 'experimental-prometheus-rw'] : []),
    ...env.flatMap(([name, value]) => ['-e', `${name}=${value}`]),
    ...(segment ? ['--execution-segment', segment.segment, '--execution-segment-sequence', segment.sequence] : []),
    run.script,
  ];
}

/**
 * The environment k6 runs with: the machine's Chromium for k6/browser (headless; no sandbox as root), and
 * where the Prometheus remote-write output sends to (it reads its settings from the environment only).
 */
export function k6Environment(prometheusRemoteWrite?: string): Record<string, string> {
  const remoteWrite: Record<string, string> = prometheusRemoteWrite
    ? {
        K6_PROMETHEUS_RW_SERVER_URL: prometheusRemoteWrite,
        // trends as these gauges (k6_http_req_duration_p95 …), and pushed every second for the dashboards
        K6_PROMETHEUS_RW_TREND_STATS: 'p(95),p(99),avg',
        K6_PROMETHEUS_RW_PUSH_INTERVAL: '1s',
      }
    : {};
  // our own progress line replaces k6's; its usage report would phone home
  return { ...k6BrowserEnv(), K6_NO_USAGE_REPORT: 'true', ...remoteWrite };
}

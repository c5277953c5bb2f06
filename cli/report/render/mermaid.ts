// Mermaid `xychart-beta` blocks, which GitHub renders inline: throughput and p95 over time, one chart per
// kind of traffic the run had (HTTP and browser requests, WebSocket messages, gRPC calls). Long timelines
// are thinned to MAX_POINTS so the axis stays readable.
import type { ReportModel, TimelineBucket } from '../model.ts';

const MAX_POINTS = 40;

function thin(timeline: TimelineBucket[]): TimelineBucket[] {
  const step = Math.ceil(timeline.length / MAX_POINTS);
  return timeline.filter((_, i) => i % step === 0);
}

/**
 * Axis labels: each bucket's middle (as the SVG charts plot it), with as few decimals as keep them distinct.
 * The first bucket is partial (it starts at the first sample, mid-second): labelled by their starts, the
 * first two points would both read "0s".
 */
export function timeLabels(points: TimelineBucket[]): string[] {
  for (let decimals = 0; ; decimals += 1) {
    const labels = points.map((b) => `${(b.startS + b.widthS / 2).toFixed(decimals)}s`);
    if (new Set(labels).size === labels.length || decimals >= 3) return labels;
  }
}

function chart(title: string, yLabel: string, points: TimelineBucket[], value: (b: TimelineBucket) => number): string {
  const labels = timeLabels(points)
    .map((label) => `"${label}"`)
    .join(', ');
  const values = points.map((b) => Number(value(b).toFixed(2))).join(', ');
  return [
    '```mermaid',
    'xychart-beta',
    `  title "${title}"`,
    `  x-axis [${labels}]`,
    `  y-axis "${yLabel}"`,
    `  line [${values}]`,
    '```',
  ].join('\n');
}

export function mermaidCharts(model: ReportModel): string[] {
  if (model.timeline.length < 2) return [];
  const points = thin(model.timeline);
  const had = (pick: (b: TimelineBucket) => number | undefined) => model.timeline.some((b) => (pick(b) ?? 0) > 0);
  const websockets = had((b) => (b.wsSent ?? 0) + (b.wsReceived ?? 0));
  const grpc = had((b) => b.grpcRequests);
  const charts: string[] = [];
  if (had((b) => b.requests) || (!websockets && !grpc)) {
    charts.push(
      chart('Requests per second', 'req/s', points, (b) => b.requests / b.widthS),
      chart('p95 latency (ms)', 'ms', points, (b) => b.p95 ?? 0),
      chart('Failed requests per second', 'req/s', points, (b) => b.failed / b.widthS),
    );
  }
  if (websockets) {
    charts.push(
      chart(
        'WebSocket messages per second (sent + received)',
        'msg/s',
        points,
        (b) => ((b.wsSent ?? 0) + (b.wsReceived ?? 0)) / b.widthS,
      ),
      chart('WebSocket connect time p95 (ms)', 'ms', points, (b) => b.wsConnectP95 ?? 0),
    );
  }
  if (grpc) {
    charts.push(
      chart('gRPC calls per second', 'calls/s', points, (b) => (b.grpcRequests ?? 0) / b.widthS),
      chart('gRPC p95 latency (ms)', 'ms', points, (b) => b.grpcP95 ?? 0),
    );
  }
  return charts;
}

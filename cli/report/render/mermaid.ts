// Mermaid `xychart-beta` blocks, which GitHub renders inline: throughput and p95 over time. Long timelines
// are thinned to MAX_POINTS so the axis stays readable.
import type { ReportModel, TimelineBucket } from '../model.ts';

const MAX_POINTS = 40;

function thin(timeline: TimelineBucket[]): TimelineBucket[] {
  const step = Math.ceil(timeline.length / MAX_POINTS);
  return timeline.filter((_, i) => i % step === 0);
}

function chart(title: string, yLabel: string, points: TimelineBucket[], value: (b: TimelineBucket) => number): string {
  const labels = points.map((b) => `"${b.startS.toFixed(0)}s"`).join(', ');
  const values = points.map((b) => Number(value(b).toFixed(2))).join(', ');
  return ['```mermaid', 'xychart-beta', `  title "${title}"`, `  x-axis [${labels}]`, `  y-axis "${yLabel}"`, `  line [${values}]`, '```'].join('\n');
}

export function mermaidCharts(model: ReportModel): string[] {
  if (model.timeline.length < 2) return [];
  const points = thin(model.timeline);
  return [
    chart('Requests per second', 'req/s', points, (b) => b.requests / b.widthS),
    chart('p95 latency (ms)', 'ms', points, (b) => b.p95 ?? 0),
    chart('Failed requests per second', 'req/s', points, (b) => b.failed / b.widthS),
  ];
}

// The latency-versus-throughput chart: k6's p95 and p99 at each step's carried rate (log scale), the SLO as a
// rule, and the knee — the highest rate that held — marked. A vega-lite spec, drawn as SVG beside
// capacity.md and interactively in capacity.html by the report engine's renderers.
import type { ChartSpec } from '../report/render/charts.ts';
import type { CapacityResult } from './result.ts';

export function latencyThroughputChart(result: CapacityResult): ChartSpec | undefined {
  const steps = result.steps.filter((s) => s.p95Ms !== undefined && !s.interrupted);
  if (steps.length === 0) return undefined;
  const points = steps.flatMap((s) =>
    (['p95', 'p99'] as const).flatMap((series) => {
      const value = series === 'p95' ? s.p95Ms : s.p99Ms;
      return value === undefined
        ? []
        : [
            {
              carried: Math.round(s.throughput),
              asked: s.offeredRate,
              series,
              ms: Math.max(value, 0.1),
              verdict: s.verdict.held ? 'held' : 'broke',
            },
          ];
    }),
  );
  const knee = steps.find((s) => s.offeredRate === result.sustainedRate);
  const layers: object[] = [
    {
      data: { values: points },
      mark: { type: 'line', point: { size: 50, filled: true } },
      encoding: {
        x: { field: 'carried', type: 'quantitative', title: 'carried requests/s' },
        y: { field: 'ms', type: 'quantitative', title: 'latency (ms, log)', scale: { type: 'log' } },
        color: { field: 'series', type: 'nominal', title: null },
        shape: { field: 'verdict', type: 'nominal', title: 'step' },
        order: { field: 'carried', type: 'quantitative' },
        tooltip: [
          { field: 'asked', title: 'asked/s' },
          { field: 'carried', title: 'carried/s' },
          { field: 'series' },
          { field: 'ms', format: ',.1f' },
          { field: 'verdict' },
        ],
      },
    },
    ...result.slo.latency.map((bound) => ({
      data: { values: [{ ms: bound.maxMs, label: `SLO p${bound.percentile} < ${bound.maxMs} ms` }] },
      layer: [
        {
          mark: { type: 'rule', strokeDash: [4, 4], color: '#e45756' },
          encoding: { y: { field: 'ms', type: 'quantitative' } },
        },
        {
          mark: { type: 'text', align: 'left', dx: 4, dy: -6, color: '#e45756' },
          encoding: { y: { field: 'ms', type: 'quantitative' }, x: { value: 0 }, text: { field: 'label' } },
        },
      ],
    })),
  ];
  if (knee?.p95Ms !== undefined) {
    layers.push({
      data: {
        values: [{ carried: Math.round(knee.throughput), ms: knee.p95Ms, label: `knee: ${knee.offeredRate}/s held` }],
      },
      layer: [
        {
          mark: { type: 'rule', color: '#54a24b', strokeDash: [2, 2] },
          encoding: { x: { field: 'carried', type: 'quantitative' } },
        },
        {
          mark: { type: 'text', align: 'right', dx: -4, dy: -8, color: '#54a24b' },
          encoding: {
            x: { field: 'carried', type: 'quantitative' },
            y: { field: 'ms', type: 'quantitative' },
            text: { field: 'label' },
          },
        },
      ],
    });
  }
  return {
    id: 'latency-vs-throughput',
    title: 'Latency versus throughput',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: 'Latency versus throughput',
      width: 760,
      height: 260,
      background: 'white',
      layer: layers,
    } as unknown as ChartSpec['spec'],
  };
}

// Charts as SVG files: vega-lite specs compiled to vega and rendered headless with View.toSVG(). Fault
// windows (fault-injected → fault-recovered) and setup() traffic are shaded, phases and other events drawn as
// labelled rules; the HTML report (html.ts) draws the same specs interactively.
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import type { ReportModel } from '../model.ts';
import { LANE_HEIGHT_PX, laneCount, pointsOf, markers, perSecond as ratePoints } from './series.ts';

export interface ChartSpec {
  id: string;
  title: string;
  spec: vegaLite.TopLevelSpec;
}

type Series = { tS: number; series: string; value: number };

export const WIDTH = 760;
export const HEIGHT = 200;

const MARKER_COLOR = { fault: '#e45756', setup: '#8e6cc0', phase: '#888', event: '#4c78a8' } as const;

/** Fault and setup() windows shaded, phases and events as rules, every label in its own lane (see series.ts). */
export function overlayLayers(model: ReportModel): object[] {
  const found = markers(model, WIDTH).map((m) => ({
    ...m,
    labelY: 2 + m.lane * LANE_HEIGHT_PX,
    color: MARKER_COLOR[m.kind],
  }));
  if (found.length === 0) return [];
  const windows = found.filter((m) => m.to > m.from);
  const instants = found.filter((m) => m.to <= m.from);
  const x = { field: 'from', type: 'quantitative' };
  // fill/stroke straight from the data (scale null): no legend, and no clash with the series' colour legend
  const fill = { field: 'color', type: 'nominal', scale: null };
  return [
    ...(windows.length > 0
      ? [
          {
            data: { values: windows },
            mark: { type: 'rect', opacity: 0.13 },
            encoding: { x, x2: { field: 'to' }, fill },
          },
        ]
      : []),
    ...(instants.length > 0
      ? [{ data: { values: instants }, mark: { type: 'rule', strokeDash: [4, 3] }, encoding: { x, stroke: fill } }]
      : []),
    {
      data: { values: found },
      mark: { type: 'text', align: 'left', baseline: 'top', dx: 3, fontSize: 10 },
      encoding: { x, y: { field: 'labelY', type: 'quantitative', scale: null }, text: { field: 'label' }, fill },
    },
  ];
}

/** The y scale's top, raised so the marker labels above the data never sit on a line. */
function yDomainMax(model: ReportModel, values: Series[]): number | undefined {
  const lanes = laneCount(markers(model, WIDTH));
  const top = Math.max(0, ...values.map((v) => v.value));
  if (lanes === 0 || top <= 0) return undefined;
  return top * (HEIGHT / Math.max(HEIGHT / 2, HEIGHT - lanes * LANE_HEIGHT_PX - 4));
}

/** What every chart shares: vega-lite v5, the title, one size, a white page. */
export function chartFrame(title: string) {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: WIDTH,
    height: HEIGHT,
    background: 'white',
  };
}

export function lineChart(model: ReportModel, id: string, title: string, yTitle: string, values: Series[]): ChartSpec {
  const spec = {
    ...chartFrame(title),
    // markers first, so the shading lies under the lines and never catches the pointer meant for a point
    layer: [
      ...overlayLayers(model),
      {
        data: { values },
        mark: { type: 'line', interpolate: 'monotone', point: values.length < 40 },
        encoding: {
          x: { field: 'tS', type: 'quantitative', title: 'seconds since start' },
          y: { field: 'value', type: 'quantitative', title: yTitle, scale: { domainMax: yDomainMax(model, values) } },
          color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'top', labelLimit: 320 } },
        },
      },
    ],
  } as vegaLite.TopLevelSpec;
  return { id, title, spec };
}

export function chartSpecs(model: ReportModel): ChartSpec[] {
  const t = model.timeline;
  if (t.length < 2) return [];
  const perSecond = (name: string, pick: (b: (typeof t)[number]) => number) => ratePoints(t, name, pick);
  const latency = (name: string, pick: (b: (typeof t)[number]) => number | undefined) => pointsOf(t, name, pick);
  // a series the run has nothing for (requests in a WebSocket-only run) would be a flat line at zero
  const had = (pick: (b: (typeof t)[number]) => number | undefined) => t.some((b) => (pick(b) ?? 0) > 0);
  const requests = had((b) => b.requests);
  const charts = [
    lineChart(model, 'throughput', 'Throughput', 'per second', [
      ...(requests ? perSecond('requests/s', (b) => b.requests) : []),
      ...perSecond('iterations/s', (b) => b.iterations),
      ...perSecond('dropped iterations/s', (b) => b.dropped),
      ...(had((b) => b.wsSent) ? perSecond('WebSocket messages sent/s', (b) => b.wsSent ?? 0) : []),
      ...(had((b) => b.wsReceived) ? perSecond('WebSocket messages received/s', (b) => b.wsReceived ?? 0) : []),
      ...(had((b) => b.grpcRequests) ? perSecond('gRPC calls/s', (b) => b.grpcRequests ?? 0) : []),
    ]),
    lineChart(model, 'latency', 'Latency', 'ms', [
      ...latency('median', (b) => b.med),
      ...latency('p95', (b) => b.p95),
      ...latency('p99', (b) => b.p99),
      ...latency('WebSocket connect p95', (b) => b.wsConnectP95),
      ...latency('gRPC p95', (b) => b.grpcP95),
    ]),
    ...(requests
      ? [
          lineChart(model, 'errors', 'Errors', 'responses per second', [
            ...perSecond('failed', (b) => b.failed),
            ...perSecond('expected non-2xx (e.g. 409)', (b) => b.expectedNon2xx),
          ]),
        ]
      : []),
  ];
  const vus = pointsOf(t, 'VUs', (b) => b.vus);
  if (vus.length > 1) charts.push(lineChart(model, 'vus', 'Virtual users', 'VUs', vus));
  for (const signal of model.server) {
    charts.push(
      lineChart(
        model,
        `server-${signal.id}`,
        `Server: ${signal.title}`,
        signal.unit,
        signal.points.map((p) => ({ tS: p.tS, series: signal.title, value: p.value })),
      ),
    );
  }
  return charts;
}

export async function renderSvg(chart: ChartSpec): Promise<string> {
  const compiled = vegaLite.compile(chart.spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

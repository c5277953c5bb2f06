// Charts as SVG files: vega-lite specs compiled to vega and rendered headless with View.toSVG(). Fault
// windows (fault-injected → fault-recovered) are shaded, phases and other events drawn as labelled rules.
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import type { ReportModel } from '../model.ts';

export interface ChartSpec {
  id: string;
  title: string;
  spec: vegaLite.TopLevelSpec;
}

interface Series {
  tS: number;
  series: string;
  value: number;
}

const WIDTH = 760;
const HEIGHT = 200;

function overlayLayers(model: ReportModel): object[] {
  const faults: { from: number; to: number; name: string }[] = [];
  const end = model.overview.durationS ?? model.timeline.at(-1)?.startS ?? 0;
  for (const event of model.context.events) {
    if (event.kind !== 'fault-injected' || event.offsetS === undefined) continue;
    const recovered = model.context.events.find((e) => e.kind === 'fault-recovered' && e.name === event.name && (e.offsetS ?? -1) >= (event.offsetS ?? 0));
    faults.push({ from: event.offsetS, to: recovered?.offsetS ?? end, name: `fault: ${event.name}` });
  }
  const rules = [
    ...model.context.phases.map((p) => ({ tS: p.startS, label: p.name })),
    ...model.context.events.filter((e) => e.kind !== 'fault-injected' && e.kind !== 'fault-recovered' && e.offsetS !== undefined).map((e) => ({ tS: e.offsetS ?? 0, label: e.name })),
  ];
  const layers: object[] = [];
  if (faults.length > 0) {
    layers.push({ data: { values: faults }, mark: { type: 'rect', color: '#e45756', opacity: 0.15 }, encoding: { x: { field: 'from', type: 'quantitative' }, x2: { field: 'to' } } });
    layers.push({ data: { values: faults }, mark: { type: 'text', align: 'left', baseline: 'top', dx: 3, dy: 3, color: '#b03030', fontSize: 10 }, encoding: { x: { field: 'from', type: 'quantitative' }, y: { value: 0 }, text: { field: 'name' } } });
  }
  if (rules.length > 0) {
    layers.push({ data: { values: rules }, mark: { type: 'rule', color: '#888', strokeDash: [4, 3] }, encoding: { x: { field: 'tS', type: 'quantitative' } } });
    layers.push({ data: { values: rules }, mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 3, color: '#555', fontSize: 10, angle: 0 }, encoding: { x: { field: 'tS', type: 'quantitative' }, y: { value: HEIGHT }, text: { field: 'label' } } });
  }
  return layers;
}

function lineChart(model: ReportModel, id: string, title: string, yTitle: string, values: Series[]): ChartSpec {
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: WIDTH,
    height: HEIGHT,
    background: 'white',
    layer: [
      {
        data: { values },
        mark: { type: 'line', interpolate: 'monotone', point: values.length < 40 },
        encoding: {
          x: { field: 'tS', type: 'quantitative', title: 'seconds since start' },
          y: { field: 'value', type: 'quantitative', title: yTitle },
          color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'top', labelLimit: 320 } },
        },
      },
      ...overlayLayers(model),
    ],
  } as vegaLite.TopLevelSpec;
  return { id, title, spec };
}

export function chartSpecs(model: ReportModel): ChartSpec[] {
  const t = model.timeline;
  if (t.length < 2) return [];
  const mid = (b: (typeof t)[number]) => b.startS + b.widthS / 2;
  const perSecond = (name: string, pick: (b: (typeof t)[number]) => number) => t.map((b) => ({ tS: mid(b), series: name, value: pick(b) / b.widthS }));
  const latency = (name: string, pick: (b: (typeof t)[number]) => number | undefined) =>
    t.flatMap((b) => (pick(b) === undefined ? [] : [{ tS: mid(b), series: name, value: pick(b) ?? 0 }]));
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
    ...(requests ? [lineChart(model, 'errors', 'Errors', 'responses per second', [...perSecond('failed', (b) => b.failed), ...perSecond('expected non-2xx (e.g. 409)', (b) => b.expectedNon2xx)])] : []),
  ];
  const vus = t.flatMap((b) => (b.vus === undefined ? [] : [{ tS: mid(b), series: 'VUs', value: b.vus }]));
  if (vus.length > 1) charts.push(lineChart(model, 'vus', 'Virtual users', 'VUs', vus));
  for (const signal of model.server) {
    charts.push(lineChart(model, `server-${signal.id}`, `Server: ${signal.title}`, signal.unit, signal.points.map((p) => ({ tS: p.tS, series: signal.title, value: p.value }))));
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

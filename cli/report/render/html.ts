// One self-contained HTML file to mail or attach to a PR: the markdown report's tables as HTML, and the charts
// drawn in the browser by vega and vega-lite inlined from node_modules (vega-embed is not installed, so the
// page drives vega's own View), with tooltips and zoom. A Content-Security-Policy forbids any fetch.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Marked } from 'marked';
import type { Comparison } from '../compare.ts';
import { renderComparisonMarkdown } from '../compare.ts';
import type { ReportModel } from '../model.ts';
import { chartFrame, chartSpecs, lineChart, type ChartSpec } from './charts.ts';
import { renderMarkdown } from './markdown.ts';
import { perSecond, pointsOf } from './series.ts';

const requireFromHere = createRequire(import.meta.url);
const library = (file: string) => readFileSync(requireFromHere.resolve(file), 'utf8');

/** The layered vega-lite specs charts.ts makes, seen as plain JSON to add interaction to. */
interface Layer {
  mark: string | Record<string, unknown>;
  encoding?: Record<string, unknown>;
  params?: unknown[];
}
interface LayeredSpec {
  layer: Layer[];
}

const TOOLTIP = [
  { field: 'series', title: 'series' },
  { field: 'tS', title: 'seconds', format: '.1f' },
  { field: 'value', title: 'value', format: ',.4~r' },
];

/** Zoom and pan on the time axis (wheel, drag; double-click resets) and tooltips on the data points. */
function interactive(chart: ChartSpec, extraTooltip: object[] = []): ChartSpec {
  const spec = structuredClone(chart.spec) as unknown as LayeredSpec;
  const data = spec.layer.find((layer) => typeof layer.mark === 'object' && layer.mark.type === 'line');
  if (data) {
    data.params = [
      { name: `zoom_${chart.id.replaceAll('-', '_')}`, select: { type: 'interval', encodings: ['x'] }, bind: 'scales' },
    ];
    data.mark = { ...(typeof data.mark === 'string' ? { type: data.mark } : data.mark), point: { size: 18 } };
    data.encoding = { ...data.encoding, tooltip: [...TOOLTIP, ...extraTooltip] };
  }
  return { ...chart, spec: spec as unknown as ChartSpec['spec'] };
}

function endpointLatencyChart(model: ReportModel): ChartSpec | undefined {
  const values = (model.endpointTimeline ?? []).flatMap((endpoint) =>
    endpoint.points.map((p) => ({
      tS: p.startS + p.widthS / 2,
      series: endpoint.name,
      value: p.avg,
      max: p.max,
      requests: p.requests,
    })),
  );
  if (values.length < 2) return undefined;
  const chart = lineChart(model, 'endpoint-latency', 'Latency per endpoint (mean per time slice)', 'ms', values);
  return interactive(chart, [
    { field: 'max', title: 'max ms', format: ',.4~r' },
    { field: 'requests', title: 'requests' },
  ]);
}

function histogramSpec(
  id: string,
  title: string,
  values: { fromMs: number; toMs: number; count: number; series: string }[],
): ChartSpec {
  const spec = {
    ...chartFrame(title),
    data: { values },
    params: [
      { name: `zoom_${id.replaceAll('-', '_')}`, select: { type: 'interval', encodings: ['x'] }, bind: 'scales' },
    ],
    mark: { type: 'rect', opacity: 0.7 },
    encoding: {
      x: { field: 'fromMs', type: 'quantitative', scale: { type: 'log' }, title: 'latency (ms, log scale)' },
      x2: { field: 'toMs' },
      y: { field: 'count', type: 'quantitative', title: 'requests' },
      y2: { datum: 0 },
      color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'top' } },
      tooltip: [
        { field: 'series' },
        { field: 'fromMs', title: 'from ms', format: ',.4~r' },
        { field: 'toMs', title: 'to ms', format: ',.4~r' },
        { field: 'count', title: 'requests' },
      ],
    },
  };
  return { id, title, spec: spec as unknown as ChartSpec['spec'] };
}

function modelCharts(model: ReportModel): ChartSpec[] {
  const charts = chartSpecs(model).map((chart) => interactive(chart));
  const endpoints = endpointLatencyChart(model);
  if (endpoints) charts.splice(2, 0, endpoints);
  const bins = model.latencyDistribution ?? [];
  if (bins.length > 0)
    charts.push(
      histogramSpec(
        'latency-histogram',
        'Latency histogram (all requests)',
        bins.map((b) => ({ ...b, series: 'requests' })),
      ),
    );
  return charts;
}

/** Throughput and p95 of two runs on one time axis, and their latency distributions over each other. */
function comparisonCharts(current: ReportModel, baseline: ReportModel): ChartSpec[] {
  const both = [
    ['current', current],
    ['baseline', baseline],
  ] as const;
  const charts: ChartSpec[] = [];
  const throughput = both.flatMap(([side, model]) =>
    perSecond(model.timeline, `${side}: requests/s`, (b) => b.requests),
  );
  const p95 = both.flatMap(([side, model]) => pointsOf(model.timeline, `${side}: p95`, (b) => b.p95));
  if (throughput.length > 1)
    charts.push(
      interactive(
        lineChart(
          current,
          'compare-throughput',
          'Throughput, current over baseline',
          'requests per second',
          throughput,
        ),
      ),
    );
  if (p95.length > 1)
    charts.push(interactive(lineChart(current, 'compare-p95', 'p95 latency, current over baseline', 'ms', p95)));
  const bins = both.flatMap(([side, model]) => (model.latencyDistribution ?? []).map((b) => ({ ...b, series: side })));
  if (bins.length > 0)
    charts.push(histogramSpec('compare-histogram', 'Latency histograms, current over baseline', bins));
  return charts;
}

const escapeHtml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
/** JSON inside <script>: `<` escaped so no string in it can close the element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replaceAll('<', '\\u003c');

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; color: #1f2328; margin: 0; background: #f6f8fa; }
main { max-width: 1000px; margin: 0 auto; padding: 24px; background: white; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
th, td { border: 1px solid #d0d7de; padding: 3px 8px; }
th { background: #f6f8fa; }
code { background: #f6f8fa; padding: 0 3px; border-radius: 3px; }
.chart { margin: 12px 0 24px; min-height: 60px; }
.hint { color: #59636e; font-size: 12px; }
#tooltip { position: absolute; background: rgba(255,255,255,.96); border: 1px solid #aaa; border-radius: 4px;
  padding: 4px 8px; font-size: 12px; pointer-events: none; box-shadow: 0 1px 4px rgba(0,0,0,.2); }
`;

// Runs in the browser: each chart is compiled by vega-lite and drawn by a vega View as SVG. The body's
// data-charts-drawn attribute says when all are drawn (a test waits for it).
const DRAW = `
const specs = JSON.parse(document.getElementById('chart-specs').textContent);
const tip = document.getElementById('tooltip');
const esc = (v) => String(v).replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]);
function showTooltip(handler, event, item, value) {
  if (value === undefined || value === null || value === '') { tip.hidden = true; return; }
  const rows = typeof value === 'object' ? Object.entries(value) : [['', value]];
  tip.innerHTML = rows.map(([k, v]) => '<div><b>' + esc(k) + '</b> ' + esc(v) + '</div>').join('');
  tip.hidden = false;
  tip.style.left = event.pageX + 14 + 'px';
  tip.style.top = event.pageY + 14 + 'px';
}
Promise.all(specs.map(async ({ id, spec }) => {
  // the tooltip handler is set before initialize, which hands it to the renderer's event handler
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'svg' }).tooltip(showTooltip);
  await view.initialize('#' + id).hover().runAsync();
})).then(
  () => { document.body.dataset.chartsDrawn = String(specs.length); },
  (error) => { document.body.dataset.chartsFailed = String(error); console.error(error); },
);
`;

function page(title: string, bodyHtml: string, charts: ChartSpec[]): string {
  const chartDivs = charts
    .map((c) => `<div class="chart" id="${c.id}" role="img" aria-label="${escapeHtml(c.title)}"></div>`)
    .join('\n');
  const chartSection =
    charts.length === 0
      ? ''
      : `<h2>Charts</h2>\n<p class="hint">Hover a point for its values; scroll to zoom the time axis, drag to pan, double-click to reset.</p>\n${chartDivs}\n`;
  // after the overview (the first table), before the notes and the detail tables
  const at = bodyHtml.indexOf('<h2', bodyHtml.indexOf('<h2') + 1);
  const body = at < 0 ? bodyHtml + chartSection : bodyHtml.slice(0, at) + chartSection + bodyHtml.slice(at);
  const csp = "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
<div id="tooltip" hidden></div>
<script>${library('vega/build/vega.min.js')}</script>
<script>${library('vega-lite/build/vega-lite.min.js')}</script>
<script type="application/json" id="chart-specs">${scriptJson(charts.map(({ id, spec }) => ({ id, spec })))}</script>
<script>${DRAW}</script>
</body>
</html>
`;
}

/** Markdown → HTML; raw HTML in the markdown (Mermaid's <details>) is left out, the charts replace it. */
function markdownToHtml(markdown: string): string {
  return new Marked({ gfm: true, async: false }).parse(markdown) as string;
}

/** Any markdown document with its charts as one self-contained page (capacity.md → capacity.html). */
export function renderMarkdownPage(title: string, markdown: string, charts: ChartSpec[]): string {
  return page(title, markdownToHtml(markdown), charts);
}

/** The report of one run as one HTML file. */
export function renderHtml(model: ReportModel): string {
  return page(model.title, markdownToHtml(renderMarkdown(model, { mermaid: false })), modelCharts(model));
}

/** `loadctl compare --format html`: the comparison table and the two runs' charts overlaid. */
export function renderComparisonHtml(comparison: Comparison, current: ReportModel, baseline: ReportModel): string {
  const title = `Comparison: ${current.title} vs ${baseline.title}`;
  return page(title, markdownToHtml(renderComparisonMarkdown(comparison)), comparisonCharts(current, baseline));
}

// A Grafana dashboard of every runbook's signals beside k6's request rate and latency (the series k6
// remote-writes into Prometheus during `loadctl run`), with the windows in which each runbook's alerts
// fired as annotations. Typed and validated by hand (zod) on the fields Grafana's import needs: one
// dashboard of time-series panels does not justify @grafana/grafana-foundation-sdk's builders.
import { z } from 'zod';
import { alertName } from './alerts.ts';
import type { Runbook } from './load.ts';
import { oneLine } from './promql.ts';

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;
const Datasource = z.object({ type: z.literal('prometheus'), uid: z.string() });

const Target = z.object({
  refId: z.string().regex(/^[A-Z]$/),
  expr: z.string().min(1),
  legendFormat: z.string().optional(),
  datasource: Datasource,
});
const Panel = z.object({
  id: z.number().int().positive(),
  type: z.enum(['timeseries', 'row']),
  title: z.string().min(1),
  description: z.string().optional(),
  gridPos: z.object({
    h: z.number().int().positive(),
    w: z.number().int().min(1).max(24),
    x: z.number().int().min(0).max(23),
    y: z.number().int().min(0),
  }),
  datasource: Datasource.optional(),
  targets: z.array(Target).optional(),
  fieldConfig: z
    .object({ defaults: z.object({ unit: z.string().optional() }), overrides: z.array(z.unknown()) })
    .optional(),
});
const Annotation = z.object({
  name: z.string(),
  datasource: Datasource,
  enable: z.boolean(),
  iconColor: z.string(),
  expr: z.string(),
  step: z.string(),
  titleFormat: z.string(),
  useValueForTime: z.boolean(),
});
export const GrafanaDashboard = z.object({
  uid: z.string().max(40),
  title: z.string().min(1),
  tags: z.array(z.string()),
  timezone: z.string(),
  schemaVersion: z.number().int(),
  version: z.number().int(),
  refresh: z.string(),
  time: z.object({ from: z.string(), to: z.string() }),
  templating: z.object({
    list: z.array(
      z.object({ name: z.string(), type: z.literal('datasource'), query: z.literal('prometheus'), label: z.string() }),
    ),
  }),
  annotations: z.object({ list: z.array(Annotation) }),
  panels: z.array(Panel).min(1),
});
export type GrafanaDashboard = z.infer<typeof GrafanaDashboard>;
type Panel = z.infer<typeof Panel>;

/** What a signal plots: the comparison's left-hand side, so the threshold can be read off beside it. */
function plotted(expr: string): string {
  return oneLine(expr).replace(/\s*(>=|<=|==|!=|>|<)\s*[-+0-9.e]+\s*$/i, '');
}

function unitOf(expr: string): string {
  if (/_seconds_bucket/.test(expr)) return 's';
  if (/_bytes/.test(expr)) return 'bytes';
  if (/ \/ /.test(expr)) return 'percentunit';
  return 'short';
}

export function grafanaDashboard(runbooks: readonly Runbook[]): GrafanaDashboard {
  const panels: Panel[] = [];
  let y = 0;
  const row = (title: string) => {
    panels.push({ id: panels.length + 1, type: 'row', title, gridPos: { h: 1, w: 24, x: 0, y } });
    y += 1;
  };
  type Graph = { title: string; description?: string; unit: string; exprs: Array<{ expr: string; legend: string }> };
  const graphs = (entries: Graph[]) => {
    entries.forEach((entry, index) => {
      panels.push({
        id: panels.length + 1,
        type: 'timeseries',
        title: entry.title,
        description: entry.description,
        gridPos: { h: 8, w: 12, x: (index % 2) * 12, y: y + Math.floor(index / 2) * 8 },
        datasource: DATASOURCE,
        targets: entry.exprs.map(({ expr, legend }, ref) => ({
          refId: String.fromCharCode(65 + ref),
          expr,
          legendFormat: legend,
          datasource: DATASOURCE,
        })),
        fieldConfig: { defaults: { unit: entry.unit }, overrides: [] },
      });
    });
    y += Math.ceil(entries.length / 2) * 8;
  };
  row('k6 (remote write during `loadctl run`)');
  graphs([
    {
      title: 'k6 request rate',
      unit: 'reqps',
      exprs: [{ expr: 'sum(rate(k6_http_reqs_total[5s]))', legend: 'requests/s' }],
    },
    {
      title: 'k6 request latency',
      unit: 's',
      exprs: ['p95', 'p99', 'avg'].map((stat) => ({ expr: `max(k6_http_req_duration_${stat})`, legend: stat })),
    },
  ]);
  for (const runbook of runbooks) {
    row(`${runbook.title} — runbook ${runbook.id}`);
    graphs(
      runbook.signals.map((signal) => ({
        title: `${signal.id} (alert ${alertName(runbook.id, signal.id)})`,
        description: `${signal.description ?? ''} Fires when: ${oneLine(signal.expr)}`.trim(),
        unit: unitOf(signal.expr),
        exprs: [{ expr: plotted(signal.expr), legend: signal.id }],
      })),
    );
  }
  return GrafanaDashboard.parse({
    uid: 'loadctl-runbooks',
    title: 'loadctl — runbook signals and k6',
    tags: ['loadctl', 'runbooks'],
    timezone: 'browser',
    schemaVersion: 39,
    version: 1,
    refresh: '5s',
    time: { from: 'now-30m', to: 'now' },
    templating: { list: [{ name: 'datasource', type: 'datasource', query: 'prometheus', label: 'Prometheus' }] },
    annotations: {
      list: runbooks.map((runbook) => ({
        name: `${runbook.id} alerts firing`,
        datasource: DATASOURCE,
        enable: true,
        iconColor: 'red',
        expr: `ALERTS{alertstate="firing",runbook="${runbook.id}"}`,
        step: '1s',
        titleFormat: '{{alertname}}',
        useValueForTime: false,
      })),
    },
    panels,
  });
}

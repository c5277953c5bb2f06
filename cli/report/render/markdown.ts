// GitHub-flavoured markdown for a ReportModel: verdict and overview first, then what went wrong (notes), then
// the tables and charts. Pure: model in, string out.
import type { CustomMetric, Note, ReportModel, StatusCount, TrafficStats } from '../model.ts';
import { formatObserved, kindOf } from '../thresholds.ts';
import { formatBytes, formatCount, formatMs, formatPercent } from '../units.ts';
import { mermaidCharts } from './mermaid.ts';
import { protocolSections } from './protocols.ts';
import { latencyCells, table } from './table.ts';

export interface MarkdownOptions {
  /** chart images relative to the markdown file, in display order */
  chartFiles?: { title: string; path: string }[];
  mermaid?: boolean;
}

const SEVERITY_MARK: Record<Note['severity'], string> = { critical: '🔴', warning: '🟠', info: '🔵' };

function statusCell(statuses: StatusCount[]): string {
  return (
    statuses
      .map(
        (s) =>
          `${s.status === '0' ? 'no response' : s.status} ×${formatCount(s.count)}${Number(s.status) >= 400 && s.expected === s.count ? ' (expected)' : ''}`,
      )
      .join(', ') || '—'
  );
}

function trafficCells(t: TrafficStats): string[] {
  return [formatCount(t.requests), formatCount(t.rps, 1), ...latencyCells(t.latency), formatPercent(t.errorRate)];
}

const TRAFFIC_HEADER = ['requests', 'rps', 'avg', 'med', 'p90', 'p95', 'p99', 'max', 'errors'];

export function renderMarkdown(model: ReportModel, options: MarkdownOptions = {}): string {
  const { overview: o, context: c } = model;
  const undecided =
    model.thresholds.length > 0 ? '➖ no verdict (not every threshold could be judged)' : '➖ no thresholds';
  const verdict = o.passed === false ? '❌ **FAILED**' : o.passed === true ? '✅ **PASSED**' : undecided;
  const out: string[] = [`# ${model.title}`, ''];
  const facts = [
    c.runId && `run \`${c.runId}\``,
    c.shape && `shape \`${c.shape}\``,
    c.workload && `workload \`${c.workload}\``,
    c.target && `target ${c.target}`,
    c.k6Version && `k6 ${c.k6Version}`,
    c.startedAt && `started ${c.startedAt}`,
    `source: ${model.source.format} (${model.source.files.map((f) => `\`${f.split('/').at(-1)}\``).join(', ')})`,
    c.segments !== undefined &&
      c.segments > 1 &&
      `merged ${model.source.files.length} raw streams from ${c.segments} execution segments`,
  ].filter(Boolean);
  out.push(`${verdict} · ${facts.join(' · ')}`, '');
  out.push('## Overview', '');
  out.push(
    table(
      [
        'duration',
        'requests',
        'rps',
        'p95',
        'p99',
        'errors',
        'iterations',
        'it/s',
        'dropped',
        'VUs max',
        'checks',
        'data in / out',
      ],
      [
        [
          o.durationS === undefined ? '—' : `${o.durationS.toFixed(1)} s`,
          formatCount(o.requests),
          formatCount(o.rps, 1),
          formatMs(o.latency?.p95),
          formatMs(o.latency?.p99),
          `${formatPercent(o.errorRate)}${o.failed ? ` (${formatCount(o.failed)})` : ''}`,
          formatCount(o.iterations),
          formatCount(o.iterationRate, 1),
          formatCount(o.droppedIterations),
          formatCount(o.vusMax),
          o.checks ? formatPercent(o.checks.passes / (o.checks.passes + o.checks.fails)) : '—',
          `${formatBytes(o.dataReceivedBytes)} / ${formatBytes(o.dataSentBytes)}`,
        ],
      ],
      Array(12).fill('r'),
    ),
    '',
  );
  if (model.notes.length > 0) {
    out.push('## Analysis', '', ...model.notes.map((n) => `- ${SEVERITY_MARK[n.severity]} ${n.text}`), '');
  }
  if (model.thresholds.length > 0) {
    const rejudged = model.thresholds.some((t) => t.judgedBy === 'loadctl');
    out.push(
      '## Thresholds',
      '',
      ...(rejudged
        ? ['Re-evaluated by loadctl on the aggregated raw stream (it carries the expressions, not k6’s verdicts).', '']
        : []),
      table(
        ['metric', 'threshold', 'observed', 'result'],
        model.thresholds.map((t) => [
          `\`${t.metric}\``,
          `\`${t.expression}\``,
          t.observed ?? '—',
          t.ok ? '✅ pass' : '❌ fail',
        ]),
        ['l', 'l', 'r', 'l'],
      ),
      '',
    );
  }
  const endpoints = model.endpoints.length > 0 ? model.endpoints : [{ name: 'all requests', ...o }];
  const protocols = protocolSections(model);
  // a WebSocket- or gRPC-only run has no HTTP endpoints to show
  if (model.endpoints.length > 0 || (o.requests ?? 0) > 0 || protocols.length === 0) {
    out.push(
      '## Endpoints',
      '',
      table(
        ['endpoint', ...TRAFFIC_HEADER, 'statuses'],
        endpoints.map((e) => [`\`${e.name}\``, ...trafficCells(e), statusCell(e.statuses)]),
      ),
      '',
    );
  }
  out.push(...protocols);
  if (model.scenarios.length > 0) {
    out.push(
      '## Scenarios',
      '',
      table(
        ['scenario', ...TRAFFIC_HEADER, 'iterations', 'dropped', 'iteration p95'],
        model.scenarios.map((s) => [
          `\`${s.name}\``,
          ...trafficCells(s),
          formatCount(s.iterations),
          formatCount(s.droppedIterations),
          formatMs(s.iterationDuration?.p95),
        ]),
      ),
      '',
    );
  }
  if (model.statuses.length > 0) {
    const requests = o.requests ?? 0;
    out.push(
      '## Responses by status',
      '',
      table(
        ['status', 'count', 'share', 'counted as'],
        model.statuses.map((s) => [
          s.status === '0' ? '0 (no response)' : s.status,
          formatCount(s.count),
          formatPercent(requests ? s.count / requests : undefined),
          s.expected === s.count
            ? 'expected'
            : s.expected === 0
              ? 'failure'
              : `${formatCount(s.expected)} expected, ${formatCount(s.count - s.expected)} failed`,
        ]),
      ),
      '',
    );
  }
  if ((model.customMetrics?.length ?? 0) > 0) {
    out.push(
      '## Custom metrics',
      '',
      table(
        ['metric', 'type', 'values'],
        (model.customMetrics ?? []).map((m) => [`\`${m.name}\``, m.type, customValues(m)]),
        ['l', 'l', 'l'],
      ),
      '',
    );
  }
  if (model.checks.length > 0) {
    out.push(
      '## Checks',
      '',
      table(
        ['check', 'passed', 'failed'],
        model.checks.map((ch) => [ch.name, formatCount(ch.passes), formatCount(ch.fails)]),
      ),
      '',
    );
  }
  if ((options.chartFiles?.length ?? 0) > 0 || (options.mermaid !== false && model.timeline.length > 1))
    out.push('## Over time', '');
  for (const chart of options.chartFiles ?? []) out.push(`![${chart.title}](${chart.path})`, '');
  if (options.mermaid !== false) {
    const blocks = mermaidCharts(model);
    if (blocks.length > 0)
      out.push(
        '<details><summary>Mermaid charts (render inline on GitHub)</summary>',
        '',
        ...blocks.flatMap((b) => [b, '']),
        '</details>',
        '',
      );
  }
  if (c.events.length > 0) {
    out.push(
      '## Events',
      '',
      table(
        ['at', 'kind', 'name', 'detail'],
        c.events.map((e) => [
          e.offsetS === undefined ? e.at : `${e.offsetS.toFixed(1)} s`,
          e.kind,
          e.name,
          e.detail ?? '',
        ]),
        ['r', 'l', 'l', 'l'],
      ),
      '',
    );
  }
  return `${out.join('\n').trimEnd()}\n`;
}

const TREND_ORDER = ['avg', 'min', 'med', 'max', 'p90', 'p95', 'p99'];

/** A custom metric's values the way k6's summary line shows them. */
function customValues(metric: CustomMetric): string {
  const kind = kindOf(metric.name, metric.type, metric.contains);
  const v = metric.values;
  if (metric.type === 'rate')
    return `${formatPercent(v.rate)} (${formatCount(v.nonZero)} of ${formatCount((v.nonZero ?? 0) + (v.zero ?? 0))})`;
  if (metric.type === 'counter')
    return [
      v.count !== undefined && formatObserved('count', v.count, kind),
      v.rate !== undefined && `${formatCount(v.rate, 2)}/s`,
    ]
      .filter(Boolean)
      .join(' ');
  const keys =
    metric.type === 'gauge'
      ? ['value', 'min', 'max']
      : [...TREND_ORDER, ...Object.keys(v).filter((k) => /^p\d/.test(k) && !TREND_ORDER.includes(k))];
  return keys
    .flatMap((key) => (v[key] === undefined ? [] : [formatObserved(key.replace(/^p(\d.*)$/, 'p($1)'), v[key], kind)]))
    .join(' ');
}

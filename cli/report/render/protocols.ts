// The report's sections for Web Vitals, WebSockets and gRPC: markdown lines, none when the run had no such
// traffic. Pure.
import type { GrpcMethodStats, ReportModel, VitalRating, VitalStats, WebSocketStats } from '../model.ts';
import { formatVital, vitalLabel, vitalThresholds } from '../protocols/browser.ts';
import { formatCount, formatMs, formatPercent } from '../units.ts';
import { latencyCells, table } from './table.ts';

const RATING_MARK: Record<VitalRating, string> = {
  good: '🟢 good',
  'needs improvement': '🟠 needs improvement',
  poor: '🔴 poor',
};

function vitalRows(page: string, vitals: VitalStats[]): string[][] {
  return vitals.map((v) => [
    page,
    vitalLabel(v.vital),
    formatCount(v.samples),
    formatVital(v.vital, v.p75),
    RATING_MARK[v.rating],
    formatVital(v.vital, v.p95),
    RATING_MARK[v.p95Rating],
    vitalThresholds(v.vital),
  ]);
}

function webVitalSection(model: ReportModel): string[] {
  const vitals = model.webVitals;
  if (!vitals) return [];
  // a summary has only the all-pages figures; one page needs no all-pages row
  const rows = [
    ...(vitals.pages.length !== 1 ? vitalRows('**all pages**', vitals.allPages) : []),
    ...vitals.pages.flatMap((p) => vitalRows(`\`${p.page}\``, p.vitals)),
  ];
  return [
    '## Web Vitals',
    '',
    'Rated at p75, the percentile Web Vitals are judged at (thresholds from web.dev); p95 shows the slow tail.',
    '',
    table(['page', 'vital', 'samples', 'p75', 'rating', 'p95', 'p95 rating', 'thresholds'], rows, [
      'l',
      'l',
      'r',
      'r',
      'l',
      'r',
      'l',
      'l',
    ]),
    '',
  ];
}

function websocketRow(name: string, w: WebSocketStats): string[] {
  const upgraded = w.statuses.reduce((sum, s) => sum + s.expected, 0);
  return [
    name,
    formatCount(w.sessions),
    w.statuses.length === 0
      ? '—'
      : upgraded === w.sessions
        ? 'all 101'
        : w.statuses.map((s) => `${s.status} ×${formatCount(s.count)}`).join(', '),
    formatMs(w.connecting?.avg),
    formatMs(w.connecting?.p95),
    formatMs(w.sessionDuration?.avg),
    formatMs(w.sessionDuration?.p95),
    formatCount(w.messagesSent),
    formatCount(w.sentPerS, 1),
    formatCount(w.messagesReceived),
    formatCount(w.receivedPerS, 1),
  ];
}

function websocketSection(model: ReportModel): string[] {
  const { websockets = [], websocketTotals } = model;
  if (!websocketTotals) return [];
  const rows = [
    ...websockets.map((w) => websocketRow(`\`${w.name}\``, w)),
    ...(websockets.length !== 1 ? [websocketRow('**all sessions**', websocketTotals)] : []),
  ];
  const header = [
    'name',
    'sessions',
    'handshakes',
    'connect avg',
    'connect p95',
    'session avg',
    'session p95',
    'msgs sent',
    'sent/s',
    'msgs received',
    'received/s',
  ];
  return ['## WebSockets', '', table(header, rows), ''];
}

function grpcRow(name: string, g: GrpcMethodStats): string[] {
  return [
    name,
    formatCount(g.requests),
    formatCount(g.rps, 1),
    ...latencyCells(g.latency),
    formatPercent(g.requests > 0 ? g.failed / g.requests : undefined),
    g.statuses.map((s) => `${s.status} ×${formatCount(s.count)}`).join(', '),
  ];
}

function grpcSection(model: ReportModel): string[] {
  const { grpc, grpcTotals } = model;
  if (!grpc || !grpcTotals) return [];
  const rows = [
    ...grpc.map((g) => grpcRow(`\`${g.method}\``, g)),
    ...(grpc.length > 1 ? [grpcRow('**all methods**', grpcTotals)] : []),
  ];
  return [
    '## gRPC',
    '',
    table(['method', 'requests', 'rps', 'avg', 'med', 'p90', 'p95', 'p99', 'max', 'not OK', 'statuses'], rows, [
      'l',
      ...Array<'r'>(9).fill('r'),
      'l',
    ]),
    '',
  ];
}

export function protocolSections(model: ReportModel): string[] {
  return [...webVitalSection(model), ...websocketSection(model), ...grpcSection(model)];
}

// The notes and threshold readings for Web Vitals, WebSockets and gRPC, beside analysis.ts's HTTP ones.
import type { LatencyStats, Note, ReportModel } from '../model.ts';
import { formatCount, formatMs, formatPercent } from '../units.ts';
import { formatVital, VITALS, webVitalNotes } from './browser.ts';

type ModelWithoutNotes = Omit<ReportModel, 'notes'>;

export function protocolNotes(model: ModelWithoutNotes): Note[] {
  return [...webVitalNotes(model.webVitals), ...grpcErrorNotes(model), ...websocketErrorNotes(model)];
}

function grpcErrorNotes(model: ModelWithoutNotes): Note[] {
  const failed = model.grpcTotals?.failed ?? 0;
  if (!model.grpcTotals || failed === 0) return [];
  const byMethod = (model.grpc ?? [])
    .filter((m) => m.failed > 0)
    .map(
      (m) =>
        `${m.method}: ${m.statuses
          .filter((s) => s.expected < s.count)
          .map((s) => `${s.status} ×${formatCount(s.count)}`)
          .join(', ')}`,
    );
  return [
    {
      id: 'grpc-errors',
      severity: failed / model.grpcTotals.requests >= 0.01 ? 'critical' : 'warning',
      value: failed,
      text: `${formatCount(failed)} of ${formatCount(model.grpcTotals.requests)} gRPC calls (${formatPercent(failed / model.grpcTotals.requests)}) ended with a status other than OK — ${byMethod.join('; ')}.`,
    },
  ];
}

function websocketErrorNotes(model: ModelWithoutNotes): Note[] {
  const totals = model.websocketTotals;
  const refused = (totals?.statuses ?? []).filter((s) => s.expected < s.count);
  const count = refused.reduce((sum, s) => sum + s.count, 0);
  if (!totals || count === 0) return [];
  return [
    {
      id: 'websocket-errors',
      severity: 'critical',
      value: count,
      text: `${formatCount(count)} of ${formatCount(totals.sessions)} WebSocket handshakes were not upgraded (${refused.map((s) => `status ${s.status} ×${formatCount(s.count)}`).join(', ')}).`,
    },
  ];
}

function latencyStat(latency: LatencyStats | undefined, stat: string): number | undefined {
  const key = stat.replace(/^p\((\d+(?:\.\d+)?)\)$/, 'p$1');
  return latency && key in latency ? latency[key as keyof LatencyStats] : undefined;
}

/**
 * What the run observed for a threshold's statistic on a protocol metric (`p(75)` of a vital, `p(95)` of
 * grpc_req_duration, `count` of ws_msgs_received…), or undefined when the report does not have it.
 */
export function protocolObserved(
  model: ModelWithoutNotes,
  metric: string,
  stat: string,
): { value: number; shown: string } | undefined {
  const vital = VITALS.find((v) => v.metric === metric);
  if (vital) {
    const stats = model.webVitals?.allPages.find((v) => v.vital === vital.vital);
    const value = stat === 'p(75)' ? stats?.p75 : stat === 'p(95)' ? stats?.p95 : undefined;
    return value === undefined ? undefined : { value, shown: formatVital(vital.vital, value) };
  }
  const timed = (latency: LatencyStats | undefined) => {
    const value = latencyStat(latency, stat);
    return value === undefined ? undefined : { value, shown: formatMs(value) };
  };
  const counted = (count: number | undefined, rate: number | undefined) => {
    const value = stat === 'count' ? count : stat === 'rate' ? rate : undefined;
    return value === undefined
      ? undefined
      : { value, shown: stat === 'count' ? formatCount(value) : `${formatCount(value, 1)}/s` };
  };
  const ws = model.websocketTotals;
  const durationS = model.overview.durationS;
  switch (metric) {
    case 'grpc_req_duration':
      return timed(model.grpcTotals?.latency);
    case 'ws_connecting':
      return timed(ws?.connecting);
    case 'ws_session_duration':
      return timed(ws?.sessionDuration);
    case 'ws_msgs_sent':
      return counted(ws?.messagesSent, ws?.sentPerS);
    case 'ws_msgs_received':
      return counted(ws?.messagesReceived, ws?.receivedPerS);
    case 'ws_sessions':
      return counted(ws?.sessions, ws && durationS ? ws.sessions / durationS : undefined);
    default:
      return undefined;
  }
}
